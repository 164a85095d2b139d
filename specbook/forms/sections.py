"""One form per section of the workbook, each a thin view of the one spec model.

Every section shows its question, why it matters and an example answer, its inputs, what the checks still
find open in it, and the "to be confirmed" mark. The columns shown come from ``definitions`` and every word
from the language tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import ipywidgets as W
import pandas as pd

from specbook import edits, lang, values
from specbook.checks import describe_location
from specbook.definitions import CHOICES, SCALARS, SECTION, TABLE, section_columns
from specbook.forms.grid import GridEditor, RowTools, Source, TableSource
from specbook.forms.records import Picker, RecordFields
from specbook.forms.widgets import (
    ERROR_STYLE,
    MUTED_STYLE,
    Bound,
    Choices,
    ConfirmMark,
    Findings,
    Form,
    Message,
    banner,
    esc,
    heading,
    labelled,
    name_labels,
    note,
    prose_style,
    section_heading,
    set_options,
)
from specbook.model import NO_EQUIVALENT, flow_figures, location, status_columns
from specbook.session import Session
from specbook.verify import runs
from specbook.verify.report import verify_html


class SectionForm(Form):
    """A section: heading, banner, the section's own inputs, its open findings and the mark."""

    key: ClassVar[str]

    def __init__(self, wb: Session) -> None:
        super().__init__(wb)
        self.banner = banner(wb)
        self.contexts: list[Callable[[], Choices]] = []
        self.selection_sources: list[list[Callable[[], None]]] = []
        top = self.top()
        body = self.build()
        self.findings = Findings(wb, self.key)
        parts: list[W.Widget] = [prose_style(), *top, section_heading(self.language, self.key), *body,
                                 self.findings.widget]
        self.mark: ConfirmMark | None = None
        if self.key != "open_points":
            self.mark = ConfirmMark(wb, self.key, self.contexts)
            for listeners in self.selection_sources:
                listeners.append(self.mark.follow)
            parts.append(self.mark.widget)
        self.widget = W.VBox(parts, layout=W.Layout(width="100%", padding="0 0 1em 0"))
        name_labels(self.widget)
        self.widget.add_class("specbook-section")
        self.widget.add_class(f"specbook-section-{self.key}")

    def build(self) -> list[W.Widget]:
        raise NotImplementedError

    def top(self) -> list[W.Widget]:
        """Widgets above the section's heading (the title's project name)."""
        return []

    def scalar(self, key: str, *, multiline: bool = False) -> Bound:
        """An input bound to one scalar answer (``goal.problem``, ``project.name``…)."""
        group, name = key.split(".")
        scalar = next(s for s in SCALARS if (s.group, s.name) == (group, name))
        help_text = str(lang.lookup(self.language, f"scalars.{group}.{name}.help"))
        widget: W.ValueWidget
        choices = scalar.choices if scalar.kind == "choice" else None
        if choices:
            options = [("—", ""), *((lang.choice(self.language, choices, v), v) for v in CHOICES[choices])]
            widget = W.Dropdown(options=options, value="", tooltip=help_text)
        elif multiline:
            widget = W.Textarea(placeholder=help_text, rows=3, tooltip=help_text)
            widget.add_class("specbook-prose")
        else:
            widget = W.Text(placeholder=help_text, tooltip=help_text)
        bound = Bound(self, widget, read=lambda: self.wb.spec.scalar(key),
                      write=lambda value: edits.set_scalar(self.wb.spec, key, value), tables=(group,))
        bound.refresh()
        self.wb.on_change(lambda change: bound.refresh(force=change.everything)
                          if change.touches((group,)) else None)
        return bound

    def field(self, bound: Bound, key: str) -> W.Widget:
        group, name = key.split(".")
        return labelled(str(lang.lookup(self.language, f"scalars.{group}.{name}.label")), bound.input,
                        bound.message, str(lang.lookup(self.language, f"scalars.{group}.{name}.help")))

    def grid(self, source: Source, *, max_rows: int = 12, label: str = "", **kw: Any) -> GridEditor:
        editor = GridEditor(self.wb, source, max_rows=max_rows, label=label or self.text(f"sections.{self.key}.title"),
                            **kw)
        self.contexts.append(editor.answers)
        self.selection_sources.append(editor.selection_listeners)
        return editor

    def table_grid(self, table: str, columns: tuple[str, ...] | None = None, *, max_rows: int = 12,
                   label: str = "", **kw: Any) -> GridEditor:
        parent = TABLE[table].parent
        link = parent[1] if parent else None
        columns = columns or tuple(c.name for c in section_columns(self.key, table) if c.name != link)
        return self.grid(TableSource(self.wb.spec, table, columns, **kw), max_rows=max_rows, label=label)


