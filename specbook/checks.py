"""Checks: pure functions of the model that say what is still open or contradictory.

``check(spec)`` never raises for a gap. It returns a :class:`Report`: every finding (question, severity,
location, stable rule code, message in the spec's language) and a readiness line per question. The
readiness panel, ``specbook check`` and the handout all show this same report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from specbook import lang
from specbook._perf import gc_paused
from specbook.address import Address
from specbook.definitions import (
    CONVERSION,
    CREATING_ACTIONS,
    FIELD_FORMATS,
    QUESTION_SECTION,
    SECTION,
    SECTIONS,
    TABLE,
    TRIGGER_PERIOD_MINUTES,
    column_section,
    needs_conversion,
)
from specbook.model import (
    NO_EQUIVALENT,
    Spec,
    dangling_references,
    duplicate_keys,
    holders,
    location,
    row_addresses,
    row_key,
    table_records,
)

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    section: str


# Every rule, once. Its message is ``rules.<code>`` in each language table.
RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("names.duplicate", "error", "project"),
        Rule("refs.unknown", "error", "project"),
        Rule("project.name-missing", "warning", "project"),
        Rule("goal.primary-missing", "error", "goal"),
        Rule("goal.other-unexplained", "error", "goal"),
        Rule("goal.problem-missing", "warning", "goal"),
        Rule("goal.indicator-missing", "error", "goal"),
        Rule("goal.indicator-incomplete", "error", "goal"),
        Rule("goal.indicator-unmeasured", "warning", "goal"),
        Rule("systems.too-few", "error", "systems"),
        Rule("systems.owner-missing", "warning", "systems"),
        Rule("systems.unused", "info", "systems"),
        Rule("entities.missing", "error", "entities"),
        Rule("entities.no-fields", "error", "entities"),
        Rule("entities.unused", "warning", "entities"),
        Rule("fields.kind-missing", "error", "entities"),
        Rule("fields.meaning-missing", "warning", "entities"),
        Rule("fields.personal-unmarked", "warning", "entities"),
        Rule("privacy.personal-travels", "info", "entities"),
        Rule("system_fields.format-kind", "error", "entities"),
        Rule("ownership.missing", "error", "ownership"),
        Rule("ownership.no-master", "error", "ownership"),
        Rule("ownership.many-masters", "error", "ownership"),
        Rule("ownership.master-overwritten", "warning", "ownership"),
        Rule("ownership.conflict-rule-missing", "warning", "ownership"),
        Rule("mapping.not-master", "warning", "ownership"),
        Rule("statuses.unmapped", "error", "statuses"),
        Rule("statuses.ambiguous", "warning", "statuses"),
        Rule("flows.missing", "error", "flows"),
        Rule("flows.endpoint-missing", "error", "flows"),
        Rule("flows.same-system", "error", "flows"),
        Rule("flows.trigger-missing", "error", "flows"),
        Rule("flows.delay-missing", "error", "flows"),
        Rule("flows.too-slow", "error", "flows"),
        Rule("flows.why-missing", "warning", "flows"),
        Rule("flows.volume-missing", "info", "flows"),
        # how each system names and formats a field, and the mapping each flow carries ("data differ")
        Rule("mapping.required-unmapped", "error", "flows"),
        Rule("mapping.field-unknown", "error", "flows"),
        Rule("mapping.name-missing", "error", "flows"),
        Rule("mapping.absent", "warning", "flows"),
        Rule("mapping.format-mismatch", "error", "flows"),
        Rule("mapping.conversion-wrong", "warning", "flows"),
        Rule("mapping.on-missing-missing", "warning", "flows"),
        Rule("mapping.default-missing", "error", "flows"),
        Rule("mapping.fed-twice", "warning", "flows"),
        Rule("privacy.personal-mapped", "info", "flows"),
        Rule("success.no-flows", "error", "success"),
        Rule("success.missing", "error", "success"),
        Rule("errors.no-flows", "error", "errors"),
        Rule("errors.notify-missing", "error", "errors"),
        Rule("errors.operator-missing", "error", "errors"),
        Rule("errors.stuck-missing", "error", "errors"),
        Rule("errors.workaround-missing", "error", "errors"),
        Rule("errors.stuck-before-sync", "error", "errors"),
        Rule("duplicates.no-flows", "error", "duplicates"),
        Rule("duplicates.rule-missing", "error", "duplicates"),
        Rule("duplicates.key-missing", "error", "duplicates"),
        Rule("duplicates.key-unknown", "error", "duplicates"),
        Rule("duplicates.on-repeat-missing", "error", "duplicates"),
        Rule("mapping.key-not-carried", "error", "duplicates"),
        Rule("acceptance.no-scenario", "error", "acceptance"),
        Rule("acceptance.empty-scenario", "error", "acceptance"),
        Rule("acceptance.step-incomplete", "warning", "acceptance"),
        Rule("acceptance.flow-uncovered", "error", "acceptance"),
        Rule("acceptance.indicator-uncovered", "error", "acceptance"),
        Rule("acceptance.reconciliation-missing", "warning", "acceptance"),
        Rule("open.to-confirm", "warning", "open_points"),
        Rule("open.who-missing", "warning", "open_points"),
        Rule("signoff.missing", "info", "signoff"),
    )
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    section: str
    location: str
    message: str

    @property
    def question(self) -> int | None:
        return SECTION[self.section].question

    @property
    def blocking(self) -> bool:
        """Keeps its question open: an error, or an answer still to be confirmed."""
        return self.severity == "error" or self.code in ("open.to-confirm", "open.who-missing")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "question": self.question,
            "section": self.section,
            "location": self.location,
            "message": self.message,
        }


@dataclass(frozen=True)
class QuestionStatus:
    number: int
    section: str
    title: str
    closed: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    language: str
    findings: tuple[Finding, ...]
    questions: tuple[QuestionStatus, ...] = field(default=())

    @property
    def closed(self) -> int:
        return sum(q.closed for q in self.questions)

    @property
    def total(self) -> int:
        return len(self.questions)

    def count(self, severity: Severity) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def ok(self) -> bool:
        """No error: what ``specbook check`` exits 0 on."""
        return self.count("error") == 0

    def readiness(self) -> str:
        return lang.text(self.language, "ui.readiness", closed=self.closed, total=self.total)

    def by_section(self) -> dict[str, list[Finding]]:
        """Findings grouped by section, in the order of the workbook."""
        groups: dict[str, list[Finding]] = {s.key: [] for s in SECTIONS}
        for f in self.findings:
            groups[f.section].append(f)
        return {k: v for k, v in groups.items() if v}

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "readiness": {"closed": self.closed, "total": self.total, "text": self.readiness()},
            "questions": [
                {"number": q.number, "section": q.section, "title": q.title, "closed": q.closed,
                 "reasons": list(q.reasons)}
                for q in self.questions
            ],
            "counts": {s: self.count(s) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
        }


# --------------------------------------------------------------------------- context shared by the rules

Hit = tuple[str, str, dict[str, Any]]  # (code, location, message values); section from RULES or override


class _Context:
    """Rows of every table as plain records, and the lookups several rules need, built once per check."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.lang = spec.language
        self.rows = {name: table_records(df) for name, df in spec.tables.items()}
        self.fields_by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in self.rows["fields"]:
            self.fields_by_entity[f["entity"]].append(f)
        self.flows = self.rows["flows"]
        self.flowing = {f["entity"] for f in self.flows if f["entity"]}
        self._addresses: dict[str, list[tuple[str, ...]]] = {}
        self.masters: dict[tuple[str, str], list[str]] = defaultdict(list)
        for o in self.rows["ownership"]:
            if o["role"] == "master":
                self.masters[(o["entity"], o["field"])].append(o["system"])

    def row_address(self, table_name: str, i: int) -> tuple[object, ...]:
        """The key of row ``i``; steps, which have none, by scenario and step number."""
        if table_name not in self._addresses:
            self._addresses[table_name] = row_addresses(TABLE[table_name], self.rows[table_name])
        return self._addresses[table_name][i]

    def choice(self, choices: str, value: str) -> str:
        words = lang.choice(self.lang, choices, value)
        return words[:1].lower() + words[1:]

    def label(self, table: str, column: str) -> str:
        return lang.label(self.lang, table, column)

    def duration(self, minutes: int) -> str:
        return lang.duration(self.lang, minutes)

    def joined(self, items: list[str]) -> str:
        items = [f"«{i}»" for i in items]
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + " " + lang.text(self.lang, "ui.and") + " " + items[-1]


