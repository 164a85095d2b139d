"""One pass over each export: what the rules need, tallied chunk by chunk, and the few columns kept whole.

Per file only the columns of the entity's fields are read, as strings, in chunks. Counts and a few
example rows of empty, unreadable and unknown values are tallied per chunk and each chunk is dropped;
what must be held to compare files — the business key and, for the files at both ends of a flow, the
normalised values to compare — is kept as compact columns (numbers and timestamps rather than text
where the kind allows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from specbook.model import Spec, table_records
from specbook.verify.adapter import column_for, match_column
from specbook.verify.readers import CHUNK_ROWS, DataFileError, Table, open_table
from specbook.verify.values import FORMAT_CHECKED, comparable, days, empty, parse

EXAMPLES = 3
ROW = "__row"


@dataclass(frozen=True)
class Sample:
    """An export attached to the spec: which system's data, of which entity, in which file."""

    system: str
    entity: str
    path: str


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
    return Plan(dict(fields), keys, dict(status_values), dict(compared), reconciliations(spec), masters)


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
        values = chunk[plan.column].str.strip()
        hits = int(values.isin(list(known)).sum())
        if hits > best_hits:
            best, best_hits = plan.name, hits
    return best


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
    kept: list[pd.DataFrame] = []
    usecols = list(dict.fromkeys(p.column for p in fields.values()))
    for first, chunk in table.chunks(usecols, rows_per_chunk):
        n = len(chunk)
        rows = np.arange(first, first + n, dtype=np.int64)
        result.rows += n
        if known and result.status_field is None:
            result.status_field = _pick_status_field(result, chunk, known)
        keep: dict[str, Any] = {ROW: rows}
        parsed_cache = {}
        for p in fields.values():
            column = chunk[p.column]
            blank = empty(column).to_numpy()
            if p.required and blank.any():
                result.empty[p.name].add(rows[blank])
            needs_value = p.name in compared or any(p.name in (r["field"], r["by_date"]) for r in recs)
            if p.kind in FORMAT_CHECKED or needs_value:
                parsed = parse(p.kind, p.fmt, column)
                parsed_cache[p.name] = parsed
                bad = ~parsed.valid.to_numpy() & ~blank
                if bad.any() and p.kind in FORMAT_CHECKED:
                    result.unparsed[p.name].add(rows[bad], column[bad])
            if p.name == result.status_field:
                values = column.str.strip()
                unknown = ~values.isin(list(known)).to_numpy() & ~blank
                if unknown.any():
                    for value, group in pd.Series(rows[unknown]).groupby(values[unknown].to_numpy()):
                        result.unknown_status[str(value)].add(group.to_numpy())
            if p.name in key:
                keep[p.name] = column.str.strip().to_numpy()
            elif p.name in compared:
                if p.name == result.status_field:
                    keep[p.name] = column.str.strip().map(known).to_numpy(dtype=object)
                else:
                    keep[p.name] = comparable(p.kind, parsed_cache[p.name].value).to_numpy()
        for r in recs:
            day = days(parsed_cache[r["by_date"]].value)
            if r["measure"] == "count":
                amount = (pd.Series(1.0, index=chunk.index) if not r["field"]
                          else (~empty(chunk[fields[r["field"]].column])).astype(float))
            else:
                amount = parsed_cache[r["field"]].value.astype(float)
            totals = result.sums[r["name"]]
            for d, total in amount.groupby(day.to_numpy()).sum().items():
                totals[str(d)] = totals.get(str(d), 0.0) + float(total)
        kept.append(pd.DataFrame(keep))
        del chunk, parsed_cache
    if kept:
        result.kept = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
    return result


__all__ = ["EXAMPLES", "ROW", "Plan", "Sample", "Scan", "Tally", "make_plan", "scan", "split_values"]