# --------------------------------------------------------------------------- project (the title) and goal


class ProjectForm(SectionForm):
    key = "project"

    def top(self) -> list[W.Widget]:
        self.heading = W.HTML()
        self.status = W.HTML()
        return [self.heading, self.status, banner(self.wb).widget]

    def build(self) -> list[W.Widget]:
        self.inputs = {key: self.scalar(key) for key in SECTION["project"].scalars}
        self.refresh()
        self.wb.on_change(lambda _c: self.refresh())
        return [self.field(b, k) for k, b in self.inputs.items()]

    def refresh(self) -> None:
        name = self.wb.spec.project.name.strip() or self.text("sections.project.title")
        self.heading.value = f'<h1 style="margin:0.2em 0;font-size:1.8em">{esc(name)}</h1>'
        saved = self.wb.saved_at
        file = self.wb.path.name
        style = MUTED_STYLE
        if self.wb.save_error:
            line, style = self.text("forms.not_saved_error", file=file, reason=self.wb.save_error), ERROR_STYLE
        elif self.wb.saving:
            line = self.text("forms.saving", file=file)
        elif saved:
            line = self.text("forms.saved", file=file, time=saved.strftime("%H:%M:%S"))
        else:
            line = self.text("forms.not_saved", file=file)
        self.status.value = (f'<span class="specbook-saved" role="status" aria-live="polite" '
                             f'style="{style}">{esc(line)}</span>')


class GoalForm(SectionForm):
    key = "goal"

    def build(self) -> list[W.Widget]:
        self.primary = self.scalar("goal.primary")
        self.other = self.scalar("goal.other")
        self.problem = self.scalar("goal.problem", multiline=True)
        self.indicators = self.table_grid("indicators", max_rows=6)
        self.indicator_tools = RowTools(self.wb, self.indicators)
        return [self.field(self.primary, "goal.primary"), self.field(self.other, "goal.other"),
                self.field(self.problem, "goal.problem"),
                heading(lang.label(self.language, "indicators", "name")),
                self.indicators.widget]


# --------------------------------------------------------------------------- systems, entities and fields


class SystemsForm(SectionForm):
    key = "systems"

    def build(self) -> list[W.Widget]:
        self.systems = self.table_grid("systems")
        self.tools = RowTools(self.wb, self.systems)
        return [self.systems.widget]


class EntitiesForm(SectionForm):
    key = "entities"

    def build(self) -> list[W.Widget]:
        self.entities = self.table_grid("entities", max_rows=8)
        self.entity_tools = RowTools(self.wb, self.entities)
        self.picker = Picker(self.wb, "entities", self.text("forms.entities.pick"), manage=False)
        current = lambda: {"entity": self.picker.current} if self.picker.current else None  # noqa: E731
        self.fields = self.table_grid("fields", where=current, label=self.text("forms.entities.fields"))
        self.field_tools = RowTools(self.wb, self.fields, parent=current)
        self.picker.listeners += [self.fields.refresh, self.field_tools.refresh]
        self.system_fields = self.table_grid("system_fields", where=current,
                                             label=self.text("forms.system_fields.title"))
        self.system_field_tools = RowTools(self.wb, self.system_fields, parent=current)
        self.picker.listeners += [self.system_fields.refresh, self.system_field_tools.refresh]
        return [self.entities.widget,
                heading(self.text("forms.entities.fields")), self.picker.widget,
                self.fields.widget,
                heading(self.text("forms.system_fields.title")), note(self.text("forms.system_fields.hint")),
                self.system_fields.widget]


# --------------------------------------------------------------------------- ownership and statuses