def _flow_at(flow: dict[str, Any], column: str | None = None) -> str:
    return location("flows", (flow["name"],), column)


# --------------------------------------------------------------------------- the rules

CheckFn = Callable[[_Context], Iterator[Hit]]
_CHECKS: list[CheckFn] = []


def _check(fn: CheckFn) -> CheckFn:
    _CHECKS.append(fn)
    return fn


@_check
def _integrity(c: _Context) -> Iterator[Hit]:
    for table_name, i, _first in duplicate_keys(c.spec):
        table = TABLE[table_name]
        key = row_key(table, c.rows[table_name][i])
        yield "names.duplicate", location(table_name, key), {"value": " / ".join(key),
                                                             "_section": table.section}
    for table_name, i, column, value in dangling_references(c.spec):
        if (table_name, column) == ("duplicates", "key_fields"):
            continue  # duplicates.key-unknown says it in the words of question 7
        table = TABLE[table_name]
        yield "refs.unknown", location(table_name, c.row_address(table_name, i), column), {
            "value": value, "column": c.label(table_name, column),
            "_section": column_section(table_name, column)}


@_check
def _project(c: _Context) -> Iterator[Hit]:
    if not c.spec.project.name.strip():
        yield "project.name-missing", "project.name", {}


@_check
def _goal(c: _Context) -> Iterator[Hit]:
    goal = c.spec.goal
    if not goal.primary:
        yield "goal.primary-missing", "goal.primary", {}
    elif goal.primary == "other" and not goal.other.strip():
        yield "goal.other-unexplained", "goal.other", {}
    if not goal.problem.strip():
        yield "goal.problem-missing", "goal.problem", {}
    if not c.rows["indicators"]:
        yield "goal.indicator-missing", "indicators", {}
    for ind in c.rows["indicators"]:
        missing = [c.label("indicators", col) for col in ("baseline", "target") if not ind[col].strip()]
        if missing:
            yield "goal.indicator-incomplete", location("indicators", (ind["name"],)), {
                "name": ind["name"], "missing": c.joined(missing)}
        if not ind["measured_by"].strip():
            yield "goal.indicator-unmeasured", location("indicators", (ind["name"],), "measured_by"), {
                "name": ind["name"]}


