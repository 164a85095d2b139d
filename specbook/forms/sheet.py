"""specbook's spreadsheet grid: a thin anywidget view over Tabulator, whose model is plain rows of strings.

The browser never changes the rows by itself. Every change a person makes — a cell, a pasted block, a new
row typed in the name box under the grid, undo, redo — arrives here as one custom message with a sequence
number that grows by one per view; :class:`Sheet` turns it into an :class:`Edit`, hands it to ``on_edit``
(which the form connects to the model's edit layer), applies what was accepted to :attr:`Sheet.rows` and
answers the browser with the refused cells, which revert there and show why.

Messages from the browser (``seq`` grows within one ``view``, a random name per rendered view)::

    {"op": "set", "row": ID, "column": NAME, "value": TEXT, "seq": N, "view": V}
    {"op": "paste", "anchor": {"row": ID, "column": NAME} | null, "block": [[TEXT, ...], ...], ...}
    {"op": "add", "values": {NAME: TEXT}, ...}
    {"op": "undo", ...}   {"op": "redo", ...}
    {"op": "remove", "row": ID, ...}   {"op": "move", "row": ID, "step": -1 | 1, ...}

The last two come from the buttons in a row's own actions cell (``row_actions``: any of ``remove``, ``up``,
``down``), each named with the row's words. The cell last clicked or edited is kept in :attr:`Sheet.selection`
(``{"row": ID, "column": NAME}``), so that the kernel knows which row the person is at.

Answer to each: ``{"op": "result", "for": OP, "seq": N, "refused": [{"row", "column", "message"}],
"message": TEXT, "refused_value": TEXT | null}``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anywidget
import ipywidgets as widgets
import traitlets as T

from specbook import lang

__all__ = ["Change", "Column", "Edit", "Refusal", "Result", "Row", "Sheet", "grid_texts"]

STATIC = Path(__file__).resolve().parent / "static"
KINDS = ("text", "prose", "number", "choice")
OPS = ("set", "paste", "add", "undo", "redo", "remove", "move")
ACTIONS = ("remove", "up", "down")

Op = Literal["set", "paste", "add", "undo", "redo", "remove", "move"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """One column: ``name`` is the model's identifier, ``label`` the header people read.

    ``choices`` are ``(value, label)`` pairs; a ``choice`` column offers exactly those in its cell's pick
    list. ``width`` is the column's share of the table's width (1 narrow … 4 wide prose); ``secondary``
    columns fold under their row when the table is too narrow to show them beside the others.
    """

    name: str
    label: str
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    width: int = 1
    wrap: bool = True
    secondary: bool = False
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: no kind named {self.kind!r}; kinds are {', '.join(KINDS)}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"column {self.name!r}: a choice column needs its choices")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "kind": self.kind,
                "choices": [[value, label] for value, label in self.choices], "width": self.width,
                "wrap": self.wrap, "secondary": self.secondary, "help": self.help}


@dataclass(frozen=True)
class Row:
    """A row as the grid shows it: a stable id and one string per column, in column order.

    ``name`` is the row's words in the names of its action buttons (the key column's cell when empty);
    ``actions`` the row's own subset of the sheet's ``row_actions`` (``None``: all of them).
    """

    id: str
    cells: tuple[str, ...]
    name: str = ""
    actions: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "cells": list(self.cells)}
        if self.name:
            out["name"] = self.name
        if self.actions is not None:
            out["actions"] = list(self.actions)
        return out


@dataclass(frozen=True)
class Change:
    """A new value for one cell of an existing row."""

    row: str
    column: str
    value: str


@dataclass(frozen=True)
class Edit:
    """One action of the person, as the model's edit layer receives it.

    ``changes`` set cells of existing rows; ``added`` are new rows (column name → text, only the columns
    given), in order. ``set`` has one change; ``add`` one new row; ``paste`` any of both; ``undo`` and
    ``redo`` neither. ``remove`` and ``move`` name their ``row`` (``move`` by ``step`` places, -1 or 1).
    """

    op: Op
    seq: int
    changes: tuple[Change, ...] = ()
    added: tuple[Mapping[str, str], ...] = ()
    row: str | None = None
    step: int = 0

    @property
    def size(self) -> int:
        return len(self.changes) + sum(len(values) for values in self.added)


@dataclass(frozen=True)
class Refusal:
    """A value the model did not take. ``row`` names an existing row; for a new row it is ``None`` and
    ``added`` is its index in :attr:`Edit.added`. Refusing the key column of a new row refuses the row."""

    column: str
    message: str
    row: str | None = None
    added: int | None = None


@dataclass(frozen=True)
class Result:
    """What the model did with an :class:`Edit`.

    ``rows``: the rows as the model now has them (needed after undo and redo); when ``None`` the grid keeps
    its rows and applies every value not refused, giving new rows the ids in ``added_ids`` (or fresh ones).
    ``message``: words about the whole edit, shown under the grid.
    """

    refused: tuple[Refusal, ...] = ()
    rows: Sequence[Row] | None = None
    added_ids: tuple[str, ...] = ()
    message: str = ""


OnEdit = Callable[[Edit], Result | None]


def grid_texts(language: str) -> dict[str, str]:
    """Every word the grid shows by itself, in ``language``."""
    return {str(key): str(value) for key, value in lang.lookup(language, "grid").items()}


def _rows_json(rows: Iterable[Row | tuple[str, Sequence[str]]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = row if isinstance(row, Row) else Row(str(row[0]), tuple(str(c) for c in row[1]))
        out.append(item.to_json())
    return out


class GridLibrary(anywidget.AnyWidget):
    """The grid's code and style, sent to the page once however many grids it shows: each grid's own model
    carries only a loader that waits for this one (half a megabyte in each of sixteen grids made a page's
    widget state 8 MB). Never displayed; see :func:`grid_library`."""

    _esm = STATIC / "grid.js"
    _css = STATIC / "grid.css"


_library: GridLibrary | None = None


def grid_library() -> GridLibrary:
    """The kernel's one grid library (a new one if the last was closed)."""
    global _library
    if _library is None or _library.comm is None:
        _library = GridLibrary()
    return _library


