"""The edits forms make to the spec model, without any widget.

A form turns what a person typed into a model value (:func:`parse`), writes it (:func:`set_value`,
:func:`add_row`, :func:`remove_row`, …) and tells the workbook. Every function here either changes the model
consistently — a renamed system is renamed in every flow, ownership row, status mapping, step and "to be
confirmed" mark — or raises :class:`EditError` and leaves the model as it was. The error carries a key of the
language tables (``forms.errors.*``), so the form can say what is wrong in the spec's language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from specbook import lang, values
from specbook.address import Address
from specbook.checks import describe_location
from specbook.definitions import (
    CHILDREN,
    CHOICES,
    SCALARS,
    TABLE,
    TABLES,
    Column,
    Table,
)
from specbook.model import (
    Spec,
    empty_value,
    location,
    make_table,
    reference_names,
    row_addresses,
    row_key,
    status_columns,
    table_records,
)

# Things a name can identify. A table name stands for the names of its rows; "fields" and "statuses" are
# named within one entity (their ``scope``).
SCOPED = frozenset({"fields", "statuses"})
_OWN_COLUMN = {"fields": ("fields", "name"), "statuses": ("statuses", "status")}
_MAX_PLACES = 8


class EditError(ValueError):
    """An edit that was not made. ``message(language)`` says why, in words for the person who typed it."""

    def __init__(self, key: str, /, **values: Any) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values

    def message(self, language: str) -> str:
        values = {k: _words(language, v) for k, v in self.values.items()}
        return lang.text(language, f"forms.errors.{self.key}", **values)


def _words(language: str, value: Any) -> Any:
    """Lists become «a», «b»; a list of locations becomes readable places."""
    if isinstance(value, _Places):
        shown = [describe_location(language, loc) for loc in value.locations[:_MAX_PLACES]]
        if len(value.locations) > _MAX_PLACES:
            shown.append(lang.text(language, "forms.errors.more", n=len(value.locations) - _MAX_PLACES))
        return "; ".join(shown)
    if isinstance(value, _Choices):
        return ", ".join(f"«{w}»" for w in value.words(language))
    if isinstance(value, _Label):
        return lang.label(language, value.table, value.column)
    return value


@dataclasses.dataclass(frozen=True)
class _Places:
    locations: list[str]


@dataclasses.dataclass(frozen=True)
class _Choices:
    choices: str | None = None
    names: tuple[str, ...] = ()

    def words(self, language: str) -> list[str]:
        if self.choices is not None:
            return [lang.choice(language, self.choices, v) for v in CHOICES[self.choices]]
        return list(self.names)


@dataclasses.dataclass(frozen=True)
class _Label:
    table: str
    column: str


# --------------------------------------------------------------------------- showing and reading one value


def yes_no(language: str) -> tuple[str, str]:
    return values.yes_no(language)


def display(language: str, table: str, column: str, value: Any) -> str:
    """The text a form shows for a model value: choice words, yes/no, numbers as digits, lists joined."""
    col = TABLE[table].column(column)
    return values.kind(col.kind).display(value, language, choices=col.choices)


def options(spec: Spec, table: str, column: str, entity: str = "") -> list[str] | None:
    """The words a person may choose from for a column (a blank first where an answer may be empty),
    or None for free text."""
    t = TABLE[table]
    col = t.column(column)
    if col.kind == "bool":
        return list(yes_no(spec.language))
    if col.kind == "choice" and col.choices:
        return ["", *(lang.choice(spec.language, col.choices, v) for v in CHOICES[col.choices])]
    link = t.parent[1] if t.parent else None
    if col.kind == "ref" and col.ref and column != link:
        return ["", *dict.fromkeys(reference_names(spec, col.ref, entity))]
    return None


def parse(spec: Spec, table: str, column: str, text: Any, *, entity: str = "") -> Any:
    """The model value for what a person typed into a column, or :class:`EditError`."""
    col = TABLE[table].column(column)
    return parse_value(spec, col, text, table=table, entity=entity)


def parse_value(spec: Spec, col: Column, text: Any, *, table: str, entity: str = "") -> Any:
    """What ``text`` means in column ``col``, by the column kind's converter, references checked against
    what is declared."""
    try:
        value = values.kind(col.kind).from_text(text, language=spec.language, choices=col.choices)
    except values.Refused as refused:
        raise _edit_error(refused, col, table) from None
    if col.kind == "list" and col.ref:
        known = reference_names(spec, col.ref, entity)
        for v in value:
            if v not in known:
                raise EditError("not_field", value=v, entity=entity)
    elif col.kind == "ref" and not value and not col.optional:
        raise EditError("empty", label=_Label(table, col.name))
    elif col.kind == "ref" and col.ref and value:
        names = reference_names(spec, col.ref, entity)
        if value not in names:
            raise EditError("not_declared", value=value, choices=_Choices(names=tuple(dict.fromkeys(names))))
    return value


def _edit_error(refused: values.Refused, col: Column, table: str) -> EditError:
    shown = refused.details.get("value", "")
    if refused.reason == "empty":
        return EditError("empty", label=_Label(table, col.name))
    if refused.reason == "too_big":
        return EditError("too_big", value=shown, limit=refused.details["limit"])
    if refused.reason == "not_int":
        return EditError("not_minutes" if col.name.endswith("_minutes") else "not_number", value=shown)
    if refused.reason == "not_bool":
        return EditError("not_yes_no", value=shown)
    return EditError("not_choice", value=shown, choices=_Choices(col.choices))


def set_scalar(spec: Spec, key: str, text: Any) -> None:
    """Store one answer of the project or the goal (``goal.primary``, ``project.name``, …)."""
    scalar = next((s for s in SCALARS if f"{s.group}.{s.name}" == key), None)
    if scalar is None:
        raise KeyError(f"No answer named {key!r}; answers are: {', '.join(f'{s.group}.{s.name}' for s in SCALARS)}")
    try:
        value = values.kind(scalar.kind).from_text(text, language=spec.language, choices=scalar.choices)
    except values.Refused:
        raise EditError("not_choice", value=text, choices=_Choices(scalar.choices)) from None
    spec.set_scalar(key, value)


# --------------------------------------------------------------------------- rows


def _frame(spec: Spec, table: str, rows: list[dict[str, Any]]) -> None:
    spec[table] = make_table(table, rows)


def _row_entity(spec: Spec, table: str, row: int) -> str:
    df = spec[table]
    return str(df["entity"].iat[row]) if "entity" in df.columns else ""


def _check_new_name(spec: Spec, table: Table, values: Mapping[str, Any], row: int | None = None) -> None:
    """A keyed table's name must not be empty and must be unique (within its parent, for fields)."""
    if not table.key:
        return
    df = spec[table.name]
    records = table_records(df)
    for col in table.key:
        if table.column(col).kind == "name" and not str(values.get(col, "")).strip():
            raise EditError("empty", label=_Label(table.name, col))
    key = tuple(str(values.get(k, "")) for k in table.key)
    for i, r in enumerate(records):
        if i != row and row_key(table, r) == key:
            raise EditError("duplicate", value=" / ".join(k for k in key if k))


