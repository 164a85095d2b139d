"""Static HTML of a spec: the cover, the readiness panel and every section, in the spec's language.

Pure functions of the model and the check report; the notebook views show them wherever widgets cannot
run, and the handout is made of them. Every piece of text that came from a person goes through
:func:`specbook.markup.esc` — never through Markdown — and never into an attribute, an id or a URL.
Column identifiers and stored choice values never appear: labels and choice words come from the language
tables.

The markup carries a few stable hooks the handout relies on: the cover is ``<header class="sb-cover"
lang="..">`` with the project name in ``<h1 class="sb-project">``, and each section is
``<section class="sb-section">`` whose title is ``<h2 class="sb-h2" id="sb-KEY">``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from specbook import lang
from specbook.address import Address
from specbook.checks import Report, format_words
from specbook.definitions import (
    DEFAULT_WIDTH,
    SCALARS,
    SECTION,
    SECTIONS,
    TABLE,
    TRIGGER_PERIOD_MINUTES,
    Column,
    column_section,
    section_columns,
)
from specbook.export.columns import print_layout
from specbook.export.diagram import diagram_svg
from specbook.markup import VIEW_MIME, Html, esc
from specbook.model import NO_EQUIVALENT, Spec, flow_figures, holders, table_records
from specbook.values import format_count

# At most this many systems side by side in one matrix on an A4 portrait page; a wider matrix goes on a
# landscape page (the handout's named page "wide"), this many systems a table, continued in a second.
MATRIX_COLUMNS = 5
WIDE_COLUMNS = 10
# The diagram's numbers are explained beside it up to this many flows; beyond, the flow tables do it.
LEGEND_FLOWS = 30
DIAGRAM_ANCHOR = "sb-diagram"  # the diagram's heading, listed in the contents (see section_bundle)


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
        self._records: dict[int, tuple[object, list[dict[str, Any]]]] = {}
        self.groups: dict[str, tuple[object, dict[str, list[dict[str, Any]]]]] = {}

    def records(self, spec: Spec, table: str) -> list[dict[str, Any]]:
        """The rows of ``spec``'s ``table`` as plain values, converted once per rendering (a section of a
        large spec reads the same tables once per entity or flow)."""
        df = spec[table]
        cached = self._records.get(id(df))
        if cached is None or cached[0] is not df:
            cached = (df, table_records(df))
            self._records[id(df)] = cached
        return cached[1]

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
    return format_count(n)


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
           widths: Sequence[int] = (), *, wide: bool = False) -> Html:
    """A table with a header row (repeated on every printed page) and one row per record. On paper its
    columns get the widths its words ask for (:func:`specbook.export.columns.print_layout`: a fixed layout
    the PDF renderer sets at once; ``wide``: on a landscape page); where the fonts to measure them are
    missing, ``widths`` (the shares of the page width of the first columns) stand, and the renderer sizes
    the columns itself."""
    head_cells = [esc(h) for h in headers]
    cells = [[_cell(v) for v in row] for row in rows]
    printed = print_layout(head_cells, cells, wide=wide)
    shares = [f"{w:g}" for w in printed.widths] if printed else [str(int(w)) for w in widths]
    cols = "".join(f'<col style="width:{w}%">' for w in shares)
    colgroup = f"<colgroup>{cols}</colgroup>" if cols else ""
    head = "".join(f"<th>{h}</th>" for h in head_cells)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)
    fixed = ["sb-fixed"] if printed else []
    if printed and printed.scale < 100:
        fixed.append(f"sb-print-{printed.scale}")
    classes = " ".join(["sb-table", *cls.split(), *fixed])
    return Html(f'<table class="{classes}">{colgroup}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _dl(pairs: Iterable[tuple[str, object]]) -> Html:
    items = "".join(f"<div><dt>{esc(k)}</dt><dd>{_cell(v)}</dd></div>" for k, v in pairs)
    return Html(f'<dl class="sb-dl">{items}</dl>')


def _empty(w: _Words) -> Html:
    return _tag("p", w("handout.empty"), "sb-empty")


def _chunks(items: Sequence[str], size: int = MATRIX_COLUMNS) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _matrix(systems: Sequence[str], table: Callable[[Sequence[str], bool], Html], heading: str = "") -> list[str]:
    """One matrix of ``systems`` side by side (``table`` makes it for a run of them, told whether it is on a
    landscape page): on the page when they fit A4 portrait, else on a landscape page, continued in a second
    table beyond :data:`WIDE_COLUMNS`."""
    if len(systems) <= MATRIX_COLUMNS:
        return [heading, table(systems, False)]
    tables = "".join(table(chunk, True) for chunk in _chunks(systems, WIDE_COLUMNS))
    return [f'{_WIDE}{heading}{tables}</div>']


_WIDE = '<div class="sb-wide">'


def _columns(table: str, section: str, skip: Iterable[str] = ()) -> tuple[Column, ...]:
    """The columns of ``table`` that answer ``section``, as the definitions list them (its name first),
    without the link to a parent row and without ``skip``."""
    t = TABLE[table]
    hidden = {*skip, *((t.parent[1],) if t.parent else ())}
    return tuple(c for c in section_columns(section, table) if c.name not in hidden)


def _shown(w: _Words, col: Column, value: object) -> object:
    """A model value as a handout cell shows it: choice words, grouped digits; flags and lists as they are
    (see :func:`_cell`)."""
    if col.kind == "choice" and col.choices:
        return w.choice(col.choices, str(value))
    if col.kind == "int":
        return "" if value is None else format_count(int(value))  # type: ignore[call-overload]
    return value


def _shares(widths: Sequence[int]) -> list[int]:
    """Width hints scaled to fill the page (percent)."""
    total = sum(widths)
    if total == 100 or total == 0:
        return list(widths)
    return [round(w * 100 / total) for w in widths]


def _data_table(w: _Words, table: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]], cls: str = "",
                lead: Sequence[tuple[str, int, Callable[[int, dict[str, Any]], object]]] = ()) -> Html:
    """A table of records with a column per definition (label, display, width hint), after the ``lead``
    columns a section adds in front (header, width, cell of the n-th record)."""
    headers = [h for h, _, _ in lead] + [w.label(table, c.name) for c in columns]
    widths = _shares([width for _, width, _ in lead] + [c.width or DEFAULT_WIDTH for c in columns])
    body = [[cell(n, r) for _, _, cell in lead] + [_shown(w, c, r[c.name]) for c in columns]
            for n, r in enumerate(rows, start=1)]
    return _table(headers, body, cls, widths)


# --------------------------------------------------------------------------- bundles a view displays


def title_bundle(spec: Spec, report: Report) -> dict[str, Any]:
    """The cover as a view displays it: its HTML, and the language and title of the handout as data."""
    title = spec.project.name.strip() or lang.text(spec.language, "handout.untitled")
    return {"text/html": title_html(spec, report),
            VIEW_MIME: {"view": "title", "language": spec.language, "title": title}}


def readiness_bundle(report: Report) -> dict[str, Any]:
    return {"text/html": readiness_html(report), VIEW_MIME: {"view": "readiness", "language": report.language}}


def section_bundle(spec: Spec, key: str, report: Report) -> dict[str, Any]:
    """A section as a view displays it: its HTML, and its anchor and title for the table of contents."""
    html = section_html(spec, key, report)
    view: dict[str, Any] = {"view": "section", "language": spec.language, "section": key, "anchor": f"sb-{key}",
                            "heading": lang.text(spec.language, f"sections.{key}.title")}
    if key == "systems":  # the diagram is listed in the contents under its section
        view["figures"] = [[DIAGRAM_ANCHOR, lang.text(spec.language, "handout.diagram")]]
    return {"text/html": html, VIEW_MIME: view}


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
    wide = " sb-wide" if _WIDE in body else ""  # the section's title stays with its landscape matrix
    return (
        f'<section class="sb-section sb-section-{key}{wide}" lang="{w.lang}">'
        f'<h2 class="sb-h2" id="sb-{section.key}">{esc(w(f"sections.{key}.title"))}</h2>'
        f'{status}<p class="sb-question">{question}</p>{body}</section>'
    )


def _records(spec: Spec, table: str, w: _Words | None = None) -> list[dict[str, Any]]:
    return w.records(spec, table) if w is not None else table_records(spec[table])


def _project(spec: Spec, w: _Words, report: Report) -> Html:
    return _dl((lang.text(w.lang, f"scalars.{s.group}.{s.name}"), spec.scalar(f"{s.group}.{s.name}"))
               for s in SCALARS if s.group == "project")


def _goal(spec: Spec, w: _Words, report: Report) -> Html:
    g = spec.goal
    primary = g.other if g.primary == "other" and g.other.strip() else w.choice("goal", g.primary)
    pairs = [(lang.text(w.lang, "scalars.goal.primary"), primary),
             (lang.text(w.lang, "scalars.goal.problem"), g.problem)]
    rows = _records(spec, "indicators", w)
    table = _data_table(w, "indicators", _columns("indicators", "goal"), rows) if rows else _empty(w)
    return _join([_dl(pairs), table])


def _systems(spec: Spec, w: _Words, report: Report) -> Html:
    rows = _records(spec, "systems", w)
    table = _data_table(w, "systems", _columns("systems", "systems"), rows) if rows else _empty(w)
    flows = _records(spec, "flows", w)
    if not rows and not flows:
        return table
    caption = _tag("p", w("handout.diagram_caption"), "sb-caption") if flows else ""
    legend = ""
    if 0 < len(flows) <= LEGEND_FLOWS:
        items = "".join(f"<li><b>{i}</b> {esc(f['name'])}</li>" for i, f in enumerate(flows, start=1))
        legend = f'<ul class="sb-legend">{items}</ul>'
    figure = (f'<figure class="sb-diagram"><div class="sb-diagram-picture">{diagram_svg(spec)}</div>'
              f"<figcaption>{caption}{legend}</figcaption></figure>")
    heading = Html(f'<h3 class="sb-h3" id="{DIAGRAM_ANCHOR}">{esc(w("handout.diagram"))}</h3>')
    return _join([table, heading, Html(figure)])


def _entities(spec: Spec, w: _Words, report: Report) -> Html:
    fields: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in _records(spec, "fields", w):
        fields[f["entity"]].append(f)
    entities = _records(spec, "entities", w)
    described = {e["name"]: e["description"] for e in entities}
    names = list(described) + [e for e in fields if e not in described]
    if not names:
        return _empty(w)
    columns = _columns("fields", "entities")
    parts = []
    for name in names:
        parts.append(_tag("h3", name))
        if described.get(name, "").strip():
            parts.append(_tag("p", described[name], "sb-description"))
        rows = fields.get(name, [])
        parts.append(_data_table(w, "fields", columns, rows, "sb-fields") if rows else _empty(w))
    return _join(parts)


def _ownership(spec: Spec, w: _Words, report: Report) -> Html:
    roles: dict[tuple[str, str], dict[str, str]] = {}
    used_systems: dict[str, None] = {}
    for r in _records(spec, "ownership", w):
        roles.setdefault((r["entity"], r["field"]), {})[r["system"]] = r["role"]
        used_systems[r["system"]] = None
    parts: list[str] = []
    if roles:
        declared = spec.names("systems")
        systems = [s for s in declared if s in used_systems] + [s for s in used_systems if s not in declared]
        entity_order = {n: i for i, n in enumerate(spec.names("entities"))}
        keys = sorted(roles, key=lambda k: (entity_order.get(k[0], len(entity_order)), k[1] != ""))
        head = [w.label("ownership", "entity"), w.label("ownership", "field")]

        def matrix(chunk: Sequence[str], wide: bool) -> Html:
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
            return _table([*head, *chunk], rows, "sb-matrix", (18, 16), wide=wide)

        parts += _matrix(systems, matrix, _tag("h3", w("handout.matrix")))
        parts.append(_tag("p", w("handout.masters_note"), "sb-caption"))
    else:
        parts.append(_empty(w))
    rules = [(e["name"], e["on_conflict"]) for e in _records(spec, "entities", w) if e["on_conflict"].strip()]
    if rules:
        parts += [_tag("h3", w("handout.disagreements")), _dl(rules)]
    return _join(parts)


def _statuses(spec: Spec, w: _Words, report: Report) -> Html:
    values: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    statuses: dict[str, dict[str, None]] = defaultdict(dict)
    systems: dict[str, dict[str, None]] = defaultdict(dict)
    for r in _records(spec, "statuses", w):
        values[r["entity"]][(r["status"], r["system"])] = r["value"]
        statuses[r["entity"]][r["status"]] = None
        systems[r["entity"]][r["system"]] = None
    if not values:
        return _empty(w)
    parts: list[str] = []
    none = w("handout.no_equivalent")
    columns = _status_columns(spec, w)
    for entity, cells in values.items():
        shown = columns.get(entity) or list(systems[entity])

        def mapping(chunk: Sequence[str], wide: bool, cells: dict[tuple[str, str], str] = cells,
                    entity: str = entity) -> Html:
            rows = [[status, *(none if cells.get((status, s), "") == NO_EQUIVALENT else cells.get((status, s), "")
                               for s in chunk)] for status in statuses[entity]]
            return _table([w.label("statuses", "status"), *chunk], rows, "sb-statuses", (25,), wide=wide)

        parts += _matrix(shown, mapping, _tag("h3", entity))
    return _join(parts)


def _status_columns(spec: Spec, w: _Words) -> dict[str, list[str]]:
    """:func:`specbook.model.status_columns` of every entity at once: the systems that hold it and those
    in which a status value was typed for it, in declared order."""
    declared = spec.names("systems")
    held = holders(declared, w.records(spec, "ownership"), w.records(spec, "flows"))
    typed: dict[str, set[str]] = defaultdict(set)
    for r in w.records(spec, "statuses"):
        if str(r["value"]).strip():
            typed[r["entity"]].add(r["system"])
    return {entity: [s for s in declared if s in found]
            for entity in {*held, *typed} for found in [{*held.get(entity, ()), *typed.get(entity, ())}]}


# Flow columns the frequency table shows beside the figures they give; the routes table shows the others.
_FREQUENCY = ("trigger", "volume_per_day", "max_delay_minutes", "why")


def _flows(spec: Spec, w: _Words, report: Report) -> Html:
    flows = _records(spec, "flows", w)
    if not flows:
        return _empty(w)
    no = w("handout.number")
    number = (no, 6, lambda n, _r: n)
    routes = _data_table(w, "flows", _columns("flows", "flows", skip=_FREQUENCY), flows, "sb-routes", (number,))
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
        routes,
        _tag("h3", w("handout.frequency")),
        _table(freq_head, rows, "sb-frequency", (5, 15, 12, 13, 25, 30)),
        _tag("p", w("handout.figures_note"), "sb-caption"),
    ])


def _success(spec: Spec, w: _Words, report: Report) -> Html:
    flows = _records(spec, "flows", w)
    if not flows:
        return _empty(w)
    number = (w("handout.number"), 6, lambda n, _r: n)
    return _data_table(w, "flows", _columns("flows", "success"), flows, "sb-success", (number,))


# Flow columns each runbook card words in its own way; any other column of question 6 follows them.
_RUNBOOK = ("name", "notify", "notify_how", "operator_action", "stuck_after_minutes", "workaround")


def _errors(spec: Spec, w: _Words, report: Report) -> Html:
    flows = _records(spec, "flows", w)
    if not flows:
        return _empty(w)
    cards = []
    for i, f in enumerate(flows, start=1):
        stuck = f["stuck_after_minutes"]
        pairs = [(w.label("flows", "notify"), f["notify"]), (w("handout.notify_how"), f["notify_how"]),
                 (w.label("flows", "operator_action"), f["operator_action"]),
                 (w("handout.stuck_after"), w.duration(stuck) if stuck is not None else ""),
                 (w.label("flows", "workaround"), f["workaround"])]
        pairs += [(w.label("flows", c.name), _shown(w, c, f[c.name])) for c in _columns("flows", "errors")
                  if c.name not in _RUNBOOK]
        cards.append(f'<div class="sb-card"><h3>{i}. {esc(f["name"])}</h3>{_dl(pairs)}</div>')
    return _join(cards)


def _duplicates(spec: Spec, w: _Words, report: Report) -> Html:
    rows = _records(spec, "duplicates", w)
    columns = _columns("duplicates", "duplicates")
    return _data_table(w, "duplicates", columns, rows, "sb-duplicates") if rows else _empty(w)


_BOX = Html('<span class="sb-box">☐</span>')


def _acceptance(spec: Spec, w: _Words, report: Report) -> Html:
    steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in _records(spec, "steps", w):
        steps[s["scenario"]].append(s)
    scenarios = _records(spec, "scenarios", w)
    parts: list[str] = []
    box = ("", 5, lambda _n, _r: _BOX)
    lead = (box, (w("handout.number"), 6, lambda n, _r: n))
    step_columns = _columns("steps", "acceptance")
    for sc in scenarios:
        parts.append(_tag("h3", sc["name"]))
        if sc["description"].strip():
            parts.append(_tag("p", sc["description"], "sb-description"))
        rows = steps.get(sc["name"], [])
        parts.append(_data_table(w, "steps", step_columns, rows, "sb-checklist", lead) if rows else _empty(w))
    if not scenarios:
        parts.append(_empty(w))
    recs = [{**r, "rule": _computed(w, r)} for r in _records(spec, "reconciliations", w)]
    parts.append(_tag("h3", w("handout.reconciliations")))
    columns = _columns("reconciliations", "acceptance", skip=COMPUTED)
    parts.append(_data_table(w, "reconciliations", columns, recs, "sb-checklist", (box,)) if recs else _empty(w))
    return _join(parts)


# The columns that make a reconciliation computable on the systems' exports: the handout says them in one
# sentence under the rule, so the checklist keeps three columns on an A4 page.
COMPUTED = ("entity", "measure", "field", "system", "against", "by_date", "tolerance")


def _computed(w: _Words, r: dict[str, Any]) -> str:
    """The rule of a reconciliation, with how ``specbook verify`` computes it when that is stated."""
    if not (r.get("measure") and r.get("system") and r.get("against")):
        return str(r["rule"])
    line = w("handout.computed", measure=w.choice("measure", r["measure"]), field=r.get("field") or "—",
             entity=r.get("entity") or "—", system=r["system"], against=r["against"],
             by_date=r.get("by_date") or "—", tolerance=r.get("tolerance") or "0")
    return f"{r['rule']}\n{line}" if str(r["rule"]).strip() else line


def place(language: str, location: str) -> str:
    """Where an answer is, in words: ``flows[Orders to CRM].stuck_after_minutes`` becomes
    "6. Errors and delays › Orders to CRM › Stuck after (minutes)"."""
    address = Address.parse(location)
    if address is None:
        return location
    head, key, column = address.table, address.key, address.column
    parts: list[str] = []
    if head in TABLE:
        table = TABLE[head]
        known = column is not None and column in table.column_names
        section = column_section(head, column) if known and column else table.section
        parts.append(lang.text(language, f"sections.{section}.title"))
        parts += [k for k in key if k]
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
    marks = _records(spec, "open_points", w)
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
    for s in _records(spec, "signoff", w):
        signature = (Html(f'<span class="sb-tick">✓</span> {esc(w("handout.signed"))}') if s["signed"]
                     else Html('<span class="sb-line"></span>'))
        rows.append([s["role"], s["name"], s["organisation"], s["date"] or Html('<span class="sb-line"></span>'),
                     signature])
    head = [*w.labels("signoff", "role", "name", "organisation", "date"), w("handout.signature")]
    return _table(head, rows, "sb-signoff", (20, 22, 22, 14, 22)) if rows else _empty(w)


# --------------------------------------------------------------------------- field names per system, mappings


def _format_cell(w: _Words, value: str) -> str:
    return w.choice("field_format", value)


def _held(w: _Words, r: Mapping[str, Any]) -> Html:
    """How one system holds a field, folded into one cell so the table fits an A4 page: its own name, and
    under it the format (and a note)."""
    if r.get("absent"):
        return Html(f'<span class="sb-none">{esc(w("handout.absent"))}</span>')
    parts = [f"<code>{esc(r['name'])}</code>"] if r.get("name") else []
    if r.get("format"):
        parts.append(f'<span class="sb-format">{esc(_format_cell(w, r["format"]))}</span>')
    if r.get("note"):
        parts.append(f'<span class="sb-format">{esc(r["note"])}</span>')
    return Html("<br>".join(parts))


def system_fields_html(spec: Spec, entity: str) -> Html:
    """The fields of ``entity`` × the systems that hold it: each system's own name and format."""
    return _system_fields(spec, _Words(spec.language), entity)


