"""The spec model: typed scalars and one pandas DataFrame per table of ``definitions.TABLES``.

The model imports no widget, no notebook machinery and no file format: forms, checks, storage and
export all work on a :class:`Spec`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from specbook.address import Address
from specbook.definitions import SCHEMA_VERSION, TABLE, TABLES, TRIGGER_PERIOD_MINUTES, Table
from specbook.lang import DEFAULT_LANGUAGE, LANGUAGES, UnknownLanguageError


@dataclass
class Project:
    name: str = ""
    customer: str = ""
    contractor: str = ""
    version: str = ""
    date: str = ""


@dataclass
class Goal:
    primary: str = ""
    other: str = ""
    problem: str = ""


def empty_value(table: Table, column: str) -> Any:
    kind = table.column(column).kind
    return {"int": None, "bool": False, "list": []}.get(kind, "")


def make_table(name: str, rows: Iterable[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """A DataFrame of table ``name`` with its declared columns and dtypes; missing cells get empty values."""
    table = TABLE[name]
    rows = list(rows)
    data: dict[str, Any] = {}
    for col in table.columns:
        blank = empty_value(table, col.name)
        values = [r.get(col.name, blank) for r in rows]
        if col.kind == "list":
            values = [list(v) for v in values]
            data[col.name] = pd.Series(values, dtype="object")
        elif col.kind == "int":
            data[col.name] = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        elif col.kind == "bool":
            data[col.name] = pd.array([bool(v) for v in values], dtype="bool")
        else:
            data[col.name] = pd.array(["" if v is None else str(v) for v in values], dtype="str")
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def table_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a model table as plain Python values (``None`` for an empty number)."""
    columns = [str(c) for c in df.columns]
    values = []
    for c in columns:
        column = df[c].tolist()
        if str(df[c].dtype) == "Int64":  # nullable whole numbers give pd.NA for an empty cell
            column = [None if v is pd.NA else v for v in column]
        values.append(column)
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


@dataclass(eq=False)
class Spec:
    """One integration spec: its language, project and goal scalars, and its tables as DataFrames."""

    language: str = DEFAULT_LANGUAGE
    project: Project = field(default_factory=Project)
    goal: Goal = field(default_factory=Goal)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    # file path -> digest of the bytes this spec was loaded from or last saved to (see storage.save)
    origins: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise UnknownLanguageError(self.language)
        for t in TABLES:
            if t.name not in self.tables:
                self.tables[t.name] = make_table(t.name)
        unknown = set(self.tables) - set(TABLE)
        if unknown:
            raise KeyError(f"unknown tables {sorted(unknown)}; tables are: {', '.join(TABLE)}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise KeyError(f"No table named {name!r}; tables are: {', '.join(TABLE)}")
        return self.tables[name]

    def __setitem__(self, name: str, df: pd.DataFrame) -> None:
        if name not in TABLE:
            raise KeyError(f"No table named {name!r}; tables are: {', '.join(TABLE)}")
        self.tables[name] = df

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spec):
            return NotImplemented
        return (
            self.language == other.language
            and self.project == other.project
            and self.goal == other.goal
            and all(_frames_equal(self.tables[t.name], other.tables[t.name]) for t in TABLES)
        )

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Spec:
        return Spec(
            language=self.language,
            project=dataclasses.replace(self.project),
            goal=dataclasses.replace(self.goal),
            tables={name: df.copy(deep=True) for name, df in self.tables.items()},
        )

    def names(self, table: str, column: str = "name") -> list[str]:
        return [str(v) for v in self.tables[table][column].tolist()]

    def fields_of(self, entity: str) -> list[str]:
        f = self.tables["fields"]
        return [str(v) for v in f.loc[f["entity"] == entity, "name"].tolist()]

    def scalar(self, key: str) -> str:
        group, name = key.split(".")
        return str(getattr(getattr(self, group), name))

    def set_scalar(self, key: str, value: str) -> None:
        group, name = key.split(".")
        setattr(getattr(self, group), name, value)


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and table_records(a) == table_records(b)


# --------------------------------------------------------------------------- integrity of names and references

def location(table: str, key: Iterable[object] = (), column: str | None = None) -> str:
    """A readable address of an answer: ``flows[Orders to CRM].stuck_after_minutes`` (see
    :class:`specbook.address.Address`, which escapes a «/» inside a name).

    Findings, "to be confirmed" marks and forms use the same addresses."""
    return str(Address.of(table, key, column))


