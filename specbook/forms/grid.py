"""Editable grids over rows of the model: a thin adapter from a :class:`Source` to the spreadsheet
:class:`~specbook.forms.sheet.Sheet`.

A :class:`Source` says what a grid shows: its columns, rows, cells, the words a cell may take (offered in
the cell's own pick list) and how an edited cell is written back. Every edit the sheet reports — a cell, a
pasted block, a row added by name, undo, redo — is applied to the model here through the edit layer, kept
in the workbook's history (so that undo reaches the file too) and announced to the workbook, which saves.
A refused value is reported for its cell, in the spec's language; the rest of the edit is kept.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as W
import pandas as pd

from specbook import edits, lang
from specbook.checks import describe_location
from specbook.definitions import TABLE
from specbook.forms import sheet as S
from specbook.forms.widgets import Form, Message
from specbook.model import Spec
from specbook.session import Session

INDEX = "__index"
NAME_LIMIT = 60  # characters of a row's words in its action buttons' names
# Adds a row from the values typed; returns the values it left out, each with its reason.
Adder = Callable[[Mapping[str, str]], Mapping[str, edits.EditError] | None]
# Removes a row (the source's row id); moves a row by a step; each returns whether the model took it.
Remover = Callable[[Any], bool]
Mover = Callable[[Any, int], bool]
_HISTORIES: weakref.WeakKeyDictionary[Any, edits.History] = weakref.WeakKeyDictionary()


def history(wb: Session) -> edits.History:
    """The undo history of one workbook, shared by all its grids."""
    found = _HISTORIES.get(wb)
    if found is None:
        found = _HISTORIES[wb] = edits.History()
    return found


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

    def help(self, column: str) -> str:
        """A hint shown for the column's header."""
        return ""

    def kind(self, column: str) -> str:
        """How the sheet edits the column: ``text``, ``prose`` or ``number`` (choices come from :meth:`enum`)."""
        return "prose" if self.width(column) >= 260 else "text"

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

    def kind(self, column: str) -> str:
        col = TABLE[self.table].column(column)
        return "number" if col.kind == "int" else super().kind(column)

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
    """A spreadsheet grid over a :class:`Source`; ``adder`` (if given) adds a row from the values typed in the
    sheet's name box or pasted below its last row.

    Removing and moving a row are buttons in the row's own actions cell: :meth:`offer_remove` and
    :meth:`offer_move` connect them to the model; a refused removal shows the edit layer's reason under
    the grid. The cell the person last clicked is :meth:`selected` (what a "to be confirmed" mark is about).
    """

    def __init__(self, wb: Session, source: Source, *, max_rows: int = 12, label: str = "",
                 add_button: str = "", add_label: str = "",
                 adder: Adder | None = None, read_only: bool = False) -> None:
        super().__init__(wb)
        self.source = source
        self.depends = source.depends
        self.max_rows = max_rows
        self.adder = adder
        self.message = Message()
        self._rows: list[Any] = []
        self._ids: dict[str, Any] = {}
        self._selected: tuple[Any, str] | None = None
        self.selection_listeners: list[Callable[[], None]] = []
        self.remover: Remover | None = None
        self.mover: Mover | None = None
        self.actions_of: Callable[[Any], tuple[str, ...]] | None = None
        columns = self._columns()
        self.grid = S.Sheet(columns, self._sheet_rows(), label=label, language=self.language,
                            on_edit=self._on_edit, add_label=add_label if adder else "",
                            add_button=add_button if adder else "",
                            add_column=self._add_column(columns), read_only=read_only)
        self.grid.observe(self._clicked, names="selection")
        self.widget = W.VBox([self.grid, self.message.widget], layout=W.Layout(width="100%"))
        self.listen()

    # -- showing --------------------------------------------------------------------------------------

    def _add_column(self, columns: list[S.Column]) -> str:
        names = [c.name for c in columns if c.name != INDEX]
        return names[0] if names else columns[0].name

    def _columns(self) -> list[S.Column]:
        source = self.source
        out: list[S.Column] = []
        if source.index_label:
            out.append(S.Column(INDEX, source.index_label, width=2))
        labels: dict[str, str] = {}
        for cid, header in source.columns():
            while header in labels.values() or header == source.index_label:
                header += " "
            labels[cid] = header
            words = source.enum(cid)
            px = source.width(cid)
            share = 1 if px <= 190 else 2 if px < 300 else 3
            if words:
                choices = tuple((w, w) for w in words)  # an empty answer reads as an empty cell
                out.append(S.Column(cid, header, "choice", choices, width=share, help=source.help(cid)))
            else:
                out.append(S.Column(cid, header, source.kind(cid), width=share, help=source.help(cid)))
        self._labels = labels
        return out

    def _sheet_rows(self) -> list[S.Row]:
        source = self.source
        source.prepare()
        rows = source.rows()
        self._rows = rows
        self._ids = {}
        out = []
        seen: dict[str, int] = {}
        for n, row in enumerate(rows):
            rid = str(n)
            self._ids[rid] = row
            cells = [source.index(row)] if source.index_label else []
            cells += [source.cell(row, cid) for cid in self._labels]
            name = self._row_name(cells)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:  # two rows with the same words: their buttons still need names of their own
                name = f"{name} ({seen[name]})"
            actions = self.actions_of(row) if self.actions_of is not None else None
            out.append(S.Row(rid, tuple(cells), name, actions))
        return out

    def _row_name(self, cells: list[str]) -> str:
        """The words a row is called by in its buttons: its row header (with the first answer when the header
        is only a number, as a step's), else its key column."""
        words = [c.strip() for c in cells]
        if self.source.index_label:
            name = words[0]
            if name.isdigit() and len(words) > 1 and words[1]:
                name = f"{name}. {words[1]}"
        else:
            name = words[0] if words else ""
        name = " ".join(name.split())
        return name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 1].rstrip() + "…"

    def refresh(self) -> None:
        columns = self._columns()
        if [c.to_json() for c in columns] != self.grid.columns:
            self.grid.set_columns(columns)
        rows = self._sheet_rows()
        if [r.to_json() for r in rows] != self.grid.rows:
            self.grid.set_rows(rows)
        if self._selected is not None and self._selected[0] not in self._rows:
            self._selected = None

    @property
    def frame(self) -> pd.DataFrame:
        """What the grid shows now (headers as the person sees them)."""
        headers = [c["label"] for c in self.grid.columns]
        data = [list(r["cells"]) for r in self.grid.rows]
        frame = pd.DataFrame(data, columns=headers, dtype=object)
        if self.source.index_label:
            frame = frame.set_index(self.source.index_label)
        return frame

    @property
    def row_ids(self) -> list[Any]:
        return list(self._rows)

    def label(self, column: str) -> str:
        return self._labels[column]

    def column_of(self, header: str) -> str:
        """The column id under a header as the person reads it."""
        for cid, label in self._labels.items():
            if label == header or label.strip() == header:
                return cid
        raise KeyError(header)

    def row_id(self, position: int) -> str:
        """The sheet's id of the row shown at ``position``."""
        return str(self.grid.rows[position]["id"])

    # -- editing --------------------------------------------------------------------------------------

    def _on_edit(self, edit: S.Edit) -> S.Result:
        spec = self.wb.spec
        hist = history(self.wb)
        if edit.op in ("remove", "move"):
            return self._row_action(edit)
        if edit.op in ("undo", "redo"):
            change = hist.undo(spec) if edit.op == "undo" else hist.redo(spec)
            message = "" if change else self.text("grid.nothing_to_undo" if edit.op == "undo"
                                                  else "grid.nothing_to_redo")
            if change:
                self.wb.changed(at_once=True)
            return S.Result(rows=self._sheet_rows(), message=message)
        refused: list[S.Refusal] = []
        tables: set[str] = set()
        at_once = [False]

        def apply() -> None:
            for ch in edit.changes:
                row = self._ids.get(ch.row)
                if row is None:
                    continue
                if ch.column == INDEX:
                    refused.append(S.Refusal(ch.column, self.text("grid.read_only"), row=ch.row))
                    continue
                try:
                    changed, now = self.source.write(row, ch.column, ch.value)
                except edits.EditError as exc:
                    refused.append(S.Refusal(ch.column, exc.message(self.language), row=ch.row))
                    continue
                tables.update(changed)
                at_once[0] = at_once[0] or now or not changed
            for i, values in enumerate(edit.added):
                typed = {k: v for k, v in values.items() if k != INDEX}
                if self.adder is None:
                    refused.append(S.Refusal(self.grid.add_column, self.text("grid.read_only"), added=i))
                    continue
                try:
                    left_out = self.adder(typed) or {}
                except edits.EditError as exc:
                    refused.append(S.Refusal(self.grid.add_column, exc.message(self.language), added=i))
                    continue
                refused.extend(S.Refusal(column, exc.message(self.language), added=i)
                               for column, exc in left_out.items())
                at_once[0] = True

        hist.do(spec, apply)
        if refused:
            self.message.show(refused[0].message)
        else:
            self.message.clear()
        if tables or at_once[0]:
            self.wb.changed(*(() if at_once[0] and not tables else tables), at_once=at_once[0])
        return S.Result(refused=tuple(refused), rows=self._sheet_rows())

    # -- a row's own actions -------------------------------------------------------------------------

    def offer_remove(self, remover: Remover, words: str = "") -> None:
        """Give every row a Remove button; ``words`` is this grid's template of its name (with ``{name}``)."""
        self.remover = remover
        self._offer("remove", words)

    def offer_move(self, mover: Mover) -> None:
        """Give every row buttons that move it up and down."""
        self.mover = mover
        self._offer("up")
        self._offer("down")

    def _offer(self, action: str, words: str = "") -> None:
        actions = [a for a in S.ACTIONS if a in {*self.grid.row_actions, action}]
        self.grid.row_actions = actions
        if words:
            self.grid.action_texts = {**self.grid.action_texts, action: words}
        self.refresh()

    def _row_action(self, edit: S.Edit) -> S.Result:
        row = self._ids.get(edit.row or "")
        done = False
        if row is not None and edit.op == "remove" and self.remover is not None:
            done = self.remover(row)
        elif row is not None and edit.op == "move" and self.mover is not None:
            done = self.mover(row, edit.step)
        else:
            self.message.show(self.text("grid.read_only"))
        if done and edit.op == "remove" and self._selected is not None and self._selected[0] == row:
            self.clear_selection()
        rows = self._sheet_rows()
        return S.Result(rows=rows, message="" if done else self.message.text)

    # -- selection (the cell the person is at) --------------------------------------------------------

    def selected(self) -> tuple[Any, str] | None:
        """The row id and column id of the chosen row, if any."""
        return self._selected

    def select(self, position: int, column: str | None = None) -> None:
        """Choose the row shown at ``position`` (as clicking one of its cells does)."""
        if 0 <= position < len(self._rows):
            self._selected = (self._rows[position], column or next(iter(self._labels), ""))
        else:
            self._selected = None
        for listener in self.selection_listeners:
            listener()

    def _clicked(self, change: dict[str, Any]) -> None:
        now = change["new"] or {}
        row, column = self._ids.get(str(now.get("row"))), str(now.get("column", ""))
        if row is None:
            return
        self._selected = (row, column if column in self._labels else next(iter(self._labels), ""))
        for listener in self.selection_listeners:
            listener()

    def clear_selection(self) -> None:
        self.select(-1)

    def answers(self) -> list[tuple[str, str]]:
        chosen = self.selected()
        return self.source.answers(*chosen) if chosen else []