def _by(rows: Iterable[dict[str, Any]], column: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[r[column]].append(r)
    return grouped


def _grouped(spec: Spec, w: _Words, table: str, column: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``table`` by their ``column``, grouped once per rendering."""
    key = f"{table}.{column}"
    df = spec[table]
    cached = w.groups.get(key)
    if cached is None or cached[0] is not df:
        cached = (df, _by(w.records(spec, table), column))
        w.groups[key] = cached
    return cached[1]


def _system_fields(spec: Spec, w: _Words, entity: str) -> Html:
    rows = _grouped(spec, w, "system_fields", "entity").get(entity, [])
    if not rows:
        return Html("")
    systems = list(dict.fromkeys(r["system"] for r in rows))
    cells = {(r["field"], r["system"]): r for r in rows}
    own = [r["name"] for r in _grouped(spec, w, "fields", "entity").get(entity, [])]
    fields = [f for f in own if any((f, s) in cells for s in systems)]
    parts = [_tag("h4", w("handout.field_names"))]
    for chunk in _chunks(systems, 3):
        body = []
        for f in fields:
            line: list[object] = [f]
            for system in chunk:
                r = cells.get((f, system))
                line.append("" if r is None else _held(w, r))
            body.append(line)
        head = [w.label("system_fields", "field"), *chunk]
        parts.append(_table(head, body, "sb-system-fields", (16,)))
    return _join(parts)


def _entities_with_names(spec: Spec, w: _Words, report: Report) -> Html:
    """The entities section followed, per entity, by its names and formats in each system."""
    named = _grouped(spec, w, "system_fields", "entity")
    names = [e for e in spec.names("entities") if e in named]
    extra = [_join([_tag("h3", e), _system_fields(spec, w, e)]) for e in names]
    return _join([_entities(spec, w, report), *extra])


def mapping_html(spec: Spec, flow: str) -> Html:
    """One flow's mapping: the table the contractor builds from, then the decisions in plain words."""
    w = _Words(spec.language)
    f = next((r for r in _records(spec, "flows", w) if r["name"] == flow), None)
    if f is None:
        raise KeyError(f"No flow named {flow!r}")
    return _mapping(spec, w, f)


def _mapping(spec: Spec, w: _Words, f: dict[str, Any]) -> Html:
    rows = _grouped(spec, w, "mappings", "flow").get(f["name"], [])
    if not rows:
        return _tag("p", w("handout.mapping_empty"), "sb-empty")
    held = {(r["field"], r["system"]): r for r in _grouped(spec, w, "system_fields", "entity").get(f["entity"], [])}
    kinds = {r["name"]: r["kind"] for r in _grouped(spec, w, "fields", "entity").get(f["entity"], [])}
    source, target = f["source"], f["target"]
    body = []
    decisions: list[str] = []
    for r in rows:
        field, into = r["field"], r["target_field"] or r["field"]
        a = held.get((field, source), {})
        b = held.get((into, target), {})

        conversion = w.choice("conversion", r["conversion"])
        how = conversion or r["rule"] or ""
        if conversion and r["rule"]:
            how = f"{conversion}; {r['rule']}"
        missing = w.choice("on_missing", r["on_missing"])
        if r["on_missing"] == "default" and r["default"]:
            missing = f"{missing}: {r['default']}"
        label = field if into == field else f"{field} → {into}"
        # what happens when the value is missing goes under the conversion, so four columns fit A4 portrait
        missing_line = f'<span class="sb-format">{esc(w.label("mappings", "on_missing"))}: {esc(missing)}</span>'
        body.append([label, _held(w, {**a, "note": ""}), _held(w, {**b, "note": ""}),
                     Html("<br>".join([*([esc(how)] if how else []), missing_line]) if missing else esc(how))])
        decisions += _decisions(w, r, a, b, source, target, kinds.get(field, ""))
    head = [w.label("mappings", "field"), w("handout.source_name", system=source),
            w("handout.target_name", system=target), w.label("mappings", "conversion")]
    parts = [_table(head, body, "sb-mapping", (18, 26, 26, 30))]
    if decisions:
        items = "".join(f"<li>{esc(d)}</li>" for d in decisions)
        parts += [_tag("h4", w("handout.decisions")), Html(f'<ul class="sb-decisions">{items}</ul>')]
    return _join(parts)


def _decisions(w: _Words, r: dict[str, Any], a: dict[str, Any], b: dict[str, Any], source: str, target: str,
               kind: str) -> list[str]:
    """The customer-facing sentences for one mapped field."""
    field, into = r["field"], r["target_field"] or r["field"]
    rule = r["rule"].strip()
    out = []
    if into != field:
        out.append(w("handout.decision_into", field=field, target_field=into, target=target))
    if b.get("absent"):
        out.append(w("handout.decision_no_target", field=field, target=target, rule=rule or "—"))
    elif a.get("absent"):
        out.append(w("handout.decision_no_source", field=field, source=source, rule=rule or "—"))
    else:
        src, dst = a.get("format", ""), b.get("format", "")
        formats = {"field": field, "source": source, "target": target,
                   "source_format": format_words(w.lang, src) if src else "—",
                   "target_format": format_words(w.lang, dst) if dst else "—"}
        if r["conversion"] and src and dst:
            out.append(w("handout.decision_convert", **formats,
                         conversion=lang.choice(w.lang, "conversion", r["conversion"])))
        elif rule:
            out.append(w("handout.decision_rule", **formats, rule=rule))
    if r["on_missing"] and not a.get("absent"):
        action = (w("handout.decision_default", default=r["default"]) if r["on_missing"] == "default"
                  else w.choice("on_missing", r["on_missing"]).lower())
        out.append(w("handout.decision_missing", field=field, source=source, action=action))
    return out


def _flows_with_mappings(spec: Spec, w: _Words, report: Report) -> Html:
    """The flows section followed by the field mapping of every flow."""
    flows = _records(spec, "flows", w)
    if not flows:
        return _flows(spec, w, report)
    parts = [_flows(spec, w, report), _tag("h3", w("handout.mappings")),
             _tag("p", w("handout.mapping_caption"), "sb-caption")]
    for i, f in enumerate(flows, start=1):
        route = f"{i}. {f['name']}: {f['source'] or '—'} → {f['target'] or '—'}"
        parts += [_tag("h4", route), _mapping(spec, w, f)]
    return _join(parts)


_SECTIONS: dict[str, Callable[[Spec, _Words, Report], Html]] = {
    "project": _project,
    "goal": _goal,
    "systems": _systems,
    "entities": _entities_with_names,
    "ownership": _ownership,
    "statuses": _statuses,
    "flows": _flows_with_mappings,
    "success": _success,
    "errors": _errors,
    "duplicates": _duplicates,
    "acceptance": _acceptance,
    "open_points": _open_points,
    "signoff": _signoff,
}
assert set(_SECTIONS) == {s.key for s in SECTIONS}, "every section of definitions.SECTIONS renders"
