"""Editable grids (ipydatagrid) over rows of the model: one widget however many rows.

The grid holds text only (an ``object`` frame): pandas 3 refuses a value that does not fit a column's dtype
inside ipydatagrid's message handler, which would lose the edit. Each edit is parsed here and written to the
model; a refused edit puts the model's value back into the cell and says why beside the grid.

A :class:`Source` says what a grid shows: its columns, rows, cells, the words a cell may take and how an
edited cell is written back. ipydatagrid's own cell editor is a text box (its JavaScript drops a column's list
of allowed values), so for a cell whose answer is a choice one drop-down list beside the grid offers the
words for the selected cell; typing an unambiguous beginning of a word in the cell works too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as W
import pandas as pd
from ipydatagrid import DataGrid

from specbook import edits, lang
from specbook.checks import describe_location
from specbook.definitions import TABLE
from specbook.forms.widgets import MUTED_STYLE, Form, Message, esc
from specbook.model import Spec
from specbook.session import Session

ROW_HEIGHT = 24
HEADER_HEIGHT = 30


class Source:
    """What one grid shows and how its edits reach the model."""

    index_label: str | None = None
    depends: frozenset[str] = frozenset()

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    @property
    def language(self) -> str:
        return self.spec.language

    def prepare(self) -> None:
        """Read the model once before cells are asked for (a frame, or a cell after an edit)."""

    def columns(self) -> list[tuple[str, str]]:
        """``(column id, header)`` in order."""
        raise NotImplementedError

    def rows(self) -> list[Any]:
        raise NotImplementedError

    def index(self, row: Any) -> str:
        return ""

    def cell(self, row: Any, column: str) -> str:
        raise NotImplementedError

    def enum(self, column: str) -> list[str] | None:
        return None

    def width(self, column: str) -> int:
        return 180

    def write(self, row: Any, column: str, text: Any) -> tuple[tuple[str, ...], bool]:
        """Store an edited cell; returns the tables changed (none: anything may have) and whether the change
        must reach the other views at once (a rename). Raises :class:`edits.EditError` on bad input."""
        raise NotImplementedError

    def answers(self, row: Any, column: str) -> list[tuple[str, str]]:
        """``(words, location)`` of the answers at a cell, for "to be confirmed" marks."""
        return []


class TableSource(Source):
    """Rows of one model table (all, or those of one parent) and some of its columns."""

    def __init__(self, spec: Spec, table: str, columns: Sequence[str], *,
                 where: Callable[[], Mapping[str, str] | None] | None = None,
                 index: Callable[[int], str] | None = None, index_label: str | None = None) -> None:
        super().__init__(spec)
        self.table = table
        self._columns = tuple(columns)
        self.where = where
        self._index = index
        self.index_label = index_label
        refs = {TABLE[table].column(c).ref for c in columns} - {None}
        expanded = {r for ref in refs for r in (ref or "").split("+")}
        self.depends = frozenset({table, *expanded, *(("entities",) if where else ())})

    def entity(self, row: int) -> str:
        df = self.spec[self.table]
        return str(df["entity"].iat[row]) if "entity" in df.columns else ""

    def columns(self) -> list[tuple[str, str]]:
        return [(c, lang.label(self.language, self.table, c)) for c in self._columns]

    def rows(self) -> list[Any]:
        if self.where is not None:
            where = self.where()
            if where is None:
                return []
            return edits.positions(self.spec, self.table, where)
        return edits.positions(self.spec, self.table)

    def index(self, row: Any) -> str:
        return self._index(row) if self._index else ""

    def prepare(self) -> None:
        df = self.spec[self.table]
        self._values = {c: df[c].tolist() for c in self._columns}

    def cell(self, row: Any, column: str) -> str:
        value = self._values[column][row]
        return edits.display(self.language, self.table, column, None if value is pd.NA else value)

    def enum(self, column: str) -> list[str] | None:
        entity = ""
        if TABLE[self.table].column(column).ref == "fields" and self.where is not None:
            entity = (self.where() or {}).get("entity", "")
        return edits.options(self.spec, self.table, column, entity)

    def width(self, column: str) -> int:
        col = TABLE[self.table].column(column)
        return {"name": 190, "int": 130, "bool": 110, "choice": 160, "ref": 170}.get(col.kind, 260)

    def write(self, row: Any, column: str, text: Any) -> tuple[tuple[str, ...], bool]:
        value = edits.parse(self.spec, self.table, column, text, entity=self.entity(row))
        edits.set_value(self.spec, self.table, row, column, value)
        t = TABLE[self.table]
        renamed = column in t.key and t.column(column).kind == "name"
        return ((), True) if renamed else ((self.table,), False)

    def answers(self, row: Any, column: str) -> list[tuple[str, str]]:
        whole = edits.row_location(self.spec, self.table, row)
        cell = edits.row_location(self.spec, self.table, row, column)
        out = [(describe_location(self.language, whole), whole)]
        if column in self._columns:
            out.append((describe_location(self.language, cell), cell))
        return out


class GridEditor(Form):
    """An editable grid over a :class:`Source`, a drop-down list for a selected cell whose answer is a choice,
    and a message line for refused edits."""

    def __init__(self, wb: Session, source: Source, *, max_rows: int = 12) -> None:
        super().__init__(wb)
        self.source = source
        self.depends = source.depends
        self.max_rows = max_rows
        self.message = Message()
        self._rows: list[Any] = []
        self._labels: dict[str, str] = {}
        self._shown: tuple[Any, ...] = ()
        frame = self._frame()
        self.grid = DataGrid(frame, editable=True, selection_mode="cell",
                             header_visibility="all" if source.index_label else "column",
                             base_row_size=ROW_HEIGHT, base_column_header_size=HEADER_HEIGHT,
                             base_row_header_size=220, column_widths=self._widths(),
                             layout=W.Layout(height=self._height(), width="100%"))
        self.grid.on_cell_change(self._edited)
        self.selection_listeners: list[Callable[[], None]] = [self._offer_choice]
        self.grid.observe(lambda _c: self._selected(), names="selections")
        self.choice_label = W.HTML(layout=W.Layout(width="auto", margin="0 0.5em 0 0"))
        self.choice = W.Dropdown(options=[], layout=W.Layout(width="18em"))
        self.choice.add_class("specbook-cell-choice")
        self.choice.observe(self._chosen, names="value")
        self.choice_box = W.HBox([self.choice_label, self.choice],
                                 layout=W.Layout(display="none", align_items="center"))
        self.empty = W.HTML()
        self._show_empty()
        self.widget = W.VBox([self.grid, self.choice_box, self.empty, self.message.widget],
                             layout=W.Layout(width="100%"))
        self.listen()

    def _show_empty(self) -> None:
        text = "" if self._rows else f'<span style="{MUTED_STYLE}">{esc(self.text("forms.empty"))}</span>'
        if self.empty.value != text:
            self.empty.value = text

    # -- showing --------------------------------------------------------------------------------------

    def _frame(self) -> pd.DataFrame:
        source = self.source
        source.prepare()
        columns = source.columns()
        labels: dict[str, str] = {}
        for cid, header in columns:
            while header in labels.values() or header == source.index_label:
                header += " "
            labels[cid] = header
        rows = source.rows()
        data = {labels[cid]: pd.Series([source.cell(r, cid) for r in rows], dtype=object) for cid, _h in columns}
        frame = pd.DataFrame(data, columns=list(labels.values()))
        if source.index_label:
            frame.index = pd.Index([source.index(r) for r in rows], dtype=object, name=source.index_label)
        self._rows = rows
        self._labels = labels
        self._shown = (tuple(frame.columns), tuple(frame.index), tuple(map(tuple, frame.to_numpy().tolist())))
        return frame

    def _widths(self) -> dict[str, int]:
        return {label: max(self.source.width(cid), 9 * len(label) + 36) for cid, label in self._labels.items()}

    def _height(self) -> str:
        shown = min(len(self._rows), self.max_rows)
        return f"{shown * ROW_HEIGHT + HEADER_HEIGHT + 26}px"

    def refresh(self) -> None:
        before = self._shown
        frame = self._frame()
        if self._shown != before:
            with self.quiet():
                self.grid.column_widths = self._widths()
                self.grid.data = frame
                self.grid.layout.height = self._height()
            self._show_empty()
        self._offer_choice()

    @property
    def frame(self) -> pd.DataFrame:
        """What the grid shows now (headers as the person sees them)."""
        return self.grid.data

    @property
    def row_ids(self) -> list[Any]:
        return list(self._rows)

    def label(self, column: str) -> str:
        return self._labels[column]

    # -- editing --------------------------------------------------------------------------------------

    def _edited(self, cell: dict[str, Any]) -> None:
        if self.busy:  # the grid echoing what this form set
            return
        column = next((cid for cid, label in self._labels.items() if label == cell["column"]), None)
        if column is not None:
            self._apply(int(cell["row"]), column, cell["value"])

    def _apply(self, position: int, column: str, typed: Any) -> None:
        """Write what was typed into the cell at ``position``; the cell then shows the model's value."""
        if position >= len(self._rows):
            return
        row = self._rows[position]
        outcome: list[tuple[tuple[str, ...], bool]] = []
        if self._write(row, column, typed, outcome):
            tables, at_once = outcome[0]
            self.wb.changed(*tables, at_once=at_once)
            if not at_once:
                self._frame()  # the grid holds this edit now; compare with it on the next refresh
        self.source.prepare()
        shown = self.source.cell(self._rows[position], column) if position < len(self._rows) else typed
        if shown != self.grid.get_cell_value_by_index(self._labels[column], position):
            with self.quiet():
                self.grid.set_cell_value_by_index(self._labels[column], position, shown)
            self._frame()
        self._offer_choice()

    def _write(self, row: Any, column: str, typed: Any, outcome: list[tuple[tuple[str, ...], bool]]) -> bool:
        try:
            outcome.append(self.source.write(row, column, typed))
        except edits.EditError as exc:
            self.message.show(exc.message(self.language))
            return False
        self.message.clear()
        return True

    # -- the drop-down list for a choice --------------------------------------------------------------

    def _offer_choice(self) -> None:
        chosen = self.selected()
        words = self.source.enum(chosen[1]) if chosen else None
        if not chosen or words is None:
            self.choice_box.layout.display = "none"
            return
        row, column = chosen
        self.source.prepare()
        current = self.source.cell(row, column)
        index = self.source.index(row) if self.source.index_label else self.source.cell(row, self._first())
        what = self._labels[column].strip()
        self.choice_label.value = f"<b>{esc(what)}</b> — {esc(index)}:" if index else f"<b>{esc(what)}</b>:"
        with self.quiet():
            options = [(w or "—", w) for w in words]
            if current not in words:
                options.append((current, current))
            if list(self.choice.options) != options:
                self.choice.options = options
            self.choice.value = current
        self.choice_box.layout.display = "flex"

    def _first(self) -> str:
        return next(iter(self._labels))

    def _chosen(self, change: dict[str, Any]) -> None:
        if self.busy:
            return
        chosen = self.selected()
        if chosen is not None:
            self._apply(self._rows.index(chosen[0]), chosen[1], change["new"])

    # -- selection ------------------------------------------------------------------------------------

    def _selected(self) -> None:
        for listener in self.selection_listeners:
            listener()

    def selected(self) -> tuple[Any, str] | None:
        """The row id and column id of the selected cell, if any."""
        selections = self.grid.selections
        if not selections or not self._labels:
            return None
        last = selections[-1]
        view_row, column_at = int(last["r1"]), int(last["c1"])
        visible = list(self.grid._visible_rows or [])
        position = visible[view_row] if view_row < len(visible) else view_row
        if not 0 <= position < len(self._rows):
            return None
        columns = list(self._labels)
        column = columns[column_at] if 0 <= column_at < len(columns) else columns[0]
        return self._rows[position], column

    def select(self, position: int, column: str | None = None) -> None:
        """Select a cell (by the row's place in the grid), as a click would."""
        columns = list(self._labels)
        at = columns.index(column) if column in columns else 0
        self.grid.selections = [{"r1": position, "c1": at, "r2": position, "c2": at}]

    def answers(self) -> list[tuple[str, str]]:
        chosen = self.selected()
        return self.source.answers(*chosen) if chosen else []