class OwnershipSource(Source):
    """Entities (and fields with their own roles) × systems: the role of each system, and what happens when
    systems disagree."""

    depends = frozenset({"ownership", "entities", "systems", "fields"})

    def __init__(self, spec: Any, extra: list[tuple[str, str]]) -> None:
        super().__init__(spec)
        self.extra = extra
        self.index_label = lang.label(self.language, "ownership", "entity")

    def rows(self) -> list[Any]:
        df = self.spec["ownership"]
        field_rows = [(e, f) for e, f in zip(df["entity"].tolist(), df["field"].tolist(), strict=True) if f]
        out: list[tuple[str, str]] = []
        for entity in self.spec.names("entities"):
            out.append((entity, ""))
            out.extend(dict.fromkeys(r for r in [*field_rows, *self.extra] if r[0] == entity))
        return out

    def index(self, row: Any) -> str:
        entity, fld = row
        return lang.text(self.language, "forms.ownership.row_field", entity=entity, field=fld) if fld else entity

    def columns(self) -> list[tuple[str, str]]:
        return [*((f"system:{s}", s) for s in self.spec.names("systems")),
                ("on_conflict", lang.label(self.language, "entities", "on_conflict"))]

    def prepare(self) -> None:
        df = self.spec["ownership"]
        self._roles = {(e, f, s): r for e, f, s, r in zip(df["entity"].tolist(), df["field"].tolist(),
                                                          df["system"].tolist(), df["role"].tolist(), strict=True)}
        entities = self.spec["entities"]
        self._conflict = dict(zip(entities["name"].tolist(), entities["on_conflict"].tolist(), strict=True))

    def cell(self, row: Any, column: str) -> str:
        entity, fld = row
        if column == "on_conflict":
            return "" if fld else str(self._conflict.get(entity, ""))
        role = self._roles.get((entity, fld, column.removeprefix("system:")), "")
        return lang.choice(self.language, "role", role) if role else ""

    def enum(self, column: str) -> list[str] | None:
        return None if column == "on_conflict" else edits.options(self.spec, "ownership", "role")

    def width(self, column: str) -> int:
        return 320 if column == "on_conflict" else 150

    def write(self, row: Any, column: str, text: Any) -> tuple[tuple[str, ...], bool]:
        entity, fld = row
        if column == "on_conflict":
            if fld:
                raise edits.EditError("entity_only", label=lang.label(self.language, "entities", "on_conflict"))
            at = edits.find(self.spec, "entities", (entity,))
            if at is not None:
                edits.set_value(self.spec, "entities", at, "on_conflict", "" if text is None else str(text))
            return ("entities",), False
        role = edits.parse(self.spec, "ownership", "role", text)
        edits.set_role(self.spec, entity, fld, column.removeprefix("system:"), role)
        return ("ownership",), False

    def answers(self, row: Any, column: str) -> list[tuple[str, str]]:
        entity, fld = row
        where = location("ownership", (entity, fld) if fld else (entity,))
        out = [(describe_location(self.language, where), where)]
        if column == "on_conflict" and not fld:
            cell = location("entities", (entity,), "on_conflict")
            out.append((describe_location(self.language, cell), cell))
        return out


