"""The rules on data: pure functions of the spec, its plan and the scanned exports, yielding findings.

Each finding carries the count, a few example rows (personal data masked) and the file it is about, in
the spec's language; ``location`` points at the answer of the spec that the data contradict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from specbook import lang
from specbook.checks import Finding, Rule
from specbook.model import location
from specbook.verify.scan import EXAMPLES, HASHED, ROW, Plan, Scan, Tally
from specbook.verify.values import local, mask

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("data.duplicate", "error", "duplicates"),
        Rule("data.required-empty", "error", "entities"),
        Rule("data.unparsed", "error", "entities"),
        Rule("data.status-unknown", "error", "statuses"),
        Rule("data.missing-in-target", "error", "flows"),
        Rule("data.value-differs", "error", "flows"),
        Rule("data.reconciliation-differs", "error", "acceptance"),
    )
}


@dataclass(frozen=True)
class DataFinding(Finding):
    """A finding on data: also which system and file, how many cases, and a few of them."""

    system: str = ""
    file: str = ""
    count: int = 0
    examples: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "system": self.system, "file": self.file, "count": self.count,
                "examples": [dict(e) for e in self.examples]}


class Words:
    """Numbers, lists and example rows in the spec's language."""

    def __init__(self, language: str) -> None:
        self.lang = language

    def t(self, key: str, **values: object) -> str:
        return lang.text(self.lang, f"verify.{key}", **values)

    def number(self, value: Any, decimals: int = 2) -> str:
        sample = self.t("digits")  # "1,234.56": the thousands separator, then the decimal mark
        text = f"{float(value):,.{decimals}f}"
        return text.replace(",", "\x00").replace(".", sample[5]).replace("\x00", sample[1])

    def rows(self, numbers: Iterable[Any]) -> str:
        return ", ".join(str(n) for n in numbers)

    def kind(self, kind: str) -> str:
        words = lang.choice(self.lang, "field_kind", kind)
        return words[:1].lower() + words[1:]


Hit = tuple[str, str, dict[str, Any], dict[str, Any]]  # code, location, message values, finding extras
Scans = dict[tuple[str, str], Scan]  # (system, entity) -> what its export held
Flows = list[dict[str, Any]]
RuleFn = Callable[[Words, Plan, Scans, Flows], Iterator[Hit]]
_RULES: list[RuleFn] = []


def _rule(fn: RuleFn) -> RuleFn:
    _RULES.append(fn)
    return fn


def _shown(scan: Scan, field_name: str, value: str) -> str:
    plan = scan.fields.get(field_name)
    return mask(value) if plan is not None and plan.personal else value


def _extras(scan: Scan, count: int, examples: list[dict[str, Any]]) -> dict[str, Any]:
    return {"system": scan.sample.system, "file": scan.sample.shown, "count": count,
            "examples": tuple(examples[:EXAMPLES])}


@_rule
def _duplicates(w: Words, plan: Plan, scans: Scans, flows: Flows) -> Iterator[Hit]:
    for s in scans.values():
        wanted = plan.keys.get(s.sample.entity, ())
        if not wanted or tuple(s.key) != wanted or s.kept.empty:
            continue
        filled = _filled(s, wanted)
        dup = s.kept[_hashed(wanted)].duplicated(keep=False).to_numpy() & filled
        if not dup.any():
            continue
        # the hashes are a fast first look: a repeat is one only when the keys' own text repeats
        flagged = np.flatnonzero(dup)
        dup[flagged[~s.kept.iloc[flagged].duplicated(subset=list(wanted), keep=False).to_numpy()]] = False
        if not dup.any():
            continue
        repeated = s.kept.loc[dup, [*wanted, ROW]]
        groups = repeated.groupby(list(wanted), sort=False)[ROW]
        examples = []
        for value, rows in list(groups)[:EXAMPLES]:
            parts = value if isinstance(value, tuple) else (value,)
            shown = " / ".join(_shown(s, k, str(v)) for k, v in zip(wanted, parts, strict=True))
            examples.append({"key": shown, "rows": [int(r) for r in rows.iloc[:5]]})
        text = "; ".join(f"«{e['key']}» ({w.t('rows_word')} {w.rows(e['rows'])})" for e in examples)
        yield "data.duplicate", location("duplicates", (s.sample.entity,), "key_fields"), {
            "system": s.sample.system, "file": s.sample.shown, "entity": s.sample.entity,
            "key": " + ".join(wanted), "count": groups.ngroups, "rows": int(dup.sum()), "examples": text,
        }, _extras(s, groups.ngroups, examples)


def _tally_examples(w: Words, s: Scan, name: str, tally: Tally,
                    with_values: bool) -> tuple[str, list[dict[str, Any]]]:
    examples = [{"row": r, **({"value": _shown(s, name, v)} if with_values else {})} for r, v in tally.examples]
    if with_values:
        return "; ".join(f"{w.t('row_word')} {e['row']}: «{e['value']}»" for e in examples), examples
    return w.rows([e["row"] for e in examples]), examples