@_check
def _systems(c: _Context) -> Iterator[Hit]:
    systems = c.rows["systems"]
    if len(systems) < 2:
        yield "systems.too-few", "systems", {}
    used = {f["source"] for f in c.flows} | {f["target"] for f in c.flows}
    for s in systems:
        if not s["owner"].strip():
            yield "systems.owner-missing", location("systems", (s["name"],), "owner"), {"name": s["name"]}
        if s["name"] not in used:
            yield "systems.unused", location("systems", (s["name"],)), {"name": s["name"]}


@_check
def _entities(c: _Context) -> Iterator[Hit]:
    if not c.rows["entities"]:
        yield "entities.missing", "entities", {}
    for e in c.rows["entities"]:
        name = e["name"]
        if not c.fields_by_entity.get(name):
            yield "entities.no-fields", location("entities", (name,)), {"name": name}
        if name not in c.flowing:
            yield "entities.unused", location("entities", (name,)), {"name": name}
    for f in c.rows["fields"]:
        at = (f["entity"], f["name"])
        values = {"entity": f["entity"], "name": f["name"]}
        if not f["kind"]:
            yield "fields.kind-missing", location("fields", at, "kind"), values
        if not f["meaning"].strip():
            yield "fields.meaning-missing", location("fields", at, "meaning"), values
        if f["kind"] in ("phone", "email") and not f["personal"]:
            yield "fields.personal-unmarked", location("fields", at, "personal"), {
                **values, "kind": c.choice("field_kind", f["kind"])}


