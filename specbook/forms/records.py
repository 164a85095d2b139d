"""Forms over one record at a time: a picker that chooses (adds, renames, removes) a row by name, and the
labelled inputs of the chosen row. The number of widgets is the same for 2 flows or 2,000."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W

from specbook import edits, lang
from specbook.definitions import CHOICES, TABLE
from specbook.forms.namebox import NameBox
from specbook.forms.widgets import LABEL_WIDTH, Bound, Form, Message, labelled, set_options
from specbook.model import reference_names
from specbook.session import Change, Session


class Picker(Form):
    """Chooses one row of a keyed table by its name; optionally adds, renames and removes rows."""

    def __init__(self, wb: Session, table: str, label: str, *, manage: bool = True) -> None:
        super().__init__(wb)
        self.table = table
        self.depends = frozenset({table})
        self.current: str | None = None
        self._told: str | None = None  # the row the listeners were last told about
        self._names: list[str] = []
        self.listeners: list[Callable[[], None]] = []
        self.message = Message()
        self.dropdown = W.Dropdown(options=[], layout=W.Layout(width="auto"))
        self.dropdown.observe(self._picked, names="value")
        name_label = lang.label(self.language, table, "name")
        # the typed name travels with the click that adds it (one message): nothing typed is lost or cut
        self.add_box = NameBox(label=self.text(f"forms.add_label.{table}"),
                               placeholder=f"{name_label} — {self.text('forms.new_placeholder')}",
                               button=self.text(f"forms.add_to.{table}", entity=""), width="30em",
                               on_submit=self._add)
        self.remove_button = W.Button(description=self.text("forms.remove"), icon="trash",
                                      layout=W.Layout(width="auto"))
        # the rename box commits on leaving it or on Enter, its text in that same message
        self.rename = Bound(self, NameBox(label=self.text("forms.rename"), label_width=LABEL_WIDTH),
                            read=lambda: self.current or "", write=self._rename, tables=(), at_once=True)
        self.remove_button.on_click(lambda _b: self._remove())
        if manage:
            self.dropdown.layout = W.Layout(flex="1 1 auto", width="auto")
            pick = W.HBox([self.dropdown, self.remove_button], layout=W.Layout(flex="1 1 auto"))
            rows: list[W.Widget] = [
                self.add_box,
                labelled(label, pick, self.message),
                W.VBox([self.rename.input, self.rename.message.widget]),
            ]
        else:
            rows = [labelled(label, self.dropdown, self.message)]
        self.widget = W.VBox(rows)
        self.refresh()
        self.listen()

    @property
    def row(self) -> int | None:
        return None if self.current is None else edits.find(self.wb.spec, self.table, (self.current,))

    def chosen_row(self) -> int:
        """The chosen row; an edit without one is refused with "choose first"."""
        row = self.row
        if row is None:
            raise edits.EditError("choose_first")
        return row

    def names(self) -> list[str]:
        return self.wb.spec.names(self.table)

    def _picked(self, change: dict[str, Any]) -> None:
        if self.busy:
            return
        self.current = change["new"] or None
        self.message.clear()
        self._tell()

    def _tell(self) -> None:
        self._told = self.current
        self.rename.refresh(force=True)
        for listener in self.listeners:
            listener()

    def _add(self, text: str) -> bool:
        """Adds a row named ``text`` (as typed in the name box); whether it was added."""
        name = text.strip()

        def add() -> None:
            edits.add_row(self.wb.spec, self.table, {"name": name})
            self.current = name

        return self.edit(add, self.table, message=self.message, at_once=True)

    def _rename(self, text: Any) -> None:
        row = self.row
        if row is None:
            return
        new = edits.parse(self.wb.spec, self.table, "name", text)
        edits.set_value(self.wb.spec, self.table, row, "name", new)
        self.current = new

    def _remove(self) -> None:
        row = self.row
        if row is None:
            self.message.show(self.text("forms.errors.choose_first"))
            return

        def remove() -> None:
            edits.remove_row(self.wb.spec, self.table, row)
            self.current = None

        self.edit(remove, message=self.message, at_once=True)

    def refresh(self) -> None:
        names = self.names()
        if self.current not in names:
            before = self._names
            if len(before) == len(names) and self.current in before:  # renamed: follow it
                self.current = names[before.index(self.current)]
            else:
                self.current = names[0] if names else None
        self._names = names
        with self.quiet():
            if names:
                set_options(self.dropdown, [(n, n) for n in names], self.current)
            else:
                self.dropdown.options = []
        if self.current != self._told or not self.rename.input.value:
            self._tell()
        else:
            self.rename.refresh()


def input_for(language: str, table: str, column: str, *, multiline: bool = False) -> W.ValueWidget:
    """The input widget for one column: a list to choose from, a tag box, a text line or a text area."""
    col = TABLE[table].column(column)
    help_text = lang.help_text(language, table, column)
    if col.kind in ("choice", "ref"):
        return W.Dropdown(options=[("—", "")], value="", tooltip=help_text)
    if col.kind == "list":
        return W.TagsInput(value=[], allowed_tags=[], allow_duplicates=False, tooltip=help_text)
    if multiline:
        return W.Textarea(placeholder=help_text, rows=2, tooltip=help_text)
    return W.Text(placeholder=help_text, tooltip=help_text)


class RecordFields(Form):
    """Labelled inputs for some columns of the chosen row of a table. ``read(column)`` gives the model value;
    ``write(column, value)`` stores a parsed value; ``entity()`` scopes field references."""

    def __init__(self, wb: Session, table: str, columns: Sequence[str], *,
                 read: Callable[[str], Any], write: Callable[[str, Any], None],
                 enabled: Callable[[], bool], entity: Callable[[], str] = lambda: "",
                 multiline: Sequence[str] = (), depends: Sequence[str] = ()) -> None:
        super().__init__(wb)
        self.table = table
        self.enabled = enabled
        self.entity = entity
        self._read = read
        refs = {TABLE[table].column(c).ref for c in columns} - {None}
        self.depends = frozenset({table, *depends, *(r for ref in refs for r in (ref or "").split("+"))})
        self.fields: dict[str, Bound] = {}
        rows = []
        for column in columns:
            widget = input_for(self.language, table, column, multiline=column in multiline)
            bound = Bound(self, widget, read=self._reader(column), write=self._writer(column, write),
                          tables=(table,))
            self.fields[column] = bound
            rows.append(labelled(lang.label(self.language, table, column), widget, bound.message,
                                 lang.help_text(self.language, table, column)))
        self.widget = W.VBox(rows)
        self.refresh(force=True)
        self.listen()

    def _on_change(self, change: Change) -> None:
        if change.touches(self.depends):
            self.refresh(force=change.everything)

    def _reader(self, column: str) -> Callable[[], Any]:
        return lambda: self._shown(column)

    def _writer(self, column: str, write: Callable[[str, Any], None]) -> Callable[[Any], None]:
        return lambda value: write(column, self._parse(column, value))

    def _parse(self, column: str, value: Any) -> Any:
        return edits.parse(self.wb.spec, self.table, column, value, entity=self.entity())

    def _shown(self, column: str) -> Any:
        col = TABLE[self.table].column(column)
        value = self._read(column)
        if col.kind in ("choice", "ref"):
            return value or ""
        if col.kind == "list":
            return list(value or [])
        return edits.display(self.language, self.table, column, value)

    def _options(self, column: str) -> list[tuple[str, str]]:
        col = TABLE[self.table].column(column)
        if col.kind == "choice" and col.choices:
            return [("—", ""), *((lang.choice(self.language, col.choices, v), v) for v in CHOICES[col.choices])]
        names = reference_names(self.wb.spec, col.ref or "", self.entity())
        return [("—", ""), *((n, n) for n in dict.fromkeys(names))]

    def refresh(self, force: bool = False) -> None:
        on = self.enabled()
        with self.quiet():
            for column, bound in self.fields.items():
                col = TABLE[self.table].column(column)
                widget = bound.input
                widget.disabled = not on
                if isinstance(widget, W.Dropdown):
                    set_options(widget, self._options(column), self._shown(column) if on else "")
                elif isinstance(widget, W.TagsInput):
                    widget.allowed_tags = reference_names(self.wb.spec, col.ref or "", self.entity())
        for bound in self.fields.values():
            if on:
                bound.refresh(force=force)
            else:
                with self.quiet():
                    bound.input.value = [] if isinstance(bound.input, W.TagsInput) else ""
                bound.message.clear()