@_rule
def _required(w: Words, plan: Plan, scans: Scans, flows: Flows) -> Iterator[Hit]:
    for s in scans.values():
        for name, tally in s.empty.items():
            text, examples = _tally_examples(w, s, name, tally, with_values=False)
            yield "data.required-empty", location("fields", (s.sample.entity, name), "required"), {
                "system": s.sample.system, "file": s.sample.shown, "field": name, "count": tally.count,
                "total": s.rows, "examples": text}, _extras(s, tally.count, examples)


@_rule
def _formats(w: Words, plan: Plan, scans: Scans, flows: Flows) -> Iterator[Hit]:
    for s in scans.values():
        for name, tally in s.unparsed.items():
            p = s.fields[name]
            text, examples = _tally_examples(w, s, name, tally, with_values=True)
            kind = w.kind(p.kind) + (f" ({p.fmt})" if p.fmt else "")
            yield "data.unparsed", location("fields", (s.sample.entity, name), "kind"), {
                "system": s.sample.system, "file": s.sample.shown, "field": name, "count": tally.count,
                "total": s.rows, "kind": kind, "examples": text}, _extras(s, tally.count, examples)


@_rule
def _statuses(w: Words, plan: Plan, scans: Scans, flows: Flows) -> Iterator[Hit]:
    for s in scans.values():
        for value, tally in sorted(s.unknown_status.items(), key=lambda kv: -kv[1].count):
            examples = [{"row": r, "value": value} for r, _ in tally.examples]
            yield "data.status-unknown", location("statuses", (s.sample.entity,)), {
                "system": s.sample.system, "file": s.sample.shown, "entity": s.sample.entity,
                "field": s.status_field or "", "value": value, "count": tally.count,
                "examples": w.rows([e["row"] for e in examples])}, _extras(s, tally.count, examples)


def _unique_positions(s: Scan, key: tuple[str, ...]) -> np.ndarray:
    """Positions of the rows whose key is filled and appears once: a repeated key is reported, not compared."""
    once = ~s.kept.duplicated(subset=_hashed(key), keep=False).to_numpy()
    return np.flatnonzero(_filled(s, key) & once)


def _hashed(key: tuple[str, ...]) -> list[str]:
    return [HASHED + k for k in key]


def _filled(s: Scan, key: tuple[str, ...]) -> np.ndarray:
    filled = np.ones(len(s.kept), dtype=bool)
    for k in key:
        filled &= s.kept[k].to_numpy() != ""
    return filled


def _keys_at(s: Scan, key: tuple[str, ...], positions: np.ndarray | None = None) -> pd.Index:
    """The rows' keys as hashes (equal keys, equal hashes; 64 bits make a collision a non-event)."""
    columns = [s.kept[HASHED + k].to_numpy() for k in key]
    if positions is not None:
        columns = [c[positions] for c in columns]
    return pd.Index(columns[0]) if len(key) == 1 else pd.MultiIndex.from_arrays(columns)


def _flow_pairs(plan: Plan, scans: dict[tuple[str, str], Scan],
                flows: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], Scan, Scan, tuple[str, ...]]]:
    for flow in flows:
        source = scans.get((flow["source"], flow["entity"]))
        target = scans.get((flow["target"], flow["entity"]))
        key = plan.keys.get(flow["entity"], ())
        if source is None or target is None or not key or source.key != key or target.key != key:
            continue
        yield flow, source, target, key


@_rule
def _counterparts(w: Words, plan: Plan, scans: Scans, flows: Flows) -> Iterator[Hit]:
    for flow, source, target, key in _flow_pairs(plan, scans, flows):
        filled = np.flatnonzero(_filled(source, key))
        present = _keys_at(source, key, filled).isin(_keys_at(target, key))
        missing = ~np.asarray(present)
        if not missing.any():
            continue
        examples = []
        for i in filled[missing][:EXAMPLES]:
            shown = " / ".join(_shown(source, k, str(source.kept[k].iloc[i])) for k in key)
            examples.append({"key": shown, "row": int(source.kept[ROW].iloc[i])})
        text = "; ".join(f"«{e['key']}» ({w.t('row_word')} {e['row']})" for e in examples)
        yield "data.missing-in-target", location("flows", (flow["name"],)), {
            "flow": flow["name"], "entity": flow["entity"], "source": flow["source"], "target": flow["target"],
            "count": int(missing.sum()), "total": len(filled), "key": " + ".join(key), "examples": text,
        }, _extras(source, int(missing.sum()), examples)