@_check
def _privacy(c: _Context) -> Iterator[Hit]:
    routes: dict[str, list[str]] = defaultdict(list)
    for f in c.flows:
        if f["entity"] and f["source"] and f["target"]:
            routes[f["entity"]].append(f"{f['source']} → {f['target']}")
    for entity, paths in routes.items():
        personal = [f["name"] for f in c.fields_by_entity.get(entity, []) if f["personal"]]
        if personal:
            yield "privacy.personal-travels", location("entities", (entity,)), {
                "entity": entity, "fields": ", ".join(personal), "flows": "; ".join(dict.fromkeys(paths))}


@_check
def _ownership(c: _Context) -> Iterator[Hit]:
    if not c.rows["ownership"]:
        yield "ownership.missing", "ownership", {}
    for entity in sorted(c.flowing):
        if not c.masters.get((entity, "")):
            yield "ownership.no-master", location("ownership", (entity,)), {"target": entity}
    for (entity, fld), systems in c.masters.items():
        if len(systems) > 1:
            target = f"{entity}.{fld}" if fld else entity
            yield "ownership.many-masters", location("ownership", (entity, fld) if fld else (entity,)), {
                "target": target, "count": len(systems), "systems": ", ".join(systems)}
    field_masters: dict[str, set[str]] = defaultdict(set)
    for (entity, fld), systems in c.masters.items():
        if fld:
            field_masters[entity].update(systems)
    for f in c.flows:
        masters = c.masters.get((f["entity"], ""), [])
        if (
            len(masters) == 1
            and f["target"] == masters[0]
            and f["source"]
            and f["source"] != f["target"]
            and f["source"] not in field_masters[f["entity"]]
        ):
            yield "ownership.master-overwritten", _flow_at(f, "target"), {
                "flow": f["name"], "entity": f["entity"], "target": f["target"]}
    systems_of: dict[str, set[str]] = defaultdict(set)
    for o in c.rows["ownership"]:
        systems_of[o["entity"]].add(o["system"])
    for f in c.flows:
        systems_of[f["entity"]].update(s for s in (f["source"], f["target"]) if s)
    for e in c.rows["entities"]:
        if len(systems_of.get(e["name"], ())) > 1 and not e["on_conflict"].strip():
            yield "ownership.conflict-rule-missing", location("entities", (e["name"],), "on_conflict"), {
                "name": e["name"]}


@_check
def _statuses(c: _Context) -> Iterator[Hit]:
    values: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)  # entity -> (status, system) -> value
    statuses: dict[str, dict[str, None]] = defaultdict(dict)
    systems: dict[str, dict[str, None]] = defaultdict(dict)
    for r in c.rows["statuses"]:
        values[r["entity"]][(r["status"], r["system"])] = r["value"].strip()
        statuses[r["entity"]][r["status"]] = None
        systems[r["entity"]][r["system"]] = None
    # the mapping needs the systems that hold the entity; without any known yet, those it names
    held = holders([s["name"] for s in c.rows["systems"]], c.rows["ownership"], c.rows["flows"])
    for entity, cells in values.items():
        needed = held.get(entity) or list(systems[entity])
        for status in statuses[entity]:
            for system in needed:
                if not cells.get((status, system)):
                    yield "statuses.unmapped", location("statuses", (entity, status, system)), {
                        "entity": entity, "status": status, "system": system}
        for system in systems[entity]:
            meaning: dict[str, list[str]] = defaultdict(list)
            for status in statuses[entity]:
                value = cells.get((status, system))
                if value and value != NO_EQUIVALENT:
                    meaning[value].append(status)
            for value, several in meaning.items():
                if len(several) > 1:
                    yield "statuses.ambiguous", location("statuses", (entity, several[0], system)), {
                        "entity": entity, "system": system, "value": value, "statuses": ", ".join(several)}