class Sheet(anywidget.AnyWidget):
    """A spreadsheet grid of ``columns`` over ``rows``; every edit goes through ``on_edit``.

    ``label`` is the grid's accessible name; ``add_label`` the visible label of the name box under it and
    ``add_button`` its button's words (unique on the page, e.g. «Добавить систему»); without
    ``add_button`` there is no name box. ``add_column`` is the column the typed name fills (the first by
    default) and the key a pasted block with a header row matches rows by.

    ``row_actions`` puts a button per action (``remove``, ``up``, ``down``) in each row's last cell; their
    names come from the language tables (``grid.row_remove``…, with the row's ``{name}``) unless
    ``action_texts`` gives this grid's own. :attr:`selection` is the cell the person is at.
    """

    _esm = STATIC / "sheet.js"
    # a reference makes the page create the library's model before this one's
    _library = T.Instance(GridLibrary).tag(sync=True, **widgets.widget_serialization)

    columns = T.List(T.Dict()).tag(sync=True)
    rows = T.List(T.Dict()).tag(sync=True)
    texts = T.Dict().tag(sync=True)
    label = T.Unicode("").tag(sync=True)
    add_label = T.Unicode("").tag(sync=True)
    add_button = T.Unicode("").tag(sync=True)
    add_column = T.Unicode("").tag(sync=True)
    read_only = T.Bool(False).tag(sync=True)
    max_height = T.Unicode("70vh").tag(sync=True)
    row_actions = T.List(T.Unicode()).tag(sync=True)
    action_texts = T.Dict().tag(sync=True)
    selection = T.Dict().tag(sync=True)

    def __init__(self, columns: Sequence[Column], rows: Iterable[Row | tuple[str, Sequence[str]]] = (), *,
                 label: str, language: str = lang.DEFAULT_LANGUAGE, on_edit: OnEdit | None = None,
                 add_label: str = "", add_button: str = "", add_column: str | None = None,
                 read_only: bool = False, row_actions: Sequence[str] = (), **kwargs: Any) -> None:
        if not columns:
            raise ValueError("a sheet needs at least one column")
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            raise ValueError(f"column names repeat: {names}")
        key = add_column or names[0]
        if key not in names:
            raise ValueError(f"add_column {key!r} is not one of the columns {names}")
        unknown = set(row_actions) - set(ACTIONS)
        if unknown:
            raise ValueError(f"no row action named {sorted(unknown)}; actions are {', '.join(ACTIONS)}")
        super().__init__(columns=[c.to_json() for c in columns], rows=_rows_json(rows),
                         texts=grid_texts(language), label=label, add_label=add_label, add_button=add_button,
                         add_column=key, read_only=read_only, row_actions=list(row_actions),
                         _library=grid_library(), **kwargs)
        self._columns = tuple(columns)
        self.language = language
        self.on_edit = on_edit
        self._last_seq: dict[str, int] = {}
        self.on_msg(self._on_msg)

    # ----------------------------------------------------------------------------------- the rows

    @property
    def data(self) -> list[Row]:
        """The rows as the grid has them now."""
        return [Row(str(r["id"]), tuple(str(c) for c in r["cells"]), str(r.get("name", "")),
                    None if r.get("actions") is None else tuple(r["actions"])) for r in self.rows]

    def set_rows(self, rows: Iterable[Row | tuple[str, Sequence[str]]]) -> None:
        """Show ``rows`` (the model's rows after a change made elsewhere)."""
        self.rows = _rows_json(rows)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Change the columns (e.g. when the choices of a reference column change)."""
        self._columns = tuple(columns)
        self.columns = [c.to_json() for c in columns]

    def _index(self, column: str) -> int:
        return [c.name for c in self._columns].index(column)

    def _label(self, column: str) -> str:
        for c in self._columns:
            if c.name == column:
                return c.label
        return column

    # ----------------------------------------------------------------------------------- messages

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.handle(content)

    def handle(self, content: Any) -> dict[str, Any] | None:
        """Apply one message from the browser; returns (and sends) the answer. Public for tests."""
        if not isinstance(content, dict) or content.get("op") not in OPS:
            return None
        op: Op = content["op"]
        seq, view = content.get("seq"), str(content.get("view", ""))
        if not isinstance(seq, int) or seq <= self._last_seq.get(view, 0):
            answer = self._answer(op, seq if isinstance(seq, int) else 0, (), lang.text(self.language,
                                                                                          "grid.out_of_order"))
            self.send(answer)
            return answer
        self._last_seq[view] = seq
        if self.read_only:
            answer = self._answer(op, seq, (), lang.text(self.language, "grid.read_only"))
            self.send(answer)
            return answer
        edit, early, note = self._edit(op, seq, content)
        refused: list[Refusal] = list(early)
        result: Result | None = None
        if edit.size or op in ("undo", "redo") or edit.row is not None:
            try:
                result = self.on_edit(edit) if self.on_edit is not None else None
            except Exception as exc:  # the model failed: nothing of this edit is shown as kept
                log.exception("grid edit %s failed", op)
                result = Result(refused=tuple(Refusal(ch.column, str(exc), row=ch.row) for ch in edit.changes)
                                + tuple(Refusal(col, str(exc), added=i) for i, values in enumerate(edit.added)
                                        for col in values))
        if result is not None:
            refused.extend(result.refused)
        before = len(self.rows)
        self._apply(edit, result)
        message = self._report(edit, refused, result, note, before)
        refused_value = None
        if op == "add" and any(r.added == 0 for r in refused) and edit.added:
            refused_value = edit.added[0].get(self.add_column)
        answer = self._answer(op, seq, refused, message, refused_value)
        self.send(answer)
        return answer

    def _answer(self, op: str, seq: int, refused: Iterable[Refusal], message: str,
                refused_value: str | None = None) -> dict[str, Any]:
        return {"op": "result", "for": op, "seq": seq, "message": message, "refused_value": refused_value,
                "refused": [{"row": r.row, "column": r.column, "message": r.message} for r in refused
                            if r.row is not None]}

    def _edit(self, op: Op, seq: int, content: dict[str, Any]) -> tuple[Edit, list[Refusal], str]:
        names = [c.name for c in self._columns]
        ids = {str(r["id"]) for r in self.rows}
        if op == "set":
            row, column, value = str(content.get("row")), str(content.get("column")), content.get("value")
            if row in ids and column in names and isinstance(value, str):
                return Edit(op, seq, changes=(Change(row, column, value),)), [], ""
            return Edit(op, seq), [], ""
        if op == "add":
            values = content.get("values")
            if not isinstance(values, dict):
                return Edit(op, seq), [], ""
            kept = {str(k): str(v) for k, v in values.items() if k in names and isinstance(v, str)}
            return Edit(op, seq, added=(kept,) if kept else ()), [], ""
        if op == "paste":
            return self._paste(seq, content.get("anchor"), content.get("block"))
        if op in ("remove", "move"):
            row, step = str(content.get("row")), content.get("step", 0) if op == "move" else 0
            if row in ids and (op == "remove" or step in (-1, 1)):
                return Edit(op, seq, row=row, step=int(step)), [], ""
        return Edit(op, seq), [], ""

    def _typed(self, column: str, value: str) -> str:
        """A pasted value as if typed: a choice's words (as people copy them) become its value."""
        for c in self._columns:
            if c.name == column and c.kind == "choice":
                for stored, words in c.choices:
                    if value.strip().casefold() in (stored.casefold(), words.strip().casefold()):
                        return stored
        return value

    def _paste(self, seq: int, anchor: Any, block: Any) -> tuple[Edit, list[Refusal], str]:
        """Where each value of a pasted block goes.

        A first row naming columns (by their labels or names) is a header: its columns say where each
        value goes and the rows update the row with the same key (``add_column``) or are added. Without
        a header the block lands from the clicked cell to the right and down, adding rows past the end;
        with no cell clicked, from the first column, matched by key like a block with a header.
        """
        if not isinstance(block, list):
            return Edit("paste", seq), [], ""
        grid = [[str(cell) for cell in row] for row in block if isinstance(row, list)]
        while grid and not any(cell.strip() for cell in grid[-1]):
            grid.pop()
        if not grid:
            return Edit("paste", seq), [], ""
        names = [c.name for c in self._columns]
        by_word = {}
        for c in self._columns:
            by_word[c.name.casefold()] = c.name
            by_word[c.label.strip().casefold()] = c.name
        head = [cell.strip().casefold() for cell in grid[0]]
        note = ""
        targets: list[str | None]
        if any(head) and all(not h or h in by_word for h in head):
            targets = [by_word[h] if h else None for h in head]
            return self._keyed(seq, targets, grid[1:])
        anchored = isinstance(anchor, dict) and anchor.get("column") in names
        first = names.index(anchor["column"]) if anchored else 0
        width = max(len(r) for r in grid)
        room = len(names) - first
        if width > room:
            note = lang.text(self.language, "grid.paste_too_wide", width=width, room=room)
        targets = [names[first + i] if first + i < len(names) else None for i in range(width)]
        order = [str(r["id"]) for r in self.rows]
        if not anchored or anchor.get("row") not in order:
            edit, refused, _ = self._keyed(seq, targets, grid)
            return edit, refused, note
        start = order.index(anchor["row"])
        changes: list[Change] = []
        added: list[dict[str, str]] = []
        for offset, cells in enumerate(grid):
            pairs = [(t, self._typed(t, v)) for t, v in zip(targets, cells, strict=False) if t is not None]
            if start + offset < len(order):
                changes.extend(Change(order[start + offset], t, v) for t, v in pairs)
            else:
                added.append(dict(pairs))
        return Edit("paste", seq, changes=tuple(changes), added=tuple(added)), [], note

    def _keyed(self, seq: int, targets: Sequence[str | None], grid: list[list[str]]) -> tuple[Edit, list[Refusal],
                                                                                             str]:
        key = self.add_column
        key_at = self._index(key)
        existing = {str(r["cells"][key_at]).strip().casefold(): str(r["id"]) for r in self.rows}
        changes: list[Change] = []
        added: list[dict[str, str]] = []
        for cells in grid:
            pairs = [(t, self._typed(t, v)) for t, v in zip(targets, cells, strict=False) if t is not None]
            values = dict(pairs)
            match = existing.get(values.get(key, "").strip().casefold()) if values.get(key, "").strip() else None
            if match is not None:
                changes.extend(Change(match, t, v) for t, v in pairs if t != key)
            else:
                added.append(values)
        return Edit("paste", seq, changes=tuple(changes), added=tuple(added)), [], ""

    def _apply(self, edit: Edit, result: Result | None) -> None:
        if result is not None and result.rows is not None:
            self.set_rows(result.rows)
            return
        refused = result.refused if result is not None else ()
        no = {(r.row, r.column) for r in refused if r.row is not None}
        rows = [dict(r, cells=list(r["cells"])) for r in self.rows]
        where = {str(r["id"]): r for r in rows}
        for ch in edit.changes:
            if (ch.row, ch.column) not in no and ch.row in where:
                where[ch.row]["cells"][self._index(ch.column)] = ch.value
        given = list(result.added_ids) if result is not None else []
        for i, values in enumerate(edit.added):
            refused_here = {r.column for r in refused if r.added == i}
            if self.add_column in refused_here:
                continue
            cells = [""] * len(self._columns)
            for column, value in values.items():
                if column not in refused_here:
                    cells[self._index(column)] = value
            row_id = given[i] if i < len(given) else self._fresh(where)
            where[row_id] = {"id": row_id, "cells": cells}
            rows.append(where[row_id])
        self.rows = rows

    @staticmethod
    def _fresh(taken: Mapping[str, Any]) -> str:
        while True:
            candidate = f"new-{secrets.token_hex(4)}"
            if candidate not in taken:
                return candidate

    def _report(self, edit: Edit, refused: Sequence[Refusal], result: Result | None, note: str, before: int) -> str:
        position = {str(r["id"]): n for n, r in enumerate(self.rows, start=1)}
        lines: list[str] = []
        if edit.op == "paste" and edit.size:
            accepted = edit.size - len(refused)
            key = "grid.paste_refused" if refused else "grid.paste_report"
            lines.append(lang.text(self.language, key, accepted=accepted, total=edit.size, refused=len(refused)))
        for r in refused:
            where = position.get(r.row, "?") if r.row is not None else before + 1 + (r.added or 0)
            if edit.op == "add":
                lines.append(r.message)
            else:
                lines.append(lang.text(self.language, "grid.refused_cell", row=where, column=self._label(r.column),
                                       message=r.message))
        if note:
            lines.append(note)
        if result is not None and result.message:
            lines.append(result.message)
        return "\n".join(lines)

