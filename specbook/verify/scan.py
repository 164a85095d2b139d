"""One pass over each export: what the rules need, tallied chunk by chunk, and the few columns kept whole.

Per file only the columns of the entity's fields are read, as strings, in chunks. Counts and a few
example rows of empty, unreadable and unknown values are tallied per chunk and each chunk is dropped;
what must be held to compare files — the business key and, for the files at both ends of a flow, the
normalised values to compare — is kept as compact columns (numbers and timestamps rather than text
where the kind allows).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from specbook.definitions import CONVERSION
from specbook.model import Spec, table_records
from specbook.verify.adapter import column_for, match_column
from specbook.verify.hashing import text_hashes
from specbook.verify.readers import CHUNK_ROWS, DataFileError, Table, open_table
from specbook.verify.values import FORMAT_CHECKED, comparable, days, empty, parse

EXAMPLES = 3
ROW = "__row"
HASHED = "__hash:"  # prefix of the kept column with a key field's hashes


@dataclass(frozen=True)
class Sample:
    """An export attached to the spec: which system's data, of which entity, in which file; ``folder`` is
    the workbook folder when the path came from the spec's samples table (relative to it)."""

    system: str
    entity: str
    path: str
    folder: str = ""

    @property
    def shown(self) -> str:
        """The path as a reader of the report should see it: relative to the workbook folder, or only the
        file's name when the file lies outside it (a full path says nothing to whoever gets the handout);
        as given when there is no workbook folder (a path typed on the command line)."""
        if not self.folder:
            return self.path
        path, folder = Path(self.path).resolve(), Path(self.folder).resolve()
        try:
            return path.relative_to(folder).as_posix()
        except ValueError:
            return path.name


@dataclass
class Tally:
    """How many cells broke a rule, and the first few of them as ``(file row, value)``."""

    count: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)

    def add(self, rows: np.ndarray, values: pd.Series | None = None) -> None:
        self.count += len(rows)
        room = EXAMPLES - len(self.examples)
        if room > 0 and len(rows):
            shown = [""] * min(room, len(rows)) if values is None else [str(v) for v in values.iloc[:room]]
            self.examples.extend(zip((int(r) for r in rows[:room]), shown, strict=False))


@dataclass(frozen=True)
class FieldPlan:
    name: str
    kind: str
    fmt: str | None
    column: str
    required: bool
    personal: bool


@dataclass
class Scan:
    """What was learnt from one export."""

    sample: Sample
    table: Table
    fields: dict[str, FieldPlan]
    key: tuple[str, ...]
    rows: int = 0
    empty: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    unparsed: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    status_field: str | None = None
    unknown_status: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    sums: dict[str, dict[str, float]] = field(default_factory=dict)  # reconciliation -> day -> aggregate
    kept: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Plan:
    """What the spec asks of the data, derived once: keys, statuses, compared fields, reconciliations."""

    fields: dict[str, list[dict[str, Any]]]
    keys: dict[str, tuple[str, ...]]
    status_values: dict[tuple[str, str], dict[str, str]]  # (entity, system) -> value -> status
    compared: dict[tuple[str, str], set[str]]  # (system, entity) -> fields kept for flows
    reconciliations: list[dict[str, Any]]
    masters: dict[tuple[str, str], str]  # (entity, field or "") -> the master system
    # flow -> fields its mapping translates by a rule or a lookup (not a format conversion): their values
    # differ between master and copy by design, so they are not compared
    translated: dict[str, set[str]] = field(default_factory=dict)


def split_values(cell: str) -> list[str]:
    return [v.strip() for v in str(cell).split(";") if v.strip()]


def _column(spec: Spec, table: str, column: str) -> list[Any]:
    frame = spec.tables.get(table)
    if frame is None or column not in frame.columns:
        return []
    return list(frame[column].tolist())


def reconciliations(spec: Spec) -> list[dict[str, Any]]:
    """The reconciliations that say what to compute (an aggregate, two systems, a day field)."""
    out = []
    for r in table_records(spec["reconciliations"]):
        if r.get("measure") and r.get("entity") and r.get("system") and r.get("against") and r.get("by_date"):
            out.append(r)
    return out