@_check
def _flows(c: _Context) -> Iterator[Hit]:
    if not c.flows:
        yield "flows.missing", "flows", {}
        # questions 5-7 are asked per flow: without flows they cannot be answered yet
        for code, where in (("success.no-flows", "flows"), ("errors.no-flows", "flows"),
                            ("duplicates.no-flows", "duplicates")):
            yield code, where, {}
    for f in c.flows:
        name = f["name"]
        missing = [c.label("flows", col) for col in ("entity", "source", "target", "action") if not f[col]]
        if missing:
            yield "flows.endpoint-missing", _flow_at(f), {"name": name, "missing": c.joined(missing)}
        if f["source"] and f["source"] == f["target"]:
            yield "flows.same-system", _flow_at(f, "target"), {"name": name, "system": f["source"]}
        if not f["trigger"]:
            yield "flows.trigger-missing", _flow_at(f, "trigger"), {"name": name}
        if f["max_delay_minutes"] is None:
            yield "flows.delay-missing", _flow_at(f, "max_delay_minutes"), {"name": name}
        period = TRIGGER_PERIOD_MINUTES.get(f["trigger"])
        if period is not None and f["max_delay_minutes"] is not None and period > f["max_delay_minutes"]:
            yield "flows.too-slow", _flow_at(f, "trigger"), {
                "name": name, "trigger": c.choice("trigger", f["trigger"]),
                "delay": c.duration(f["max_delay_minutes"])}
        if not f["why"].strip():
            yield "flows.why-missing", _flow_at(f, "why"), {"name": name}
        if f["volume_per_day"] is None:
            yield "flows.volume-missing", _flow_at(f, "volume_per_day"), {"name": name}
        if not f["success"].strip():
            yield "success.missing", _flow_at(f, "success"), {"name": name}


@_check
def _runbook(c: _Context) -> Iterator[Hit]:
    required = (("notify", "errors.notify-missing"), ("operator_action", "errors.operator-missing"),
                ("stuck_after_minutes", "errors.stuck-missing"), ("workaround", "errors.workaround-missing"))
    for f in c.flows:
        for column, code in required:
            value = f[column]
            if value is None or (isinstance(value, str) and not value.strip()):
                yield code, _flow_at(f, column), {"name": f["name"]}
        period = TRIGGER_PERIOD_MINUTES.get(f["trigger"])
        stuck = f["stuck_after_minutes"]
        if period and stuck is not None and stuck < period:
            yield "errors.stuck-before-sync", _flow_at(f, "stuck_after_minutes"), {
                "name": f["name"], "stuck": c.duration(stuck), "trigger": c.choice("trigger", f["trigger"])}


@_check
def _duplicates(c: _Context) -> Iterator[Hit]:
    rules = {d["entity"]: d for d in c.rows["duplicates"]}
    reported: set[str] = set()
    for f in c.flows:
        if f["action"] in CREATING_ACTIONS and f["entity"] and f["entity"] not in rules:
            if f["entity"] not in reported:
                yield "duplicates.rule-missing", location("duplicates", (f["entity"],)), {
                    "flow": f["name"], "entity": f["entity"]}
            reported.add(f["entity"])
    for d in c.rows["duplicates"]:
        entity = d["entity"]
        known = {f["name"] for f in c.fields_by_entity.get(entity, [])}
        if not d["key_fields"]:
            yield "duplicates.key-missing", location("duplicates", (entity,), "key_fields"), {"entity": entity}
        for name in d["key_fields"]:
            if name not in known:
                yield "duplicates.key-unknown", location("duplicates", (entity,), "key_fields"), {
                    "entity": entity, "field": name}
        if not d["on_repeat"]:
            yield "duplicates.on-repeat-missing", location("duplicates", (entity,), "on_repeat"), {
                "entity": entity}