def add_row(spec: Spec, table: str, values: Mapping[str, Any]) -> int:
    """Append a row (its name checked: not empty, not taken); returns its position."""
    t = TABLE[table]
    record = {c.name: values.get(c.name, empty_value(t, c.name)) for c in t.columns}
    for col in t.columns:
        if col.kind == "name":
            record[col.name] = str(record[col.name]).strip()
    _check_new_name(spec, t, record)
    rows = table_records(spec[table])
    rows.append(record)
    _frame(spec, table, rows)
    return len(rows) - 1


def set_value(spec: Spec, table: str, row: int, column: str, value: Any) -> None:
    """Write one typed value. Renaming a row renames every reference to it."""
    t = TABLE[table]
    df = spec[table]
    old = df[column].iat[row]
    old = None if old is pd.NA else old
    if old == value:
        return
    if column in t.key and t.column(column).kind == "name":
        scope = _row_entity(spec, table, row) if table in SCOPED else ""
        kind = _kind_of(table)
        if kind is not None:
            rename(spec, kind, str(old), str(value), scope=scope)
            return
        record = table_records(df)[row]
        record[column] = value
        _check_new_name(spec, t, record, row)
        _rewrite_marks(spec, table, str(old), str(value), "")
    elif column in t.key or (t.parent is not None and column == t.parent[1]):
        record = table_records(df)[row]
        if t.parent is not None and column == t.parent[1]:
            _check_move(spec, t, record)
        record[column] = value
        _check_new_name(spec, t, record, row)
    _assign(spec, table, row, column, value)