def row_addresses(table: Table, records: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The key part of the address of each row: its key; a step (no key of its own) by its scenario and
    its number there; other rows by their number."""
    if table.key:
        return [row_key(table, r) for r in records]
    if table.parent:
        link = table.parent[1]
        seen: dict[str, int] = {}
        out: list[tuple[str, ...]] = []
        for r in records:
            seen[r[link]] = seen.get(r[link], 0) + 1
            out.append((str(r[link]), str(seen[r[link]])))
        return out
    return [(str(i + 1),) for i in range(len(records))]


def _address_keys(spec: Spec, table: Table) -> set[tuple[str, ...]]:
    """Every key an address of ``table`` may carry: a row's and its leading parts."""
    keys = row_addresses(table, table_records(spec[table.name]))
    return {k[:n] for k in keys for n in range(1, len(k) + 1)}


_MAX_REGROUPED_PARTS = 12


def migrate_marks(spec: Spec) -> None:
    """Rewrite "to be confirmed" marks written before names could hold a «/» (``flows[A/B]`` for the flow
    «A/B»): where the parts of a mark name no row but the same text regrouped names one, the mark takes the
    escaped address of that row. Marks that name a row, or none either way, are left as they are."""
    df = spec["open_points"]
    marks = df["location"].tolist()
    cache: dict[str, set[tuple[str, ...]]] = {}
    changed = False
    for i, where in enumerate(marks):
        address = Address.parse(where)
        if address is None or address.table not in TABLE or len(address.key) < 2:
            continue
        if address.table not in cache:
            cache[address.table] = _address_keys(spec, TABLE[address.table])
        known = cache[address.table]
        if address.key in known or len(address.key) > _MAX_REGROUPED_PARTS:
            continue
        for key in _regroupings(address.key):
            if key in known:
                marks[i] = str(Address(address.table, key, address.column))
                changed = True
                break
    if changed:
        df["location"] = pd.array(marks, dtype="str")


def _regroupings(parts: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The ways of joining neighbouring parts with «/», fewest groups last."""
    n = len(parts)
    for mask in range(1, 2 ** (n - 1)):
        groups, current = [], [parts[0]]
        for i in range(1, n):
            if mask >> (i - 1) & 1:
                current.append(parts[i])
            else:
                groups.append("/".join(current))
                current = [parts[i]]
        groups.append("/".join(current))
        yield tuple(groups)


def row_key(table: Table, row: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(row[k]) for k in table.key)


def duplicate_keys(spec: Spec) -> Iterator[tuple[str, int, int]]:
    """``(table, row, first row)`` for every row whose key repeats an earlier row's key."""
    for table in TABLES:
        if not table.key:
            continue
        df = spec[table.name]
        seen: dict[tuple[Any, ...], int] = {}
        for i, key in enumerate(zip(*(df[k].tolist() for k in table.key), strict=True)):
            if len(table.key) == 1 and key[0] == "":
                continue
            if key in seen:
                yield table.name, i, seen[key]
            else:
                seen[key] = i


def reference_names(spec: Spec, ref: str, entity: str = "") -> list[str]:
    """The names a reference may take: declared systems, entities, scenarios, flows and indicators, or
    the fields of ``entity``."""
    if ref == "fields":
        return spec.fields_of(entity)
    if ref == "flows+indicators":
        return spec.names("flows") + spec.names("indicators")
    return spec.names(ref)


def dangling_references(spec: Spec) -> Iterator[tuple[str, int, str, str]]:
    """``(table, row, column, value)`` for every reference to something not declared."""
    declared = {name: set(spec.names(name)) for name in ("systems", "entities", "scenarios")}
    declared["flows+indicators"] = set(spec.names("flows")) | set(spec.names("indicators"))
    fields: dict[str, set[str]] = {}
    f = spec["fields"]
    for entity, name in zip(f["entity"].tolist(), f["name"].tolist(), strict=True):
        fields.setdefault(entity, set()).add(name)
    for table in TABLES:
        df = spec[table.name]
        for col in table.columns:
            if col.ref is None or (table.parent is not None and col.name == table.parent[1]):
                continue
            entities = df["entity"].tolist() if col.ref == "fields" else None
            for i, cell in enumerate(df[col.name].tolist()):
                known = fields.get(entities[i], set()) if entities is not None else declared[col.ref]
                for value in cell if col.kind == "list" else (cell,):
                    if value and value not in known:
                        yield table.name, i, col.name, value


# --------------------------------------------------------------------------- what a flow's frequency costs


@dataclass(frozen=True)
class Figures:
    """Cost and risk of a trigger: transfers per day (None: as often as people start it), records per
    transfer, and the worst-case staleness in minutes (None: unbounded; 0: sent as it happens)."""

    trigger: str
    transfers_per_day: int | None
    records_per_transfer: float | None
    staleness_minutes: int | None


def flow_figures(trigger: str, volume_per_day: int | None) -> Figures | None:
    """What running a flow on ``trigger`` costs; None while no trigger is chosen."""
    if trigger not in TRIGGER_PERIOD_MINUTES:
        return None
    period = TRIGGER_PERIOD_MINUTES[trigger]
    if period is None:
        return Figures(trigger, None, None, None)
    if period == 0:
        return Figures(trigger, volume_per_day, 1.0 if volume_per_day else None, 0)
    runs = 1440 // period
    per_run = volume_per_day / runs if volume_per_day is not None else None
    return Figures(trigger, runs, per_run, period)


# --------------------------------------------------------------------------- the systems that hold an entity

# What a status cell holds when the person said that the system has no such status: it completes the
# mapping (the words people read come from the language tables).
NO_EQUIVALENT = "(none)"


def holders(systems: Iterable[str], ownership: Iterable[Mapping[str, Any]],
            flows: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """For each entity, the declared systems that hold it: those with a role for it (or one of its fields)
    in the ownership matrix, and the ends of its flows; in the order systems are declared."""
    order = list(systems)
    held: dict[str, set[str]] = {}
    for r in ownership:
        if str(r.get("role", "")).strip():
            held.setdefault(str(r["entity"]), set()).add(str(r["system"]))
    for r in flows:
        for end in ("source", "target"):
            if str(r.get(end, "")).strip():
                held.setdefault(str(r.get("entity", "")), set()).add(str(r[end]))
    return {entity: [s for s in order if s in found] for entity, found in held.items()}


def status_systems(spec: Spec, entity: str) -> list[str]:
    """The systems whose status values ``entity``'s mapping needs (see :func:`holders`)."""
    return holders(spec.names("systems"), table_records(spec["ownership"]),
                   table_records(spec["flows"])).get(entity, [])


def status_columns(spec: Spec, entity: str) -> list[str]:
    """The systems an entity's status mapping shows: those that hold it (:func:`status_systems`) and
    any other in which a value was already typed (so that nothing typed is hidden), in declared order."""
    held = set(status_systems(spec, entity))
    typed = {r["system"] for r in table_records(spec["statuses"])
             if r["entity"] == entity and str(r["value"]).strip()}
    return [s for s in spec.names("systems") if s in held or s in typed]
