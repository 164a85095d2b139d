"""Static HTML of a spec: the cover, the readiness panel and every section, in the spec's language.

Pure functions of the model and the check report; the notebook views show them wherever widgets cannot
run, and the handout is made of them. Every piece of text that came from a person goes through
:func:`esc` (``html.escape``) — never through Markdown — and never into an attribute, an id or a URL.
Column identifiers and stored choice values never appear: labels and choice words come from the language
tables.

The markup carries a few stable hooks the handout relies on: the cover is ``<header class="sb-cover"
lang="..">`` with the project name in ``<h1 class="sb-project">``, and each section is
``<section class="sb-section">`` whose title is ``<h2 class="sb-h2" id="sb-KEY">``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

from specbook import lang
from specbook.checks import Report
from specbook.definitions import SCALARS, SECTION, SECTIONS, TABLE, TRIGGER_PERIOD_MINUTES, column_section
from specbook.export.diagram import diagram_svg
from specbook.model import Spec, flow_figures, parse_location, table_records

# At most this many systems side by side in one matrix; wider matrices continue in a second table.
MATRIX_COLUMNS = 5
# The diagram's numbers are explained beside it up to this many flows; beyond, the flow tables do it.
LEGEND_FLOWS = 30


class Html(str):
    """Markup that is already safe to insert as it is."""


# Words longer than this get possible line breaks at their natural points (after "@", "/", "-", "_",
# before "."), so that a long e-mail, code or pasted URL wraps in a narrow table column instead of widening
# the page; a stretch of more than ``_CHUNK`` characters without such a point gets one every ``_CHUNK``.
_LONG_WORD = re.compile(r"\S{25,}")
_NATURAL = re.compile(r"(?<=[@/\-_])|(?=\.)")
_CHUNK = 20


def _breakable(word: str) -> str:
    """A long word with its break points; one without natural points enough is marked ``sb-long``: the
    handout may break it anywhere, so that it never widens a table (names and e-mails are never marked)."""
    pieces = [p for p in _NATURAL.split(word) if p]
    chunks = [p[i : i + _CHUNK] for p in pieces for i in range(0, len(p), _CHUNK)]
    html = "<wbr>".join(escape(c, quote=True) for c in chunks)
    return f'<span class="sb-long">{html}</span>' if len(chunks) > len(pieces) else html


def esc(value: object) -> Html:
    """A person's text as HTML text: escaped, line breaks kept, very long words breakable."""
    text = str(value)
    out, pos = [], 0
    for m in _LONG_WORD.finditer(text):
        out.append(escape(text[pos : m.start()], quote=True))
        out.append(_breakable(m.group()))
        pos = m.end()
    out.append(escape(text[pos:], quote=True))
    return Html("".join(out).replace("\n", "<br>"))


def _tag(name: str, content: object, cls: str = "") -> Html:
    body = content if isinstance(content, Html) else esc(content)
    attr = f' class="{cls}"' if cls else ""
    return Html(f"<{name}{attr}>{body}</{name}>")


def _join(parts: Iterable[str]) -> Html:
    return Html("".join(parts))


# --------------------------------------------------------------------------- words and figures


class _Words:
    """The language tables of one spec, with the shortcuts the sections need."""

    def __init__(self, language: str) -> None:
        self.lang = language

    def __call__(self, key: str, /, **values: object) -> str:
        return lang.text(self.lang, key, **values)

    def label(self, table: str, column: str) -> str:
        return lang.label(self.lang, table, column)

    def labels(self, table: str, *columns: str) -> list[str]:
        return [self.label(table, c) for c in columns]

    def choice(self, choices: str, value: str) -> str:
        return lang.choice(self.lang, choices, value) if value else ""

    def duration(self, minutes: int) -> str:
        return lang.duration(self.lang, minutes)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


# --------------------------------------------------------------------------- building blocks