def _check_move(spec: Spec, table: Table, record: Mapping[str, Any]) -> None:
    """A row that moves to another parent (a field to another entity) leaves its old name behind: refused,
    like a removal, while anything refers to it there."""
    kind = _kind_of(table.name)
    if kind is None or table.parent is None:
        return
    places = usages(spec, kind, str(record["name"]), scope=str(record[table.parent[1]]))
    if places:
        raise EditError("in_use", name=record["name"], places=_Places(places))


def _assign(spec: Spec, table: str, row: int, column: str, value: Any, *, fresh: bool = False) -> None:
    # Tables are replaced, never changed in place, so that a Change can keep the frames it replaced
    # (``fresh``: the caller has already put a copy of its own in place).
    if not fresh:
        spec[table] = spec[table].copy()
    df = spec[table]
    kind = TABLE[table].column(column).kind
    if kind == "list":
        cells: list[Any] = df[column].tolist()
        cells[row] = list(value)
        df[column] = pd.Series(cells, index=df.index, dtype="object")
    elif kind == "int":
        df.at[df.index[row], column] = pd.NA if value is None else int(value)
    elif kind == "bool":
        df.at[df.index[row], column] = bool(value)
    else:
        df.at[df.index[row], column] = str(value)


def _kind_of(table: str) -> str | None:
    """The thing a keyed table's name column names, if others refer to it."""
    return table if table in ("systems", "entities", "fields", "flows", "indicators", "scenarios") else None


# --------------------------------------------------------------------------- references


def _ref_matches(ref: str | None, kind: str) -> bool:
    return ref == kind or (ref == "flows+indicators" and kind in ("flows", "indicators"))


def _referring_cells(spec: Spec, kind: str, name: str, scope: str) -> Iterator[tuple[str, int, str]]:
    """``(table, row, column)`` of every cell that refers to ``name`` (in ``scope`` for fields)."""
    for t in TABLES:
        for col in t.columns:
            if not _ref_matches(col.ref, kind):
                continue
            df = spec[t.name]
            entities = df["entity"].tolist() if kind in SCOPED else None
            for i, cell in enumerate(df[col.name].tolist()):
                if entities is not None and entities[i] != scope:
                    continue
                if (col.kind == "list" and name in cell) or cell == name:
                    yield t.name, i, col.name
    if kind == "fields":
        yield from _mapping_cells(spec, name, scope)


def _mapping_cells(spec: Spec, name: str, entity: str) -> Iterator[tuple[str, int, str]]:
    """The cells of flows' mappings that name field ``name`` of ``entity`` (the flow gives the entity)."""
    flows = spec["flows"]
    carrying = {f for f, e in zip(flows["name"].tolist(), flows["entity"].tolist(), strict=True) if e == entity}
    df = spec["mappings"]
    for column in ("field", "target_field"):
        for i, (flow, cell) in enumerate(zip(df["flow"].tolist(), df[column].tolist(), strict=True)):
            if cell == name and flow in carrying:
                yield "mappings", i, column


def _own_rows(spec: Spec, kind: str, name: str, scope: str) -> tuple[str, str, list[int]]:
    table, column = _OWN_COLUMN.get(kind, (kind, "name"))
    df = spec[table]
    names = df[column].tolist()
    entities = df["entity"].tolist() if kind in SCOPED else None
    rows = [i for i, n in enumerate(names) if n == name and (entities is None or entities[i] == scope)]
    return table, column, rows


def rename(spec: Spec, kind: str, old: str, new: str, *, scope: str = "") -> None:
    """Rename a system, entity, field (of entity ``scope``), flow, indicator, scenario or status (of entity
    ``scope``) everywhere it is named, "to be confirmed" marks included."""
    new = new.strip()
    table, column, rows = _own_rows(spec, kind, old, scope)
    if not new:
        raise EditError("empty", label=_Label(table, column))
    if new == old:
        return
    if kind == "statuses":
        if new in spec["statuses"].loc[spec["statuses"]["entity"] == scope, "status"].tolist():
            raise EditError("duplicate", value=new)
    else:
        taken = _own_rows(spec, kind, new, scope)[2]
        if taken:
            raise EditError("duplicate", value=new)
    cells = list(_referring_cells(spec, kind, old, scope))
    for t in {table, *(t for t, _, _ in cells)}:
        spec[t] = spec[t].copy()
    for t, i, col in cells:
        df = spec[t]
        if TABLE[t].column(col).kind == "list":
            cell = [new if v == old else v for v in df[col].tolist()[i]]
            _assign(spec, t, i, col, cell, fresh=True)
        else:
            _assign(spec, t, i, col, new, fresh=True)
    for i in rows:
        _assign(spec, table, i, column, new, fresh=True)
    _rewrite_marks(spec, kind, old, new, scope)