@_check
def _acceptance(c: _Context) -> Iterator[Hit]:
    scenarios = c.rows["scenarios"]
    steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in c.rows["steps"]:
        steps[s["scenario"]].append(s)
    if not scenarios:
        yield "acceptance.no-scenario", "scenarios", {}
    for s in scenarios:
        if not steps.get(s["name"]):
            yield "acceptance.empty-scenario", location("scenarios", (s["name"],)), {"name": s["name"]}
        for number, step in enumerate(steps.get(s["name"], []), start=1):
            if not (step["expected"].strip() and step["action"].strip()):
                yield "acceptance.step-incomplete", location("steps", (s["name"], number), "expected"), {
                    "scenario": s["name"], "step": number}
    covered = {s["covers"] for s in c.rows["steps"] if s["action"].strip() or s["expected"].strip()}
    covered |= {r["covers"] for r in c.rows["reconciliations"] if r["rule"].strip()}
    for f in c.flows:
        if f["name"] not in covered:
            yield "acceptance.flow-uncovered", _flow_at(f), {"name": f["name"]}
    for ind in c.rows["indicators"]:
        if ind["name"] not in covered:
            yield "acceptance.indicator-uncovered", location("indicators", (ind["name"],)), {"name": ind["name"]}
    if not c.rows["reconciliations"]:
        yield "acceptance.reconciliation-missing", "reconciliations", {}


# --------------------------------------------------------------------------- field names, formats and mappings


def format_words(language: str, value: str) -> str:
    """The words of a field format inside a sentence: «8 (XXX) XXX-XX-XX», «roubles with kopecks…»."""
    words = lang.choice(language, "field_format", value)
    if words[1:2].islower():
        words = words[:1].lower() + words[1:]
    return words


class _Mapped:
    """The field names per system and the mapping of each flow, as the mapping rules read them."""

    def __init__(self, c: _Context) -> None:
        self.names: dict[tuple[str, str, str], dict[str, Any]] = {
            (r["entity"], r["field"], r["system"]): r for r in c.rows["system_fields"]}
        self.by_flow: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in c.rows["mappings"]:
            self.by_flow[r["flow"]].append(r)
        self.roles: dict[tuple[str, str, str], str] = {
            (r["entity"], r["field"], r["system"]): r["role"] for r in c.rows["ownership"]}
        self.fields: dict[str, dict[str, dict[str, Any]]] = {
            entity: {f["name"]: f for f in rows} for entity, rows in c.fields_by_entity.items()}

    def carried(self, flow: str) -> set[str]:
        """The entity's fields a flow reads or fills."""
        return {r["field"] for r in self.by_flow.get(flow, [])} | {
            r["target_field"] for r in self.by_flow.get(flow, []) if r["target_field"]}


def _map_at(flow: str, field: str, column: str | None = None) -> str:
    return location("mappings", (flow, field), column)


@_check
def _system_fields(c: _Context) -> Iterator[Hit]:
    kinds = {(f["entity"], f["name"]): f["kind"] for f in c.rows["fields"]}
    for r in c.rows["system_fields"]:
        kind = kinds.get((r["entity"], r["field"]), "")
        if r["format"] and kind in FIELD_FORMATS and r["format"] not in FIELD_FORMATS[kind]:
            yield "system_fields.format-kind", location("system_fields", (r["entity"], r["field"], r["system"]),
                                                        "format"), {
                "entity": r["entity"], "field": r["field"], "system": r["system"],
                "format": format_words(c.lang, r["format"]), "kind": c.choice("field_kind", kind),
                "formats": "; ".join(format_words(c.lang, f) for f in FIELD_FORMATS[kind])}