def make_plan(spec: Spec, samples: list[Sample]) -> Plan:
    fields: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in table_records(spec["fields"]):
        fields[f["entity"]].append(f)
    keys = {d["entity"]: tuple(d["key_fields"]) for d in table_records(spec["duplicates"]) if d["key_fields"]}
    status_values: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for s in table_records(spec["statuses"]):
        for value in split_values(s["value"]):
            status_values[(s["entity"], s["system"])][value] = s["status"]
    held = {(s.system, s.entity) for s in samples}
    compared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for flow in table_records(spec["flows"]):
        ends = [(flow["source"], flow["entity"]), (flow["target"], flow["entity"])]
        if all(end in held for end in ends):
            for end in ends:
                compared[end].update(f["name"] for f in fields.get(flow["entity"], []))
    masters = {(o["entity"], o["field"]): o["system"] for o in table_records(spec["ownership"])
               if o["role"] == "master"}
    return Plan(dict(fields), keys, dict(status_values), dict(compared), reconciliations(spec), masters,
                translated(spec))


def translated(spec: Spec) -> dict[str, set[str]]:
    """Per flow, the fields whose mapping changes the value other than by a format conversion."""
    out: dict[str, set[str]] = defaultdict(set)
    frame = spec.tables.get("mappings")
    for m in table_records(frame) if frame is not None else []:
        conversion, rule = str(m.get("conversion") or ""), str(m.get("rule") or "").strip()
        if (conversion and conversion not in CONVERSION) or (not conversion and rule):
            out[str(m.get("flow"))].add(str(m.get("field")))
    return dict(out)


def _plan_fields(spec: Spec, plan: Plan, sample: Sample, table: Table) -> dict[str, FieldPlan]:
    out: dict[str, FieldPlan] = {}
    key = plan.keys.get(sample.entity, ())
    missing = []
    for f in plan.fields.get(sample.entity, []):
        name, fmt = column_for(spec, sample.system, sample.entity, f["name"])
        if name is None:
            continue
        column = match_column(name, table.columns)
        if column is None:
            if f["required"] or f["name"] in key:
                missing.append(name)
            continue
        out[f["name"]] = FieldPlan(f["name"], f["kind"] or "text", fmt, column, bool(f["required"]),
                                   bool(f["personal"]))
    if missing:
        raise DataFileError(table.path, "missing_column", row=1, column=missing[0],
                            values={"columns": ", ".join(f"«{m}»" for m in missing),
                                    "entity": sample.entity})
    return out


def _pick_status_field(scan: Scan, chunk: pd.DataFrame, known: dict[str, str]) -> str | None:
    """The choice field whose values are most often statuses the mapping knows for this system."""
    best, best_hits = None, 0
    for plan in scan.fields.values():
        if plan.kind != "choice":
            continue
        values = pd.Series(pd.unique(chunk[plan.column].to_numpy(dtype=object)))
        hits = int(values.str.strip().isin(list(known)).sum())
        if hits > best_hits:
            best, best_hits = plan.name, hits
    return best


_SPACE_AFTER_SEP = re.compile(r"\x00\s")  # starts with a literal: the search skips ahead in C


def _stripped(cells: np.ndarray) -> pd.Series:
    """Cells without surrounding spaces (a missing cell as ""). Two scans of the joined text (one of it
    reversed, for a space before a separator) find the usual case of nothing to strip."""
    try:
        text = "\x00" + "\x00".join(cells) + "\x00"
    except TypeError:  # a missing cell among the strings
        text = ""
    if text and text.count("\x00") == len(cells) + 1 and not _SPACE_AFTER_SEP.search(text) \
            and not _SPACE_AFTER_SEP.search(text[::-1]):
        return pd.Series(cells, dtype=object)
    return pd.Series([v.strip() if isinstance(v, str) else "" for v in cells], dtype=object)


HASHED_KINDS = frozenset({"text", "identifier", "email"})


def _compact(p: FieldPlan, value: pd.Series, statuses: dict[str, str] | None) -> np.ndarray:
    """A column to keep for comparing two systems, in as little memory as it can take: a status as the
    business status it maps to, a choice as references to its few distinct values, free text as a hash
    (equal or not is all a comparison needs), numbers and timestamps as they are."""
    if statuses is not None:
        return np.asarray(pd.Categorical(value.map(statuses)), dtype=object)
    if p.kind == "choice":
        return np.asarray(pd.Categorical(value), dtype=object)
    if p.kind in HASHED_KINDS:
        return text_hashes(value.fillna("").to_numpy(dtype=object))
    return comparable(p.kind, value).to_numpy()