def usages(spec: Spec, kind: str, name: str, *, scope: str = "") -> list[str]:
    """Where ``name`` is referred to, outside its own rows and their children, as readable locations."""
    children = {c.name for c in CHILDREN.get(kind, ())}
    if kind == "fields":
        children.add("system_fields")  # a field's names in each system describe the field itself
    out: list[str] = []
    for t, i, col in _referring_cells(spec, kind, name, scope):
        if t in children:
            continue
        out.append(_cell_location(spec, t, i, col))
    return list(dict.fromkeys(out))


def _cell_location(spec: Spec, table: str, row: int, column: str) -> str:
    t = TABLE[table]
    records = table_records(spec[table])
    record = records[row]
    if table == "ownership":
        return location(table, tuple(k for k in (record["entity"], record["field"]) if k))
    if table == "statuses":
        return location(table, (record["entity"], record["status"]))
    return location(table, row_addresses(t, records)[row], column)


def remove_row(spec: Spec, table: str, row: int) -> None:
    """Remove one row with its children (an entity's fields, a scenario's steps) and its "to be confirmed"
    marks. Refused (:class:`EditError` listing the places) while anything else still refers to it."""
    t = TABLE[table]
    records = table_records(spec[table])
    record = records[row]
    kind = _kind_of(table)
    if kind is not None:
        scope = str(record.get("entity", "")) if kind in SCOPED else ""
        places = usages(spec, kind, str(record["name"]), scope=scope)
        if places:
            raise EditError("in_use", name=record["name"], places=_Places(places))
        for child in CHILDREN.get(table, ()):
            assert child.parent is not None
            link = child.parent[1]
            _frame(spec, child.name, [r for r in table_records(spec[child.name]) if r[link] != record["name"]])
        if kind == "fields":
            _frame(spec, "system_fields", [r for r in table_records(spec["system_fields"])
                                           if (r["entity"], r["field"]) != (scope, record["name"])])
        _drop_marks(spec, kind, str(record["name"]), scope)
    elif t.key:
        _drop_marks(spec, table, str(record[t.key[0]]), "")
    _frame(spec, table, records[:row] + records[row + 1:])


def move_row(spec: Spec, table: str, row: int, step: int) -> int:
    """Swap a row with the previous (``step=-1``) or next (``+1``) row of the same parent; returns its new
    position (unchanged at either end)."""
    t = TABLE[table]
    records = table_records(spec[table])
    link = t.parent[1] if t.parent else None
    peers = [i for i, r in enumerate(records) if link is None or r[link] == records[row][link]]
    at = peers.index(row)
    if not 0 <= at + step < len(peers):
        return row
    other = peers[at + step]
    records[row], records[other] = records[other], records[row]
    _frame(spec, table, records)
    return other


# --------------------------------------------------------------------------- the two pivoted tables


def set_role(spec: Spec, entity: str, field: str, system: str, role: str) -> None:
    """The role of ``system`` for an entity (or one of its fields); an empty role removes it."""
    rows = table_records(spec["ownership"])
    at = next((i for i, r in enumerate(rows)
               if (r["entity"], r["field"], r["system"]) == (entity, field, system)), None)
    if at is None and role:
        rows.append({"entity": entity, "field": field, "system": system, "role": role})
    elif at is not None and role:
        rows[at]["role"] = role
    elif at is not None:
        del rows[at]
    _frame(spec, "ownership", rows)


def remove_field_roles(spec: Spec, entity: str, field: str) -> None:
    _frame(spec, "ownership", [r for r in table_records(spec["ownership"])
                               if (r["entity"], r["field"]) != (entity, field)])


def statuses_of(spec: Spec, entity: str) -> list[str]:
    df = spec["statuses"]
    return list(dict.fromkeys(df.loc[df["entity"] == entity, "status"].tolist()))