@_check
def _mappings(c: _Context) -> Iterator[Hit]:
    m = _Mapped(c)
    written: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (target, entity, field) -> flows
    duplicates = {d["entity"]: d for d in c.rows["duplicates"]}
    for f in c.flows:
        flow, entity, source, target = f["name"], f["entity"], f["source"], f["target"]
        if not (entity and source and target) or source == target:
            continue  # the flow's own rules say what is missing
        fields = m.fields.get(entity, {})
        ends = {"flow": flow, "entity": entity, "source": source, "target": target}
        carried = m.carried(flow)
        for name, fld in fields.items():
            if fld["required"] and name not in carried:
                yield "mapping.required-unmapped", _map_at(flow, name), {**ends, "field": name}
        personal: list[str] = []
        names, roles, masters_of = m.names, m.roles, c.masters
        for r in m.by_flow.get(flow, []):
            name = r["field"]
            into = r["target_field"] or name
            if name not in fields or into not in fields:
                for col, value in (("field", name), ("target_field", into)):
                    if value not in fields:
                        yield "mapping.field-unknown", _map_at(flow, name, col), {**ends, "field": value}
                continue
            a = names.get((entity, name, source))
            b = names.get((entity, into, target))
            a_absent = a is not None and a["absent"]
            b_absent = b is not None and b["absent"]
            one_side_lacks = a_absent or b_absent
            ends_known = (not one_side_lacks and a is not None and b is not None
                          and bool(a["name"].strip()) and bool(b["name"].strip()))
            if not ends_known:
                for system, field_name, held, absent in ((source, name, a, a_absent), (target, into, b, b_absent)):
                    if absent:
                        if not r["rule"].strip():
                            yield "mapping.absent", _map_at(flow, name, "rule"), {**ends, "field": name,
                                                                                  "system": system}
                    elif held is None or not held["name"].strip():
                        yield "mapping.name-missing", location("system_fields", (entity, field_name, system),
                                                               "name"), {**ends, "field": name, "system": system}
            fld = fields[name]
            kind = fld["kind"]
            src = a["format"] if a is not None else ""
            dst = b["format"] if b is not None else ""
            conversion_code = r["conversion"]
            if ends_known and not conversion_code and needs_conversion(kind, src, dst) and not r["rule"].strip():
                yield "mapping.format-mismatch", _map_at(flow, name, "conversion"), {
                    **ends, "field": name, "source_format": format_words(c.lang, src),
                    "target_format": format_words(c.lang, dst)}
            if conversion_code:
                conversion = CONVERSION.get(conversion_code)
                if conversion is not None and src and dst and (
                        (conversion.kind, conversion.source, conversion.target) != (kind, src, dst)):
                    yield "mapping.conversion-wrong", _map_at(flow, name, "conversion"), {
                        **ends, "field": name, "conversion": c.choice("conversion", conversion.code),
                        "source_format": format_words(c.lang, src), "target_format": format_words(c.lang, dst)}
            on_missing = r["on_missing"]
            if not on_missing and fld["required"] and not a_absent:
                yield "mapping.on-missing-missing", _map_at(flow, name, "on_missing"), {**ends, "field": name}
            elif on_missing == "default" and not r["default"].strip():
                yield "mapping.default-missing", _map_at(flow, name, "default"), {**ends, "field": name}
            if one_side_lacks:
                continue  # nothing is written, and no personal data travel
            masters = masters_of.get((entity, into))
            if masters and len(masters) == 1 and masters[0] != source:
                source_role = roles.get((entity, into, source)) or roles.get((entity, "", source), "")
                if masters[0] == target or source_role in ("", "reads"):
                    yield "mapping.not-master", _map_at(flow, name), {**ends, "field": into, "master": masters[0]}
            written[(target, entity, into)].append(flow)
            if fld["personal"] or fields[into]["personal"]:
                personal.append(name)
        if personal:
            yield "privacy.personal-mapped", _flow_at(f), {**ends, "fields": ", ".join(dict.fromkeys(personal))}
        rule = duplicates.get(entity)
        if f["action"] in CREATING_ACTIONS and rule is not None:
            for key in rule["key_fields"]:
                if key in fields and key not in carried:
                    yield "mapping.key-not-carried", _map_at(flow, key), {**ends, "field": key}
    for (target, entity, name), flows in written.items():
        several = list(dict.fromkeys(flows))
        if len(several) > 1:
            yield "mapping.fed-twice", location("system_fields", (entity, name, target)), {
                "entity": entity, "field": name, "target": target, "flows": ", ".join(f"«{x}»" for x in several)}