class RowTools(Form):
    """Remove and reorder rows of a :class:`TableSource` grid with buttons in each row's actions cell.
    New rows come from the grid's own name box (see :meth:`add`)."""

    def __init__(self, wb: Session, editor: GridEditor, *, parent: Callable[[], Mapping[str, str] | None] | None
                 = None, move: bool = False, add: bool = True, remove_words: str = "") -> None:
        super().__init__(wb)
        source = editor.source
        assert isinstance(source, TableSource)
        self.editor = editor
        self.table = source.table
        self.parent = parent
        self.message = editor.message
        if add:
            editor.adder = self.add
            editor.grid.add_button = self.text(f"forms.add_to.{self.table}", entity=self._parent_name())
            editor.grid.add_label = self.text(f"forms.add_label.{self.table}")
        editor.offer_remove(self.remove, remove_words)
        if move:
            editor.offer_move(self.move)
        self.depends = frozenset({"entities", "scenarios"}) if parent else frozenset()
        self.listen()

    def _parent_name(self) -> str:
        values = self.parent() if self.parent else None
        return next(iter(values.values()), "") if values else ""

    def refresh(self) -> None:
        if self.parent and self.editor.adder is not None:
            self.editor.grid.add_button = self.text(f"forms.add_to.{self.table}", entity=self._parent_name())

    def add(self, typed: Mapping[str, str]) -> dict[str, edits.EditError]:
        """Add a row with the values typed; a value refused is left out and returned with its reason (a
        refused name refuses the row: :class:`edits.EditError`)."""
        base = dict(self.parent() or {}) if self.parent else {}
        if self.parent and not base:
            raise edits.EditError("choose_first")
        values: dict[str, Any] = dict(base)
        t = TABLE[self.table]
        left_out: dict[str, edits.EditError] = {}
        for column, text in typed.items():
            if column in t.key:
                values[column] = text
                continue
            try:
                values[column] = edits.parse(self.wb.spec, self.table, column, text, entity=base.get("entity", ""))
            except edits.EditError as exc:
                left_out[column] = exc
        edits.add_row(self.wb.spec, self.table, values)
        return left_out

    def remove(self, row: Any) -> bool:
        """Remove the row (refused while other answers use it: the reason shows under the grid)."""
        return self.edit(lambda: history(self.wb).do(self.wb.spec, lambda: edits.remove_row(self.wb.spec, self.table,
                                                                                              row)),
                         message=self.message, at_once=True)

    def move(self, row: Any, step: int) -> bool:
        """Move the row one place up (``step`` -1) or down (1); the selection follows it."""
        chosen = self.editor.selected()
        moved: list[int] = []
        done = self.edit(lambda: moved.append(history(self.wb).do(
            self.wb.spec, lambda: edits.move_row(self.wb.spec, self.table, row, step))), self.table,
            message=self.message, at_once=True)
        if done and moved and chosen is not None and chosen[0] == row:
            self.editor.refresh()
            ids = self.editor.row_ids
            if moved[0] in ids:
                self.editor.select(ids.index(moved[0]), chosen[1])
        return done