def _cell(value: object) -> Html:
    if isinstance(value, Html):
        return value
    if value is None or value == "" or value == []:
        return Html('<span class="sb-none">—</span>')
    if isinstance(value, bool):
        return Html('<span class="sb-tick">✓</span>') if value else Html("")
    if isinstance(value, list):
        return esc(", ".join(str(v) for v in value))
    return esc(value)


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], cls: str = "",
           widths: Sequence[int] = ()) -> Html:
    """A table with a header row (repeated on every printed page) and one row per record; ``widths`` are
    the shares of the page width (percent) of the first columns, the rest share what is left."""
    cols = "".join(f'<col style="width:{int(w)}%">' for w in widths)
    colgroup = f"<colgroup>{cols}</colgroup>" if cols else ""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    classes = f"sb-table {cls}".strip()
    return Html(f'<table class="{classes}">{colgroup}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _dl(pairs: Iterable[tuple[str, object]]) -> Html:
    items = "".join(f"<div><dt>{esc(k)}</dt><dd>{_cell(v)}</dd></div>" for k, v in pairs)
    return Html(f'<dl class="sb-dl">{items}</dl>')


def _empty(w: _Words) -> Html:
    return _tag("p", w("handout.empty"), "sb-empty")


def _chunks(items: Sequence[str], size: int = MATRIX_COLUMNS) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


# --------------------------------------------------------------------------- cover and readiness


def title_html(spec: Spec, report: Report) -> str:
    """The cover: project, parties, version, date, systems and readiness ("N of 8 questions closed")."""
    w = _Words(spec.language)
    p = spec.project
    meta = [(lang.text(w.lang, f"scalars.project.{k}"), getattr(p, k)) for k in
            ("customer", "contractor", "version", "date")]
    systems = spec.names("systems")
    items = "".join(f"<li>{esc(s)}</li>" for s in systems)
    systems_html = f'<ul class="sb-systems">{items}</ul>' if systems else str(_empty(w))
    return (
        f'<header class="sb-cover" lang="{w.lang}">'
        f'<p class="sb-kicker">{esc(w("handout.kicker"))}</p>'
        f'<h1 class="sb-project">{esc(p.name.strip() or w("handout.untitled"))}</h1>'
        f"{_dl(meta)}"
        f'<h2 class="sb-cover-h">{esc(w("handout.systems"))}</h2>{systems_html}'
        f'<p class="sb-readiness-line">{esc(report.readiness())}</p>'
        "</header>"
    )


def readiness_html(report: Report) -> str:
    """Each of the eight questions, closed or open, with what keeps an open one open."""
    w = _Words(report.language)
    rows = []
    for q in report.questions:
        state = "closed" if q.closed else "open"
        mark = "✓" if q.closed else "○"
        reasons = "".join(f"<li>{esc(r)}</li>" for r in q.reasons)
        reasons_html = f'<ul class="sb-reasons">{reasons}</ul>' if reasons else ""
        rows.append(
            f'<li class="sb-q sb-q-{state}"><span class="sb-mark">{mark}</span> '
            f"{esc(q.title)} — <em>{esc(w('ui.' + state))}</em>{reasons_html}</li>"
        )
    counts = w("ui.findings_count", errors=report.count("error"), warnings=report.count("warning"),
               infos=report.count("info"))
    return (
        f'<div class="sb-panel sb-readiness" lang="{w.lang}">'
        f'<h2 class="sb-panel-h">{esc(w("handout.readiness"))}</h2>'
        f'<ul class="sb-questions">{"".join(rows)}</ul>'
        f'<p class="sb-counts">{esc(counts)}</p></div>'
    )


# --------------------------------------------------------------------------- sections


def section_html(spec: Spec, key: str, report: Report) -> str:
    """One section of the workbook as static HTML: its title, question, status and answers."""
    if key not in _SECTIONS:
        raise KeyError(f"No section named {key!r}; sections are: {', '.join(_SECTIONS)}")
    w = _Words(spec.language)
    section = SECTION[key]
    status = ""
    for q in report.questions:
        if q.section == key:
            state = "closed" if q.closed else "open"
            status = (f'<p class="sb-status sb-status-{state}">{esc(w("ui.question", number=q.number))} · '
                      f'{esc(w("ui." + state))}</p>')
    question = esc(w(f"sections.{key}.question"))
    body = _SECTIONS[key](spec, w, report)
    return (
        f'<section class="sb-section sb-section-{key}" lang="{w.lang}">'
        f'<h2 class="sb-h2" id="sb-{section.key}">{esc(w(f"sections.{key}.title"))}</h2>'
        f'{status}<p class="sb-question">{question}</p>{body}</section>'
    )


def _records(spec: Spec, table: str) -> list[dict[str, Any]]:
    return table_records(spec[table])


def _project(spec: Spec, w: _Words, report: Report) -> Html:
    return _dl((lang.text(w.lang, f"scalars.{s.group}.{s.name}"), spec.scalar(f"{s.group}.{s.name}"))
               for s in SCALARS if s.group == "project")


def _goal(spec: Spec, w: _Words, report: Report) -> Html:
    g = spec.goal
    primary = g.other if g.primary == "other" and g.other.strip() else w.choice("goal", g.primary)
    pairs = [(lang.text(w.lang, "scalars.goal.primary"), primary),
             (lang.text(w.lang, "scalars.goal.problem"), g.problem)]
    cols = ("name", "baseline", "target", "measured_by")
    rows = [[r[c] for c in cols] for r in _records(spec, "indicators")]
    table = _table(w.labels("indicators", *cols), rows, widths=(28, 16, 16, 40)) if rows else _empty(w)
    return _join([_dl(pairs), table])


def _systems(spec: Spec, w: _Words, report: Report) -> Html:
    cols = ("name", "kind", "owner", "contact", "notes")
    rows = [[r["name"], w.choice("system_kind", r["kind"]), r["owner"], r["contact"], r["notes"]]
            for r in _records(spec, "systems")]
    table = _table(w.labels("systems", *cols), rows, widths=(18, 15, 20, 24, 23)) if rows else _empty(w)
    flows = _records(spec, "flows")
    if not rows and not flows:
        return table
    caption = _tag("p", w("handout.diagram_caption"), "sb-caption") if flows else ""
    legend = ""
    if 0 < len(flows) <= LEGEND_FLOWS:
        items = "".join(f"<li><b>{i}</b> {esc(f['name'])}</li>" for i, f in enumerate(flows, start=1))
        legend = f'<ul class="sb-legend">{items}</ul>'
    figure = (f'<figure class="sb-diagram"><div class="sb-diagram-picture">{diagram_svg(spec)}</div>'
              f"<figcaption>{caption}{legend}</figcaption></figure>")
    heading = Html(f'<h3 class="sb-h3" id="sb-diagram">{esc(w("handout.diagram"))}</h3>')  # listed in the contents
    return _join([table, heading, Html(figure)])


def _entities(spec: Spec, w: _Words, report: Report) -> Html:
    fields: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in _records(spec, "fields"):
        fields[f["entity"]].append(f)
    entities = _records(spec, "entities")
    described = {e["name"]: e["description"] for e in entities}
    names = list(described) + [e for e in fields if e not in described]
    if not names:
        return _empty(w)
    cols = ("name", "meaning", "kind", "required", "example", "personal")
    headers = w.labels("fields", *cols)
    parts = []
    for name in names:
        parts.append(_tag("h3", name))
        if described.get(name, "").strip():
            parts.append(_tag("p", described[name], "sb-description"))
        rows = [[f["name"], f["meaning"], w.choice("field_kind", f["kind"]), f["required"], f["example"],
                 f["personal"]] for f in fields.get(name, [])]
        parts.append(_table(headers, rows, "sb-fields", (15, 27, 17, 12, 16, 13)) if rows else _empty(w))
    return _join(parts)


def _ownership(spec: Spec, w: _Words, report: Report) -> Html:
    roles: dict[tuple[str, str], dict[str, str]] = {}
    used_systems: dict[str, None] = {}
    for r in _records(spec, "ownership"):
        roles.setdefault((r["entity"], r["field"]), {})[r["system"]] = r["role"]
        used_systems[r["system"]] = None
    parts: list[str] = []
    if roles:
        declared = spec.names("systems")
        systems = [s for s in declared if s in used_systems] + [s for s in used_systems if s not in declared]
        entity_order = {n: i for i, n in enumerate(spec.names("entities"))}
        keys = sorted(roles, key=lambda k: (entity_order.get(k[0], len(entity_order)), k[1] != ""))
        parts.append(_tag("h3", w("handout.matrix")))
        head = [w.label("ownership", "entity"), w.label("ownership", "field")]
        for chunk in _chunks(systems):
            rows = []
            for entity, fld in keys:
                cells: list[object] = [entity, fld or Html(f'<span class="sb-muted">{esc(w("ui.whole_entity"))}'
                                                           "</span>")]
                for system in chunk:
                    role = roles[(entity, fld)].get(system, "")
                    word = esc(w.choice("role", role))
                    cells.append(Html(f'<strong class="sb-master">★ {word}</strong>') if role == "master"
                                 else word if role else "")
                rows.append(cells)
            parts.append(_table([*head, *chunk], rows, "sb-matrix", (18, 16)))
        parts.append(_tag("p", w("handout.masters_note"), "sb-caption"))
    else:
        parts.append(_empty(w))
    rules = [(e["name"], e["on_conflict"]) for e in _records(spec, "entities") if e["on_conflict"].strip()]
    if rules:
        parts += [_tag("h3", w("handout.disagreements")), _dl(rules)]
    return _join(parts)


def _statuses(spec: Spec, w: _Words, report: Report) -> Html:
    values: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    statuses: dict[str, dict[str, None]] = defaultdict(dict)
    systems: dict[str, dict[str, None]] = defaultdict(dict)
    for r in _records(spec, "statuses"):
        values[r["entity"]][(r["status"], r["system"])] = r["value"]
        statuses[r["entity"]][r["status"]] = None
        systems[r["entity"]][r["system"]] = None
    if not values:
        return _empty(w)
    parts: list[str] = []
    for entity, cells in values.items():
        parts.append(_tag("h3", entity))
        for chunk in _chunks(list(systems[entity])):
            rows = [[status, *(cells.get((status, s), "") for s in chunk)] for status in statuses[entity]]
            parts.append(_table([w.label("statuses", "status"), *chunk], rows, "sb-statuses", (25,)))
    return _join(parts)


def _flows(spec: Spec, w: _Words, report: Report) -> Html:
    flows = _records(spec, "flows")
    if not flows:
        return _empty(w)
    no = w("handout.number")
    routes = [[i, f["name"], f["entity"], f["source"], f["target"], w.choice("action", f["action"])]
              for i, f in enumerate(flows, start=1)]
    rows = []
    for i, f in enumerate(flows, start=1):
        figures = flow_figures(f["trigger"], f["volume_per_day"])
        transfers = figures.transfers_per_day if figures else None
        staleness = figures.staleness_minutes if figures else None
        delay = f["max_delay_minutes"]
        if not f["trigger"]:
            cost: object = ""
            risk: object = ""
        elif TRIGGER_PERIOD_MINUTES.get(f["trigger"]) is None:
            cost, risk = w("handout.as_requested"), w("handout.unbounded")
        else:
            cost = _number(transfers) if transfers is not None else w("ui.unknown")
            risk = w("handout.immediate") if staleness == 0 else w.duration(staleness or 0)
            if delay is not None and staleness is not None:
                over = staleness > delay
                risk = w("handout.risk_over" if over else "handout.risk_within", staleness=risk,
                         delay=w.duration(delay))
                if over:
                    risk = Html(f'<span class="sb-warn">⚠ {esc(risk)}</span>')
        rows.append([i, w.choice("trigger", f["trigger"]),
                     _number(f["volume_per_day"]) if f["volume_per_day"] is not None else "", cost, risk,
                     f["why"]])
    # cost and risk as the title promises: transfers per day, and the worst-case staleness against the
    # acceptable delay (both in the cells' own units, so no header names one)
    freq_head = [no, w.label("flows", "trigger"), w.label("flows", "volume_per_day"), w("handout.transfers"),
                 w("handout.staleness"), w.label("flows", "why")]
    return _join([
        _tag("h3", w("handout.routes")),
        _table([no, *w.labels("flows", "name", "entity", "source", "target", "action")], routes, "sb-routes",
               (6, 28, 16, 17, 17, 16)),
        _tag("h3", w("handout.frequency")),
        _table(freq_head, rows, "sb-frequency", (5, 15, 12, 13, 25, 30)),
        _tag("p", w("handout.figures_note"), "sb-caption"),
    ])


def _success(spec: Spec, w: _Words, report: Report) -> Html:
    flows = _records(spec, "flows")
    rows = [[i, f["name"], f["success"]] for i, f in enumerate(flows, start=1)]
    head = [w("handout.number"), *w.labels("flows", "name", "success")]
    return _table(head, rows, "sb-success", (6, 30, 64)) if rows else _empty(w)


def _errors(spec: Spec, w: _Words, report: Report) -> Html:
    flows = _records(spec, "flows")
    if not flows:
        return _empty(w)
    cards = []
    for i, f in enumerate(flows, start=1):
        stuck = f["stuck_after_minutes"]
        pairs = [(w.label("flows", "notify"), f["notify"]), (w("handout.notify_how"), f["notify_how"]),
                 (w.label("flows", "operator_action"), f["operator_action"]),
                 (w("handout.stuck_after"), w.duration(stuck) if stuck is not None else ""),
                 (w.label("flows", "workaround"), f["workaround"])]
        cards.append(f'<div class="sb-card"><h3>{i}. {esc(f["name"])}</h3>{_dl(pairs)}</div>')
    return _join(cards)


def _duplicates(spec: Spec, w: _Words, report: Report) -> Html:
    cols = ("entity", "key_fields", "on_repeat", "note")
    rows = [[d["entity"], d["key_fields"], w.choice("on_repeat", d["on_repeat"]), d["note"]]
            for d in _records(spec, "duplicates")]
    return _table(w.labels("duplicates", *cols), rows, "sb-duplicates", (18, 27, 22, 33)) if rows else _empty(w)


_BOX = Html('<span class="sb-box">☐</span>')


def _acceptance(spec: Spec, w: _Words, report: Report) -> Html:
    steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in _records(spec, "steps"):
        steps[s["scenario"]].append(s)
    scenarios = _records(spec, "scenarios")
    parts: list[str] = []
    head = ["", w("handout.number"), *w.labels("steps", "action", "system", "expected", "covers")]
    for sc in scenarios:
        parts.append(_tag("h3", sc["name"]))
        if sc["description"].strip():
            parts.append(_tag("p", sc["description"], "sb-description"))
        rows = [[_BOX, n, s["action"], s["system"], s["expected"], s["covers"]]
                for n, s in enumerate(steps.get(sc["name"], []), start=1)]
        parts.append(_table(head, rows, "sb-checklist", (5, 6, 29, 14, 30, 16)) if rows else _empty(w))
    if not scenarios:
        parts.append(_empty(w))
    recs = _records(spec, "reconciliations")
    parts.append(_tag("h3", w("handout.reconciliations")))
    rows = [[_BOX, r["name"], r["rule"], r["covers"]] for r in recs]
    parts.append(_table(["", *w.labels("reconciliations", "name", "rule", "covers")], rows, "sb-checklist",
                        (5, 22, 50, 23)) if rows else _empty(w))
    return _join(parts)


def place(language: str, location: str) -> str:
    """Where an answer is, in words: ``flows[Orders to CRM].stuck_after_minutes`` becomes
    "6. Errors and delays › Orders to CRM › Stuck after (minutes)"."""
    parsed = parse_location(location)
    if parsed is None:
        return location
    head, key, column = parsed
    parts: list[str] = []
    if head in TABLE:
        table = TABLE[head]
        known = column is not None and column in table.column_names
        section = column_section(head, column) if known and column else table.section
        parts.append(lang.text(language, f"sections.{section}.title"))
        parts += [k for k in key.split("/") if k]
        if known and column:
            parts.append(lang.label(language, head, column))
    elif head in ("project", "goal") and column and any(s.group == head and s.name == column for s in SCALARS):
        section = next(s.section for s in SCALARS if s.group == head and s.name == column)
        parts += [lang.text(language, f"sections.{section}.title"),
                  lang.text(language, f"scalars.{head}.{column}")]
    elif head in SECTION:
        parts.append(lang.text(language, f"sections.{head}.title"))
    else:
        return location
    return " › ".join(parts)


def _open_points(spec: Spec, w: _Words, report: Report) -> Html:
    parts: list[str] = []
    marks = _records(spec, "open_points")
    if marks:
        parts.append(_tag("h3", w("handout.to_confirm")))
        rows = [[place(w.lang, m["location"]), m["who"], m["note"]] for m in marks]
        parts.append(_table(w.labels("open_points", "location", "who", "note"), rows, "sb-open", (45, 25, 30)))
    parts.append(_tag("h3", w("handout.findings")))
    if report.findings:
        rows = [[w(f"sections.{f.section}.title"), w.choice("severity", f.severity), f.message]
                for f in report.findings]
        parts.append(_table([w("handout.section"), w("handout.kind"), w("handout.message")], rows,
                            "sb-findings", (22, 14, 64)))
    else:
        parts.append(_tag("p", w("ui.no_findings"), "sb-empty"))
    counts = w("ui.findings_count", errors=report.count("error"), warnings=report.count("warning"),
               infos=report.count("info"))
    parts.append(_tag("p", counts, "sb-caption"))
    return _join(parts)


def _signoff(spec: Spec, w: _Words, report: Report) -> Html:
    rows = []
    for s in _records(spec, "signoff"):
        signature = (Html(f'<span class="sb-tick">✓</span> {esc(w("handout.signed"))}') if s["signed"]
                     else Html('<span class="sb-line"></span>'))
        rows.append([s["role"], s["name"], s["organisation"], s["date"] or Html('<span class="sb-line"></span>'),
                     signature])
    head = [*w.labels("signoff", "role", "name", "organisation", "date"), w("handout.signature")]
    return _table(head, rows, "sb-signoff", (20, 22, 22, 14, 22)) if rows else _empty(w)


_SECTIONS: dict[str, Callable[[Spec, _Words, Report], Html]] = {
    "project": _project,
    "goal": _goal,
    "systems": _systems,
    "entities": _entities,
    "ownership": _ownership,
    "statuses": _statuses,
    "flows": _flows,
    "success": _success,
    "errors": _errors,
    "duplicates": _duplicates,
    "acceptance": _acceptance,
    "open_points": _open_points,
    "signoff": _signoff,
}
assert set(_SECTIONS) == {s.key for s in SECTIONS}, "every section of definitions.SECTIONS renders"