def scan(spec: Spec, plan: Plan, sample: Sample, rows_per_chunk: int = CHUNK_ROWS) -> Scan:
    table = open_table(sample.path)
    fields = _plan_fields(spec, plan, sample, table)
    key = tuple(k for k in plan.keys.get(sample.entity, ()) if k in fields)
    result = Scan(sample, table, fields, key)
    known = plan.status_values.get((sample.entity, sample.system), {})
    compared = plan.compared.get((sample.system, sample.entity), set()) & set(fields)
    recs = [r for r in plan.reconciliations
            if r["entity"] == sample.entity and sample.system in (r["system"], r["against"])
            and r["by_date"] in fields and (not r["field"] or r["field"] in fields)]
    for r in recs:
        result.sums[r["name"]] = {}
    kept: list[dict[str, Any]] = []
    distinct_columns: set[str] = set()
    usecols = list(dict.fromkeys(p.column for p in fields.values()))
    for first, chunk in table.chunks(usecols, rows_per_chunk):
        n = len(chunk)
        rows = np.arange(first, first + n, dtype=np.int64)
        result.rows += n
        if known and result.status_field is None:
            result.status_field = _pick_status_field(result, chunk, known)
        keep: dict[str, Any] = {ROW: rows}
        values: dict[str, np.ndarray] = {}  # parsed value per row, for the reconciliations
        for p in fields.values():
            column = chunk[p.column]
            # Each distinct value is judged once: exports repeat statuses, dates, amounts and names a lot. A
            # column whose first chunk was mostly distinct values (three in four: numbers of orders, payments'
            # ids) is judged cell by cell: finding its few repeats would cost more than it saves.
            distinct: Any
            if p.name in distinct_columns:
                codes, distinct = np.arange(n), column.to_numpy(dtype=object)
            else:
                codes, distinct = pd.factorize(column, use_na_sentinel=False)
                if result.rows == n and len(distinct) > n * 3 // 4 and n >= 1000:
                    distinct_columns.add(p.name)
            unique = _stripped(np.asarray(distinct, dtype=object))
            blank_u = (unique == "").to_numpy()
            blank = blank_u[codes]
            if p.required and blank_u.any() and blank.any():
                result.empty[p.name].add(rows[blank])
            needs_value = p.name in compared or any(p.name in (r["field"], r["by_date"]) for r in recs)
            parsed = None
            if p.kind in FORMAT_CHECKED or needs_value:
                parsed = parse(p.kind, p.fmt, unique)
                bad_u = ~parsed.valid.to_numpy() & ~blank_u
                if bad_u.any() and p.kind in FORMAT_CHECKED:
                    bad = bad_u[codes]
                    result.unparsed[p.name].add(rows[bad], column[bad])
                if any(p.name in (r["field"], r["by_date"]) for r in recs):
                    values[p.name] = parsed.value.to_numpy()[codes]
            if p.name == result.status_field:
                unknown_u = ~unique.isin(list(known)).to_numpy() & ~blank_u
                if unknown_u.any():
                    unknown = unknown_u[codes]
                    for value, group in pd.Series(rows[unknown]).groupby(unique.to_numpy()[codes[unknown]]):
                        result.unknown_status[str(value)].add(group.to_numpy())
            if p.name in key:
                # as fixed-width text, not as the chunk's own string objects: a few survivors among a chunk's
                # cells would keep all of its memory pages alive
                keep[p.name] = np.asarray(unique.to_numpy(dtype=object), dtype=str)[codes]
                # and as a 64-bit hash, which finding repeats and counterparts compares fast
                keep[HASHED + p.name] = text_hashes(unique.to_numpy(dtype=object))[codes]
            elif p.name in compared and parsed is not None:
                statuses = known if p.name == result.status_field else None
                keep[p.name] = _compact(p, parsed.value, statuses)[codes]
        for r in recs:
            day = days(pd.Series(values[r["by_date"]]))
            if r["measure"] == "count":
                amount = (pd.Series(1.0, index=range(n)) if not r["field"]
                          else pd.Series((~empty(chunk[fields[r["field"]].column])).to_numpy(dtype=float)))
            else:
                amount = pd.Series(values[r["field"]], dtype=float)
            totals = result.sums[r["name"]]
            per_day = amount.groupby(day.to_numpy()).sum()
            for name, total in zip(pd.DatetimeIndex(per_day.index).strftime("%Y-%m-%d"), per_day, strict=True):
                totals[name] = totals.get(name, 0.0) + float(total)
        kept.append(keep)
        del chunk, values
    if kept:
        result.kept = pd.DataFrame({name: np.concatenate([part[name] for part in kept]) for name in kept[0]})
    return result


__all__ = ["EXAMPLES", "HASHED", "ROW", "Plan", "Sample", "Scan", "Tally", "make_plan", "scan", "split_values"]