class OwnershipForm(SectionForm):
    key = "ownership"

    def build(self) -> list[W.Widget]:
        self.extra: list[tuple[str, str]] = []
        self.matrix = self.grid(OwnershipSource(self.wb.spec, self.extra), max_rows=14)
        self.matrix.actions_of = lambda row: ("remove",) if row[1] else ()  # only a field's own row goes
        self.matrix.offer_remove(self._remove_field_row, self.text("forms.ownership.remove_field_row"))
        self.entity = W.Dropdown(options=[], description=lang.label(self.language, "ownership", "entity"),
                                 style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        self.field_choice = W.Dropdown(options=[], description=lang.label(self.language, "ownership", "field"),
                                       style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        self.add_button = W.Button(description=self.text("forms.ownership.add_field"), icon="plus",
                                   layout=W.Layout(width="auto"))
        self.entity.observe(lambda _c: self._fields_of_entity(), names="value")
        self.add_button.on_click(lambda _b: self._add_field_row())
        self._entities()
        self.wb.on_change(lambda c: self._entities() if c.touches(("entities", "fields")) else None)
        return [note(self.text("forms.ownership.hint")), self.matrix.widget,
                W.HBox([self.entity, self.field_choice, self.add_button],
                       layout=W.Layout(flex_flow="row wrap"))]

    def _entities(self) -> None:
        names = self.wb.spec.names("entities")
        with self.quiet():
            if names:
                keep = self.entity.value if self.entity.value in names else names[0]
                set_options(self.entity, [(n, n) for n in names], keep)
            else:
                self.entity.options = []
        self._fields_of_entity()

    def _fields_of_entity(self) -> None:
        fields = self.wb.spec.fields_of(self.entity.value) if self.entity.value else []
        with self.quiet():
            if fields:
                keep = self.field_choice.value if self.field_choice.value in fields else fields[0]
                set_options(self.field_choice, [(f, f) for f in fields], keep)
            else:
                self.field_choice.options = []

    def _add_field_row(self) -> None:
        if not (self.entity.value and self.field_choice.value):
            self.matrix.message.show(self.text("forms.errors.choose_first"))
            return
        row = (self.entity.value, self.field_choice.value)
        if row not in self.extra:
            self.extra.append(row)  # shown until a role is chosen in it (only then is it an answer)
        self.matrix.message.clear()
        self.matrix.refresh()

    def _remove_field_row(self, row: tuple[str, str]) -> bool:
        entity, fld = row
        if not fld:
            self.matrix.message.show(self.text("forms.errors.select_row"))
            return False
        if (entity, fld) in self.extra:
            self.extra.remove((entity, fld))
        return self.edit(lambda: edits.remove_field_roles(self.wb.spec, entity, fld), "ownership",
                         message=self.matrix.message, at_once=True)


class StatusSource(Source):
    """Business statuses of one entity × systems: how each system calls each status."""

    depends = frozenset({"statuses", "systems", "entities", "ownership", "flows"})

    def __init__(self, spec: Any, entity: Callable[[], str | None]) -> None:
        super().__init__(spec)
        self.entity = entity

    def rows(self) -> list[Any]:
        entity = self.entity()
        return edits.statuses_of(self.spec, entity) if entity else []

    def columns(self) -> list[tuple[str, str]]:
        entity = self.entity()
        systems = status_columns(self.spec, entity) if entity else []
        return [("status", lang.label(self.language, "statuses", "status")), *((f"system:{s}", s) for s in systems)]

    def help(self, column: str) -> str:
        if column == "status":
            return ""
        none = lang.text(self.language, "forms.statuses.none")
        return lang.text(self.language, "forms.statuses.none_help", none=none)

    def prepare(self) -> None:
        df = self.spec["statuses"]
        entity = self.entity()
        self._values = {(st, sy): v for e, st, sy, v in zip(df["entity"].tolist(), df["status"].tolist(),
                                                             df["system"].tolist(), df["value"].tolist(), strict=True)
                        if e == entity}

    def cell(self, row: Any, column: str) -> str:
        if column == "status":
            return str(row)
        value = str(self._values.get((row, column.removeprefix("system:")), ""))
        return lang.text(self.language, "forms.statuses.none") if value == NO_EQUIVALENT else value

    def write(self, row: Any, column: str, text: Any) -> tuple[tuple[str, ...], bool]:
        entity = self.entity() or ""
        value = "" if text is None else str(text)
        if column == "status":
            edits.rename(self.spec, "statuses", str(row), value, scope=entity)
            return (), True
        if value.strip().casefold() == lang.text(self.language, "forms.statuses.none").casefold():
            value = NO_EQUIVALENT
        edits.set_status_value(self.spec, entity, str(row), column.removeprefix("system:"), value)
        return ("statuses",), False

    def answers(self, row: Any, column: str) -> list[tuple[str, str]]:
        entity = self.entity() or ""
        where = location("statuses", (entity, row))
        out = [(describe_location(self.language, where), where)]
        if column != "status":
            cell = location("statuses", (entity, row, column.removeprefix("system:")))
            out.append((describe_location(self.language, cell), cell))
        return out


class StatusesForm(SectionForm):
    key = "statuses"

    def build(self) -> list[W.Widget]:
        self.picker = Picker(self.wb, "entities", self.text("forms.entities.pick"), manage=False)
        self.mapping = self.grid(StatusSource(self.wb.spec, lambda: self.picker.current), adder=self._add,
                                 add_label=self.text("forms.add_label.statuses"),
                                 add_button=self.text("forms.add_to.statuses", entity=self.picker.current or ""))
        self.mapping.offer_remove(self._remove)
        self.picker.listeners += [self.mapping.refresh, self._add_words]
        return [note(self.text("forms.statuses.hint")), self.picker.widget, self.mapping.widget]

    def _add_words(self) -> None:
        self.mapping.grid.add_button = self.text("forms.add_to.statuses", entity=self.picker.current or "")

    def _add(self, typed: Any) -> None:
        entity = self.picker.current
        if not entity:
            raise edits.EditError("choose_first")
        edits.add_status(self.wb.spec, entity, typed.get("status", ""))

    def _remove(self, row: Any) -> bool:
        entity = self.picker.current
        if not entity:
            self.mapping.message.show(self.text("forms.errors.choose_first"))
            return False
        status = str(row)
        return self.edit(lambda: edits.remove_status(self.wb.spec, entity, status), "statuses", "open_points",
                         message=self.mapping.message, at_once=True)


# --------------------------------------------------------------------------- flows and their answers


def _answer_columns(section: str, table: str) -> tuple[str, ...]:
    """The columns of ``table`` answered in ``section``, without the row's own key."""
    return tuple(c.name for c in section_columns(section, table) if c.name not in TABLE[table].key)


def _flow_index(spec: Any) -> Callable[[int], str]:
    return lambda row: str(spec["flows"]["name"].iat[row])


class FlowsForm(SectionForm):
    key = "flows"

    def build(self) -> list[W.Widget]:
        spec = self.wb.spec
        self.picker = Picker(self.wb, "flows", self.text("forms.flows.pick"))
        columns = _answer_columns("flows", "flows")
        self.details = RecordFields(
            self.wb, "flows", columns, multiline=("why",),
            read=lambda c: self._row_value(c),
            write=lambda c, v: edits.set_value(self.wb.spec, "flows", self.picker.chosen_row(), c, v),
            enabled=lambda: self.picker.row is not None)
        self.figures = W.HTML()
        self.picker.listeners += [lambda: self.details.refresh(force=True), self._figures]
        self.wb.on_change(lambda c: self._figures() if c.touches(("flows",)) else None)
        self.details.fields["trigger"].input.observe(lambda _c: self._figures(), names="value")
        self.details.fields["volume_per_day"].input.observe(lambda _c: self._figures(), names="value")
        self.overview = GridEditor(self.wb, TableSource(
            spec, "flows", ("entity", "source", "target", "trigger", "max_delay_minutes"),
            index=_flow_index(spec), index_label=lang.label(self.language, "flows", "name")), max_rows=8,
            label=self.text("forms.flows.all"), read_only=True)
        self.contexts.append(self._answers)
        self.selection_sources.append(self.picker.listeners)
        self._figures()
        chosen = lambda: {"flow": self.picker.current} if self.picker.current else None  # noqa: E731
        self.mapping = self.table_grid("mappings", where=chosen, label=self.text("forms.mappings.title"))
        self.mapping_tools = RowTools(self.wb, self.mapping, parent=chosen)
        self.picker.listeners += [self.mapping.refresh, self.mapping_tools.refresh]
        return [self.picker.widget, self.details.widget,
                heading(self.text("forms.mappings.title")), note(self.text("forms.mappings.hint")),
                self.mapping.widget,
                heading(self.text("forms.figures.title")), self.figures,
                heading(self.text("forms.flows.all")), self.overview.widget]

    def _row_value(self, column: str) -> Any:
        row = self.picker.row
        if row is None:
            return None
        value = self.wb.spec["flows"][column].iat[row]
        return None if value is None or value is pd.NA else value

    def _answers(self) -> list[tuple[str, str]]:
        if not self.picker.current:
            return []
        out = []
        for column in [None, *_answer_columns("flows", "flows")]:
            where = location("flows", (self.picker.current,), column)
            out.append((describe_location(self.language, where), where))
        return out

    def _figures(self) -> None:
        row = self.picker.row
        if row is None:
            self.figures.value = f'<span style="{MUTED_STYLE}">{esc(self.text("forms.flows.none"))}</span>'
            return
        flows = self.wb.spec["flows"]
        volume = flows["volume_per_day"].tolist()[row]
        figures = flow_figures(str(flows["trigger"].iat[row]), None if volume is pd.NA else int(volume))
        if figures is None:
            self.figures.value = f'<span style="{MUTED_STYLE}">{esc(self.text("forms.figures.choose_trigger"))}</span>'
            return
        lines = []
        if figures.trigger == "on_demand":
            lines.append(self.text("forms.figures.runs_on_demand"))
        elif figures.staleness_minutes == 0:
            lines.append(self.text("forms.figures.runs_event", n=figures.transfers_per_day)
                         if figures.transfers_per_day is not None else self.text("forms.figures.runs_event_unknown"))
        else:
            line = self.text("forms.figures.runs", n=figures.transfers_per_day)
            if figures.records_per_transfer is not None:
                per = figures.records_per_transfer
                shown = values.format_decimal(per, self.language)
                line += f" ({self.text('forms.figures.per_run', n=shown)})"
            lines.append(line)
        if figures.staleness_minutes is None:
            lines.append(self.text("forms.figures.staleness_on_demand"))
        elif figures.staleness_minutes == 0:
            lines.append(self.text("forms.figures.staleness_event"))
        else:
            lines.append(self.text("forms.figures.staleness",
                                   duration=lang.duration(self.language, figures.staleness_minutes)))
        self.figures.value = "<ul style='margin:0.2em 0;padding-left:1.4em'>" + "".join(
            f"<li>{esc(line)}</li>" for line in lines) + "</ul>"


class FlowAnswersForm(SectionForm):
    """Answers given per flow in a grid: one row per flow, one column per answer of this section."""

    def build(self) -> list[W.Widget]:
        spec = self.wb.spec
        columns = _answer_columns(self.key, "flows")
        self.answers = self.grid(TableSource(spec, "flows", columns, index=_flow_index(spec),
                                             index_label=lang.label(self.language, "flows", "name")))
        return [self.answers.widget]


class SuccessForm(FlowAnswersForm):
    key = "success"


class ErrorsForm(FlowAnswersForm):
    key = "errors"


class DuplicatesForm(SectionForm):
    key = "duplicates"

    def build(self) -> list[W.Widget]:
        self.picker = Picker(self.wb, "entities", self.text("forms.entities.pick"), manage=False)
        self.state = W.HTML()
        self.rule = RecordFields(
            self.wb, "duplicates", _answer_columns("duplicates", "duplicates"),
            read=self._read, write=self._write, enabled=lambda: self.picker.current is not None,
            entity=lambda: self.picker.current or "", depends=("fields", "entities"))
        self.remove_button = W.Button(description=self.text("forms.duplicates.remove"), icon="trash",
                                      layout=W.Layout(width="auto"))
        self.message = Message()
        self.remove_button.on_click(lambda _b: self._remove())
        self.picker.listeners += [lambda: self.rule.refresh(force=True), self._state]
        self.wb.on_change(lambda c: self._state() if c.touches(("duplicates",)) else None)
        self.contexts.append(self._answers)
        self.selection_sources.append(self.picker.listeners)
        self._state()
        return [self.picker.widget, self.state, self.rule.widget, W.HBox([self.remove_button]),
                self.message.widget]

    def _at(self) -> int | None:
        entity = self.picker.current
        return None if entity is None else edits.find(self.wb.spec, "duplicates", (entity,))

    def _read(self, column: str) -> Any:
        at = self._at()
        return None if at is None else self.wb.spec["duplicates"][column].iat[at]

    def _write(self, column: str, value: Any) -> None:
        if self.picker.current is None:
            raise edits.EditError("choose_first")
        edits.set_duplicate_rule(self.wb.spec, self.picker.current, column, value)

    def _remove(self) -> None:
        entity = self.picker.current
        if entity is None or self._at() is None:
            return
        if self.edit(lambda: edits.remove_duplicate_rule(self.wb.spec, entity), "duplicates", "open_points",
                     message=self.message, at_once=True):
            self.rule.refresh(force=True)

    def _state(self) -> None:
        none = self.picker.current is not None and self._at() is None
        self.state.value = (f'<span style="{MUTED_STYLE}">{esc(self.text("forms.duplicates.none"))}</span>'
                            if none else "")

    def _answers(self) -> list[tuple[str, str]]:
        entity = self.picker.current
        if entity is None or self._at() is None:
            return []
        out = []
        for column in (None, "key_fields", "on_repeat"):
            where = location("duplicates", (entity,), column)
            out.append((describe_location(self.language, where), where))
        return out


# --------------------------------------------------------------------------- acceptance, open points, sign-off


class AcceptanceForm(SectionForm):
    key = "acceptance"

    def build(self) -> list[W.Widget]:
        spec = self.wb.spec
        self.picker = Picker(self.wb, "scenarios", lang.label(self.language, "scenarios", "name"))
        self.description = RecordFields(
            self.wb, "scenarios", _answer_columns("acceptance", "scenarios"), multiline=("description",),
            read=lambda c: None if self.picker.row is None else spec["scenarios"][c].iat[self.picker.row],
            write=lambda c, v: edits.set_value(self.wb.spec, "scenarios", self.picker.chosen_row(), c, v),
            enabled=lambda: self.picker.row is not None)
        current = lambda: {"scenario": self.picker.current} if self.picker.current else None  # noqa: E731
        self.steps = self.table_grid("steps", where=current, index=self._step_number,
                                     index_label=self.text("forms.step_column"),
                                     label=self.text("forms.acceptance.steps"))
        self.step_tools = RowTools(self.wb, self.steps, parent=current, move=True)
        self.picker.listeners += [lambda: self.description.refresh(force=True), self.steps.refresh]
        self.reconciliations = self.table_grid("reconciliations", max_rows=6,
                                               label=self.text("forms.acceptance.reconciliations"))
        self.reconciliation_tools = RowTools(self.wb, self.reconciliations)
        self.contexts.append(self._answers)
        self.selection_sources.append(self.picker.listeners)
        return [self.picker.widget, self.description.widget,
                heading(self.text("forms.acceptance.steps")), self.steps.widget,
                heading(self.text("forms.acceptance.reconciliations")), self.reconciliations.widget, *self._data_part()]

    def _data_part(self) -> list[W.Widget]:
        """The exports attached to the spec (the samples table) and the button that checks them."""
        self.samples = self.grid(TableSource(self.wb.spec, "samples", ("system", "entity", "path")), max_rows=6,
                                 label=self.text("forms.acceptance.samples"))
        self.sample_tools = RowTools(self.wb, self.samples)
        self.verify_button = W.Button(description=self.text("forms.acceptance.verify"), icon="check",
                                      tooltip=self.text("forms.acceptance.verify_help"), layout=W.Layout(width="auto"))
        self.verify_button.on_click(lambda _b: self.check_data())
        self.verify_result = W.HTML()
        self.verify_result.add_class("specbook-verify-result")
        previous = runs.last(self.wb)
        if previous is not None:
            self._show_run(previous)
        return [heading(self.text("forms.acceptance.samples")), note(self.text("forms.acceptance.samples_hint")),
                self.samples.widget, self.verify_button, self.verify_result]

    def check_data(self) -> runs.Run:
        """Read the attached exports and show what the data say, in the spec's language."""
        self.verify_button.disabled = True
        self.verify_result.value = f'<span style="{MUTED_STYLE}">{esc(self.text("forms.acceptance.verifying"))}</span>'
        try:
            result = runs.run(self.wb)
        finally:
            self.verify_button.disabled = False
        self._show_run(result)
        return result

    def _show_run(self, result: runs.Run) -> None:
        if result.report is not None:
            self.verify_result.value = verify_html(result.report)
            return
        items = "".join(f"<li>{esc(p)}</li>" for p in result.problems)
        self.verify_result.value = (f'<div style="{ERROR_STYLE}">{esc(self.text("forms.acceptance.verify_failed"))}'
                                    f"<ul>{items}</ul></div>")

    def _step_number(self, row: int) -> str:
        peers = edits.positions(self.wb.spec, "steps", {"scenario": str(self.wb.spec["steps"]["scenario"].iat[row])})
        return str(peers.index(row) + 1)

    def _answers(self) -> list[tuple[str, str]]:
        if not self.picker.current:
            return []
        where = location("scenarios", (self.picker.current,))
        return [(describe_location(self.language, where), where)]


class OpenPointsForm(SectionForm):
    key = "open_points"

    def build(self) -> list[W.Widget]:
        spec = self.wb.spec
        self.points = self.grid(TableSource(
            spec, "open_points", ("who", "note"),
            index=lambda row: describe_location(self.language, str(spec["open_points"]["location"].iat[row])),
            index_label=lang.label(self.language, "open_points", "location")))
        self.tools = RowTools(self.wb, self.points, add=False, remove_words=self.text("forms.open_points.remove_row"))
        return [note(self.text("forms.open_points.hint")), self.points.widget]


class SignoffForm(SectionForm):
    key = "signoff"

    def build(self) -> list[W.Widget]:
        self.signatures = self.table_grid("signoff", max_rows=6)
        self.tools = RowTools(self.wb, self.signatures)
        return [self.signatures.widget]


FORMS: dict[str, type[SectionForm]] = {
    form.key: form
    for form in (ProjectForm, GoalForm, SystemsForm, EntitiesForm, OwnershipForm, StatusesForm, FlowsForm,
                 SuccessForm, ErrorsForm, DuplicatesForm, AcceptanceForm, OpenPointsForm, SignoffForm)
}

__all__ = ["FORMS", "SectionForm"]