def location_section(text: str) -> str | None:
    """The section an answer's location belongs to (for "to be confirmed" marks)."""
    where = Address.parse(text)
    if where is None:
        return None
    head, column = where.table, where.column
    if head in TABLE:
        if column and column in TABLE[head].column_names:
            return column_section(head, column)
        return TABLE[head].section
    if head in SECTION:
        return head
    return None


def describe_location(language: str, where: str) -> str:
    """A location in words: ``flows[Orders to CRM].trigger`` → ``Flow «Orders to CRM» — When``."""
    address = Address.parse(where)
    if address is None:
        return where
    head, parts, column = address.table, address.key, address.column
    if head in TABLE:
        t = TABLE[head]
        if t.parent and not t.key and len(parts) == 2:
            parent = t.parent[0]
            words = (f"{lang.label(language, parent, 'name')} «{parts[0]}», "
                     f"{lang.text(language, 'ui.step', n=parts[1])}")
        elif parts:
            names = [k for k in t.key if t.column(k).kind == "name"]
            subject = (lang.label(language, head, names[-1]) if names
                       else lang.text(language, f"sections.{t.section}.title"))
            words = f"{subject} «{' / '.join(p for p in parts if p)}»"
        else:
            words = lang.text(language, f"sections.{t.section}.title")
        if column and column in t.column_names:
            words += f" — {lang.label(language, head, column)}"
        return words
    if head in SECTION and not parts:
        if column:
            try:
                return str(lang.lookup(language, f"scalars.{head}.{column}.label"))
            except KeyError:
                return where
        return lang.text(language, f"sections.{head}.title")
    return where


@_check
def _open_points(c: _Context) -> Iterator[Hit]:
    for p in c.rows["open_points"]:
        section = location_section(p["location"]) or "open_points"
        words = describe_location(c.lang, p["location"])
        if p["who"].strip():
            yield "open.to-confirm", p["location"], {"location": words, "who": p["who"], "_section": section}
        else:
            yield "open.who-missing", p["location"], {"location": words, "_section": section}


@_check
def _signoff(c: _Context) -> Iterator[Hit]:
    if not any(r["name"].strip() for r in c.rows["signoff"]):
        yield "signoff.missing", "signoff", {}


# --------------------------------------------------------------------------- the facade


def check(spec: Spec) -> Report:
    """Every finding about ``spec`` and the readiness of each of the eight questions."""
    with gc_paused():  # the rules build many short-lived records that stay alive until the end
        return _check_spec(spec)


def _check_spec(spec: Spec) -> Report:
    context = _Context(spec)
    findings = []
    for fn in _CHECKS:
        for code, where, values in fn(context):
            rule = RULES[code]
            section = values.pop("_section", rule.section)
            message = lang.rule_message(spec.language, code, **values)
            findings.append(Finding(code, rule.severity, section, where, message))
    order = {s.key: i for i, s in enumerate(SECTIONS)}
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order[f.section], rank[f.severity]))
    blocking: dict[int, list[str]] = defaultdict(list)
    for f in findings:
        number = SECTION[f.section].readiness_question
        if f.blocking and number is not None:
            blocking[number].append(f.message)
    questions = tuple(
        QuestionStatus(
            number=number,
            section=key,
            title=lang.text(spec.language, f"sections.{key}.title"),
            closed=not blocking.get(number),
            reasons=tuple(blocking.get(number, ())),
        )
        for number, key in sorted(QUESTION_SECTION.items())
    )
    return Report(spec.language, tuple(findings), questions)