def add_status(spec: Spec, entity: str, status: str) -> None:
    """A new business status of ``entity``, to be mapped in the systems that hold the entity."""
    status = status.strip()
    if not status:
        raise EditError("empty", label=_Label("statuses", "status"))
    if status in statuses_of(spec, entity):
        raise EditError("duplicate", value=status)
    rows = table_records(spec["statuses"])
    systems = status_columns(spec, entity)
    if not systems:
        raise EditError("status_no_holder", entity=entity)
    rows.extend({"entity": entity, "status": status, "system": s, "value": ""} for s in systems)
    _frame(spec, "statuses", rows)


def set_status_value(spec: Spec, entity: str, status: str, system: str, value: str) -> None:
    rows = table_records(spec["statuses"])
    at = next((i for i, r in enumerate(rows)
               if (r["entity"], r["status"], r["system"]) == (entity, status, system)), None)
    if at is None:
        if not value.strip():
            return
        mine = [i for i, r in enumerate(rows) if (r["entity"], r["status"]) == (entity, status)]
        rows.insert(mine[-1] + 1 if mine else len(rows),
                    {"entity": entity, "status": status, "system": system, "value": value})
    else:
        rows[at]["value"] = value
    _frame(spec, "statuses", rows)


def remove_status(spec: Spec, entity: str, status: str) -> None:
    _frame(spec, "statuses", [r for r in table_records(spec["statuses"])
                              if (r["entity"], r["status"]) != (entity, status)])
    _drop_marks(spec, "statuses", status, entity)


def set_duplicate_rule(spec: Spec, entity: str, column: str, value: Any) -> None:
    """One answer of the duplicates rule of ``entity``; the rule is created on its first answer."""
    rows = table_records(spec["duplicates"])
    at = next((i for i, r in enumerate(rows) if r["entity"] == entity), None)
    if at is None:
        rows.append({"entity": entity, column: value})
    else:
        rows[at][column] = value
    _frame(spec, "duplicates", rows)


def remove_duplicate_rule(spec: Spec, entity: str) -> None:
    _frame(spec, "duplicates", [r for r in table_records(spec["duplicates"]) if r["entity"] != entity])
    _drop_marks(spec, "duplicates", entity, "")


# --------------------------------------------------------------------------- "to be confirmed" marks


def mark(spec: Spec, where: str, who: str) -> None:
    """Mark the answer at ``where`` (a :func:`specbook.model.location`) as to be confirmed by ``who``."""
    if not who.strip():
        raise EditError("who_missing")
    rows = table_records(spec["open_points"])
    at = next((i for i, r in enumerate(rows) if r["location"] == where), None)
    if at is None:
        rows.append({"location": where, "who": who.strip(), "note": ""})
    else:
        rows[at]["who"] = who.strip()
    _frame(spec, "open_points", rows)


def unmark(spec: Spec, where: str) -> None:
    _frame(spec, "open_points", [r for r in table_records(spec["open_points"]) if r["location"] != where])


def _key_identities(table: Table) -> list[tuple[str | None, int | None]]:
    """For each part of a location key of ``table``: what it names, and which part holds its entity."""
    if not table.key:
        return [(table.parent[0], None), (None, None)] if table.parent else []
    entity_at = table.key.index("entity") if "entity" in table.key else None
    out: list[tuple[str | None, int | None]] = []
    for k in table.key:
        col = table.column(k)
        what = table.name if col.kind == "name" else col.ref
        out.append((what, entity_at if what in SCOPED else None))
    return out


def _mentions(where: str, kind: str, name: str, scope: str) -> list[int]:
    """The key parts of the address ``where`` that name ``name`` (of entity ``scope``, for scoped kinds)."""
    address = Address.parse(where)
    if address is None or address.table not in TABLE:
        return []
    parts = address.key
    hits = []
    for i, (what, entity_at) in enumerate(_key_identities(TABLE[address.table])):
        if i >= len(parts) or not _ref_matches(what, kind) or parts[i] != name:
            continue
        if entity_at is not None and (entity_at >= len(parts) or parts[entity_at] != scope):
            continue
        hits.append(i)
    return hits