def _show_value(w: Words, kind: str, value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if kind in ("money", "number"):
        return w.number(float(value))
    if kind == "date":
        return local(value).strftime("%Y-%m-%d %H:%M")
    if kind == "phone":
        return f"+{int(value)}"
    return str(value)


@_rule
def _values(w: Words, plan: Plan, scans: Scans, flows: Flows) -> Iterator[Hit]:
    masters = plan.masters
    for flow, source, target, key in _flow_pairs(plan, scans, flows):
        entity = flow["entity"]
        if masters.get((entity, "")) != flow["source"]:
            continue  # only a master's values bind its copies
        shared = [n for n in source.fields if n in target.fields and n not in key
                  and n in source.kept.columns and n in target.kept.columns
                  and masters.get((entity, n), flow["source"]) == flow["source"]
                  and n not in plan.translated.get(flow["name"], ())]
        if not shared:
            continue
        src_pos, dst_pos = _unique_positions(source, key), _unique_positions(target, key)
        at = _keys_at(target, key, dst_pos).get_indexer(_keys_at(source, key, src_pos))
        both = at >= 0
        sp, dp = src_pos[both], dst_pos[at[both]]  # matching rows of source and target, in step
        for name in shared:
            a, b = source.kept[name].to_numpy()[sp], target.kept[name].to_numpy()[dp]
            known = ~pd.isna(a) & ~pd.isna(b)
            differ = known & (a != b)
            if not differ.any():
                continue
            p = source.fields[name]
            where = np.flatnonzero(differ)[:EXAMPLES]
            examples = []
            hashed = a.dtype == np.uint64  # free text is kept as a hash: the rows say where to look
            for i in where:
                k = " / ".join(_shown(source, c, str(source.kept[c].iloc[sp[i]])) for c in key)
                rows = {"row": int(source.kept[ROW].iloc[sp[i]]), "target_row": int(target.kept[ROW].iloc[dp[i]])}
                if hashed:
                    examples.append({"key": k, **rows})
                    continue
                left, right = _show_value(w, p.kind, a[i]), _show_value(w, p.kind, b[i])
                if p.personal:
                    left, right = mask(left), mask(right)
                examples.append({"key": k, "source": left, "target": right, **rows})
            if hashed:
                text = "; ".join(f"«{e['key']}» ({w.t('row_word')} {e['row']} ≠ {w.t('row_word')} {e['target_row']})"
                                 for e in examples)
            else:
                text = "; ".join(f"«{e['key']}»: «{e['source']}» ≠ «{e['target']}»" for e in examples)
            yield "data.value-differs", location("flows", (flow["name"],)), {
                "flow": flow["name"], "field": name, "source": flow["source"], "target": flow["target"],
                "count": int(differ.sum()), "total": int(known.sum()), "examples": text,
            }, _extras(source, int(differ.sum()), examples)


@_rule
def _reconciliations(w: Words, plan: Plan, scans: Scans, flows: Flows) -> Iterator[Hit]:
    for r in plan.reconciliations:
        left = scans.get((r["system"], r["entity"]))
        right = scans.get((r["against"], r["entity"]))
        if left is None or right is None or r["name"] not in left.sums or r["name"] not in right.sums:
            continue
        a, b = left.sums[r["name"]], right.sums[r["name"]]
        tolerance = tolerance_of(r.get("tolerance", ""))
        days = sorted(set(a) | set(b))
        off = [(d, a.get(d, 0.0), b.get(d, 0.0)) for d in days
               if abs(a.get(d, 0.0) - b.get(d, 0.0)) > tolerance + 1e-9]
        if not off:
            continue
        decimals = 0 if r["measure"] == "count" else 2
        examples = [{"day": d, "left": round(x, 2), "right": round(y, 2), "difference": round(x - y, 2)}
                    for d, x, y in off]
        text = "; ".join(f"{e['day']}: {w.number(e['left'], decimals)} / {w.number(e['right'], decimals)} "
                         f"({w.t('difference')} {w.number(e['difference'], decimals)})" for e in examples[:EXAMPLES])
        measure = w.t(f"measure.{r['measure']}")
        yield "data.reconciliation-differs", location("reconciliations", (r["name"],)), {
            "name": r["name"], "measure": measure, "field": r["field"] or r["entity"], "system": r["system"],
            "against": r["against"], "count": len(off), "days": len(days), "by": r["by_date"],
            "tolerance": w.number(tolerance, decimals), "examples": text,
        }, {"system": r["system"], "file": left.sample.shown, "count": len(off), "examples": tuple(examples)}


def tolerance_of(text: Any) -> float:
    try:
        return abs(float(str(text or "0").replace(" ", "").replace(",", ".")))
    except ValueError:
        return 0.0


def findings(language: str, plan: Plan, scans: dict[tuple[str, str], Scan],
             flows: list[dict[str, Any]]) -> list[DataFinding]:
    """Every finding on the scanned exports, in rule order."""
    w = Words(language)
    out = []
    for fn in _RULES:
        for code, where, values, extras in fn(w, plan, scans, flows):
            rule = RULES[code]
            message = lang.text(language, f"verify.rules.{code.split('.', 1)[1]}", **values)
            out.append(DataFinding(code, rule.severity, rule.section, where, message, **extras))
    return out


__all__ = ["RULES", "DataFinding", "findings"]