class RowTools(Form):
    """Add, remove and reorder rows of a :class:`TableSource` grid."""

    def __init__(self, wb: Session, editor: GridEditor, *, add: str | None = "name",
                 parent: Callable[[], Mapping[str, str] | None] | None = None, move: bool = False) -> None:
        super().__init__(wb)
        source = editor.source
        assert isinstance(source, TableSource)
        self.editor = editor
        self.table = source.table
        self.parent = parent
        self.message = editor.message
        t = TABLE[self.table]
        self.name_column = next((k for k in t.key if t.column(k).kind == "name"), None)
        parts: list[W.Widget] = []
        self.name_input = W.Text(placeholder=lang.label(self.language, self.table, self.name_column)
                                 + " — " + self.text("forms.new_placeholder") if self.name_column else "",
                                 layout=W.Layout(width="22em"))
        self.add_button = W.Button(description=self.text("forms.add_step" if add == "blank" else "forms.add"),
                                   icon="plus", layout=W.Layout(width="auto"))
        self.remove_button = W.Button(description=self.text("forms.remove_row"), icon="trash",
                                      layout=W.Layout(width="auto"))
        self.up_button = W.Button(description=self.text("forms.move_up"), icon="arrow-up",
                                  layout=W.Layout(width="auto"))
        self.down_button = W.Button(description=self.text("forms.move_down"), icon="arrow-down",
                                    layout=W.Layout(width="auto"))
        if add == "name" and self.name_column:
            parts += [self.name_input, self.add_button]
        elif add == "blank":
            parts.append(self.add_button)
        if add:
            self.add_button.on_click(lambda _b: self._add())
        parts.append(self.remove_button)
        self.remove_button.on_click(lambda _b: self._remove())
        if move:
            parts += [self.up_button, self.down_button]
            self.up_button.on_click(lambda _b: self._move(-1))
            self.down_button.on_click(lambda _b: self._move(+1))
        self.widget = W.HBox(parts, layout=W.Layout(flex_flow="row wrap"))

    def _values(self) -> dict[str, str] | None:
        base = dict(self.parent() or {}) if self.parent else {}
        if self.parent and not base:
            return None
        if self.name_column:
            base[self.name_column] = self.name_input.value
        return base

    def _add(self) -> None:
        if self.busy:
            return
        values = self._values()
        if values is None:
            self.message.show(self.text("forms.errors.choose_first"))
            return
        if self.edit(lambda: edits.add_row(self.wb.spec, self.table, values), self.table,
                     message=self.message, at_once=True):
            with self.quiet():
                self.name_input.value = ""
            self.editor.select(len(self.editor.row_ids) - 1)

    def _remove(self) -> None:
        chosen = self.editor.selected()
        if chosen is None:
            self.message.show(self.text("forms.errors.select_row"))
            return
        row = chosen[0]
        self.edit(lambda: edits.remove_row(self.wb.spec, self.table, row), message=self.message, at_once=True)
        self.editor.grid.clear_selection()

    def _move(self, step: int) -> None:
        chosen = self.editor.selected()
        if chosen is None:
            self.message.show(self.text("forms.errors.select_row"))
            return
        row, column = chosen
        moved: list[int] = []
        if self.edit(lambda: moved.append(edits.move_row(self.wb.spec, self.table, row, step)), self.table,
                     message=self.message, at_once=True):
            ids = self.editor.row_ids
            if moved and moved[0] in ids:
                self.editor.select(ids.index(moved[0]), column)