def _rewrite_marks(spec: Spec, kind: str, old: str, new: str, scope: str) -> None:
    df = spec["open_points"]
    fresh = False
    for i, where in enumerate(df["location"].tolist()):
        hits = _mentions(where, kind, old, scope)
        if not hits:
            continue
        address = Address.parse(where)
        assert address is not None
        for at in hits:
            address = address.with_part(at, new)
        _assign(spec, "open_points", i, "location", str(address), fresh=fresh)
        fresh = True


def _drop_marks(spec: Spec, kind: str, name: str, scope: str) -> None:
    rows = table_records(spec["open_points"])
    _frame(spec, "open_points", [r for r in rows if not _mentions(r["location"], kind, name, scope)])


def row_location(spec: Spec, table: str, row: int, column: str | None = None) -> str:
    """The location of a row (or one of its cells), as checks and marks write it."""
    t = TABLE[table]
    record = table_records(spec[table])[row]
    if t.key:
        return location(table, row_key(t, record), column)
    return _cell_location(spec, table, row, column or "")


def positions(spec: Spec, table: str, where: Mapping[str, str] | None = None) -> list[int]:
    """Rows of ``table`` (those whose columns equal ``where``), in order."""
    df = spec[table]
    if not where:
        return list(range(len(df)))
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    return [i for i, hit in enumerate(mask.tolist()) if hit]


def find(spec: Spec, table: str, key: Sequence[str]) -> int | None:
    """Position of the row whose key is ``key``."""
    df, wanted = spec[table], tuple(key)
    keys = zip(*(df[k].tolist() for k in TABLE[table].key), strict=True)  # only the key columns, not every row
    return next((i for i, k in enumerate(keys) if tuple(map(str, k)) == wanted), None)


# --------------------------------------------------------------------------- edits that can be undone


@dataclasses.dataclass(frozen=True)
class Change:
    """What one edit did to a spec: the tables and answers it changed, before and after. :meth:`undo` puts
    the spec back as it was before the edit, :meth:`redo` as it was after; :attr:`tables` says which tables a
    view has to redraw (``"project"``/``"goal"`` stand for those answers)."""

    before: Mapping[str, Any]
    after: Mapping[str, Any]

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.after)

    def __bool__(self) -> bool:
        return bool(self.after)

    def undo(self, spec: Spec) -> None:
        _restore(spec, self.before)

    def redo(self, spec: Spec) -> None:
        _restore(spec, self.after)


_GROUPS = ("project", "goal")


def _state(spec: Spec) -> dict[str, Any]:
    """The tables (the frames themselves: the edits here replace a table, never change it in place) and
    copies of the project and goal answers."""
    state: dict[str, Any] = dict(spec.tables)
    state.update({g: dataclasses.replace(getattr(spec, g)) for g in _GROUPS})
    return state


def _restore(spec: Spec, state: Mapping[str, Any]) -> None:
    for name, value in state.items():
        if name in _GROUPS:
            setattr(spec, name, dataclasses.replace(value))
        else:
            spec[name] = value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame):
        return a is b or (bool(a.equals(b)) and list(a.columns) == list(b.columns))
    return bool(a == b)


def recorded(spec: Spec, edit: Callable[[], Any]) -> tuple[Any, Change]:
    """Run ``edit`` (any of the functions here, bound to its arguments) and return its result with the
    :class:`Change` it made. A refused edit raises :class:`EditError` and changes nothing. Code that changes
    a table in place (``df.at[...] = ...``) instead of through this module is not seen by the change."""
    before = _state(spec)
    try:
        result = edit()
    except EditError:
        _restore(spec, before)  # an edit refused half-way (a paste, say) leaves nothing behind
        raise
    after = _state(spec)
    changed = [name for name in after if not _same(before[name], after[name])]
    return result, Change({n: before[n] for n in changed}, {n: after[n] for n in changed})


def set_cell(spec: Spec, table: str, row: int, column: str, text: Any) -> Change:
    """What a person typed into one cell, converted and validated as a form does (:func:`parse`), then
    written (:func:`set_value`: a renamed row is renamed everywhere). Raises :class:`EditError`."""
    entity = _row_entity(spec, table, row) if column != "entity" else ""
    value = parse(spec, table, column, text, entity=entity)
    return recorded(spec, lambda: set_value(spec, table, row, column, value))[1]


@dataclasses.dataclass(frozen=True)
class Refusal:
    """One pasted value that was not taken: its place in the pasted block, what was typed and why."""

    row: int  # row of the pasted block, from 0
    column: str
    text: str
    error: EditError

    def message(self, language: str) -> str:
        return self.error.message(language)


@dataclasses.dataclass(frozen=True)
class Pasted:
    """The outcome of :func:`paste`: one :class:`Change` for all of it (undone in one step), the positions
    of the rows written (in the whole table) and every value refused."""

    change: Change
    rows: tuple[int, ...]
    refused: tuple[Refusal, ...]


def paste(spec: Spec, table: str, columns: Sequence[str], block: Sequence[Sequence[Any]], *, start: int = 0,
          where: Mapping[str, str] | None = None) -> Pasted:
    """Write a pasted block of text: row ``i`` of the block goes to row ``start + i`` of the rows that match
    ``where`` (all rows without it), column ``j`` to ``columns[j]``; rows past the last one are added (with
    ``where``'s values, e.g. the entity of a fields grid). Each value is converted and validated as if typed
    into its cell; a refused value is reported and that cell left as it was, a new row whose name is refused
    is not added. Values beyond ``columns`` are ignored."""
    t = TABLE[table]
    for c in columns:
        t.column(c)  # an unknown column is a programming error, not a refusal
    refused: list[Refusal] = []
    written: list[int] = []
    fixed = dict(where or {})

    def apply() -> None:
        for i, cells in enumerate(block):
            typed = dict(zip(columns, cells, strict=False))
            view = positions(spec, table, fixed)
            if start + i < len(view):
                row = view[start + i]
                for column, text in typed.items():
                    if column in fixed:
                        continue
                    try:
                        set_value(spec, table, row, column,
                                  parse(spec, table, column, text, entity=fixed.get("entity")
                                        or _row_entity(spec, table, row)))
                    except EditError as error:
                        refused.append(Refusal(i, column, str(text), error))
                written.append(row)
            else:
                added = _paste_row(spec, t, typed, fixed, i, refused)
                if added is not None:
                    written.append(added)

    _, change = recorded(spec, apply)
    return Pasted(change, tuple(written), tuple(refused))


def _paste_row(spec: Spec, t: Table, typed: Mapping[str, Any], fixed: Mapping[str, str], i: int,
               refused: list[Refusal]) -> int | None:
    if not any(str(v).strip() for v in typed.values()):
        return None  # a blank line of the pasted block
    record: dict[str, Any] = dict(fixed)
    entity = str(fixed.get("entity", typed.get("entity", "")))
    ok = True
    for column, text in typed.items():
        if column in fixed:
            continue
        try:
            record[column] = parse(spec, t.name, column, text, entity=entity)
        except EditError as error:
            refused.append(Refusal(i, column, str(text), error))
            ok = ok and not (column in t.key and t.column(column).kind == "name")
    if not ok or not any(str(v).strip() for v in record.values() if not isinstance(v, bool | list)):
        return None
    try:
        return add_row(spec, t.name, record)
    except EditError as error:
        name = next((c for c in t.key if t.column(c).kind == "name"), next(iter(typed), ""))
        refused.append(Refusal(i, name, str(typed.get(name, "")), error))
        return None


class History:
    """Undo and redo over a spec's edits: :meth:`do` runs an edit and keeps its :class:`Change`, :meth:`undo`
    and :meth:`redo` step back and forth and return the change they applied (None when there is none).
    A new edit after an undo drops what could have been redone."""

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self._done: list[Change] = []
        self._undone: list[Change] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def keep(self, change: Change) -> Change:
        """Keep a change already made (by :func:`set_cell` or :func:`paste`) so that it can be undone."""
        if change:
            self._done.append(change)
            del self._done[: -self.limit]
            self._undone.clear()
        return change

    def do(self, spec: Spec, edit: Callable[[], Any]) -> Any:
        """Run ``edit`` (see :func:`recorded`) and keep its change; returns the edit's result."""
        result, change = recorded(spec, edit)
        self.keep(change)
        return result

    def undo(self, spec: Spec) -> Change | None:
        if not self._done:
            return None
        change = self._done.pop()
        change.undo(spec)
        self._undone.append(change)
        return change

    def redo(self, spec: Spec) -> Change | None:
        if not self._undone:
            return None
        change = self._undone.pop()
        change.redo(spec)
        self._done.append(change)
        return change
