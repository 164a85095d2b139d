"""The spec file: one YAML document, human-readable and git-diffable.

``loads``/``dumps`` are pure functions on strings; ``load``/``save`` add the file: size limits, UTF-8,
the atomic write and the refusal to overwrite a file that changed on disk since it was loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import errno
import fcntl
import hashlib
import io
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from specbook import lang, values
from specbook._perf import gc_paused
from specbook.definitions import CHILDREN, CHOICES, SCALARS, SCHEMA_VERSION, TABLE, TABLES, TOP_TABLES, Table
from specbook.errors import (
    Problem,
    SpecConflictError,
    SpecContentError,
    SpecDeletedError,
    SpecError,
    SpecFormatError,
    SpecSaveError,
    SpecVersionError,
    shorten,
)
from specbook.model import (
    Goal,
    Project,
    Spec,
    dangling_references,
    duplicate_keys,
    empty_value,
    make_table,
    migrate_marks,
    reference_names,
    table_records,
)
from specbook.values import MAX_INT

MAX_BYTES = 64 * 1024 * 1024
# Values (scalars and collections) a file may hold. Reading costs a few microseconds per value, so this bounds
# the time any file takes to be accepted or refused; a spec of 30,000 fields holds about 800,000.
MAX_VALUES = 1_000_000
# Rows (of all tables) a spec may hold: at most about 31 values each when written, so a spec that loads
# is written to a file that loads again (under MAX_VALUES). A real spec holds hundreds.
MAX_ROWS = 30_000
MAX_PROBLEMS = 50  # problems listed one by one; the rest are counted
SPEC_FILE = "spec.yaml"

PathKey = tuple[str | int, ...]

# --------------------------------------------------------------------------- YAML dialect


_C_LOADER = hasattr(yaml, "CSafeLoader")


class _Loader(yaml.CSafeLoader if _C_LOADER else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML in which every scalar is text except an explicit null.

    ``version: 1.0``, ``date: 2026-01-26`` and ``answer: no`` stay the text the person typed; numbers and
    flags are converted by the spec's own column types, so nothing is silently re-typed.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML class-level registry


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A mapping in which a repeated key is an error, not a silent loss of the first value."""
    seen: set[str] = set()
    for key_node, _ in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key is not None and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key «{key}»", key_node.start_mark)
        if key is not None:
            seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


_Loader.construct_mapping = _construct_mapping
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


class _FlowList(list[str]):
    """A short list written on one line, so that changing it changes one line of a diff."""


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_none(dumper: yaml.SafeDumper, _: None) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:null", "")


def _represent_flow(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(type(None), _represent_none)
_Dumper.add_representer(_FlowList, _represent_flow)

# --------------------------------------------------------------------------- migrations


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 wrote durations without their unit; schema 2 names it in the key."""
    flows = data.get("flows")
    if isinstance(flows, list):
        for flow in flows:
            if isinstance(flow, dict):
                for old, new in (("max_delay", "max_delay_minutes"), ("stuck_after", "stuck_after_minutes")):
                    if old in flow and new not in flow:
                        flow[new] = flow.pop(old)
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 3 adds each system's names and formats of an entity's fields (``system_fields`` of an entity)
    and the field mapping of a flow (``mapping``). A schema-2 file has neither: both start empty."""
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2, 2: _v2_to_v3}

# --------------------------------------------------------------------------- reading


def _render_path(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclasses.dataclass
class _Pending:
    path: PathKey
    key: str
    values: dict[str, Any]
    first: PathKey | None = None


class _Reader:
    """Turns parsed YAML into a Spec, collecting every problem instead of stopping at the first."""

    def __init__(self, language: str) -> None:
        self.lang = language
        self.pending: list[_Pending] = []
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
        self.row_paths: dict[str, list[PathKey]] = {t.name: [] for t in TABLES}
        self.count = 0  # rows read, of all tables

    def problem(self, path: PathKey, message: str, /, **values: Any) -> None:
        self.pending.append(_Pending(path, message, values))

    def _type_word(self, kind: str) -> str:
        return lang.text(self.lang, f"errors.types.{kind}")

    def keys(self, record: dict[str, Any], allowed: list[str], path: PathKey) -> None:
        for key in record:
            if key in allowed:
                continue
            values: dict[str, Any] = {"key": key}
            close = _suggest(str(key), allowed)
            self.problem((*path, str(key)), "unknown_key", suggestion=close[0] if close else None, **values)

    def mapping(self, value: Any, path: PathKey) -> dict[str, Any] | None:
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        self.problem(path, "wrong_type", expected=self._type_word("mapping"), actual=_kind_of(value, self.lang))
        return None

    def convert(self, kind: str, choices: str | None, value: Any, path: PathKey) -> Any:
        try:
            return values.kind(kind).from_file(value, choices=choices)
        except values.Refused as refused:
            self._refused(refused, kind, choices, value, path)
            return values.empty(kind)

    def _refused(self, refused: values.Refused, kind: str, choices: str | None, value: Any, path: PathKey) -> None:
        if refused.reason == "too_big":
            self.problem(path, "too_big", value=refused.details["value"], limit=MAX_INT)
        elif refused.reason == "empty":
            self.problem(path, "empty_name")
        elif refused.reason == "not_choice" and choices:
            options = CHOICES[choices]
            close = _suggest(str(value), options)
            self.problem(path, "choice", value=str(value), choices=", ".join(options),
                         suggestion=close[0] if close else None)
        elif isinstance(value, dict | list) or kind == "list":
            expected = {"list": "list", "int": "int"}.get(kind, "text")
            self.problem(path, "wrong_type", expected=self._type_word(expected), actual=_kind_of(value, self.lang))
        else:
            self.problem(path, "wrong_type", expected=self._type_word(kind), actual=f"«{value}»")

    def read(self, data: dict[str, Any], language: str) -> Spec:
        scalar_groups = sorted({s.group for s in SCALARS})
        allowed = ["schema_version", "language", *scalar_groups, *(t.name for t in TOP_TABLES)]
        self.keys(data, allowed, ())
        groups: dict[str, dict[str, str]] = {}
        for group in scalar_groups:
            record = self.mapping(data.get(group), (group,)) or {}
            members = [s for s in SCALARS if s.group == group]
            self.keys(record, [s.name for s in members], (group,))
            groups[group] = {
                s.name: self.convert(s.kind, s.choices, record.get(s.name), (group, s.name)) or ""
                for s in members
            }
        for table in TOP_TABLES:
            self.table(table, data.get(table.name), (table.name,), None)
        for table in TABLES:
            if table.pivot:
                self._gather(table)
        spec = Spec(
            language=language,
            project=Project(**groups["project"]),
            goal=Goal(**groups["goal"]),
            tables={t.name: make_table(t.name, self.rows[t.name]) for t in TABLES},
        )
        migrate_marks(spec)  # marks written before a «/» in a name was escaped
        self.integrity(spec)
        return spec

    def table(self, table: Table, value: Any, path: PathKey, parent: str | None) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self.problem(path, "wrong_type", expected=self._type_word("list"), actual=_kind_of(value, self.lang))
            return
        columns = table.file_columns
        children = CHILDREN[table.name]
        allowed = [c.name for c in columns] + [c.nest for c in children if c.nest]
        if table.pivot:
            allowed.append(table.pivot.nest)
        # per column: the texts taken as typed (None: any text; empty: none, always convert)
        fast = [(c.name, None if c.kind in _AS_TYPED else frozenset(CHOICES[c.choices]) if c.choices
                 else frozenset(), c) for c in columns]
        for i, item in enumerate(value):
            where = (*path, i)
            record = self.mapping(item, where)
            if record is None:
                continue
            self.keys(record, allowed, where)
            row = {}
            for name, accepted, c in fast:
                cell = record.get(name)
                # plain text (and a valid choice) is by far the most common cell: take it as it is
                if type(cell) is str and (accepted is None or cell in accepted):
                    row[name] = cell
                else:
                    row[name] = self.convert(c.kind, c.choices, cell, (*where, name))
            if parent is not None and table.parent:
                row[table.parent[1]] = parent
            if table.pivot:
                pivot = table.pivot
                nested = self.mapping(record.get(pivot.nest), (*where, pivot.nest))
                if nested == {}:
                    self.problem((*where, pivot.nest), "empty_mapping")  # a group of no rows cannot be kept
                nested = nested or {}
                value_col = table.column(pivot.value)
                for key, cell in nested.items():
                    cell_path = (*where, pivot.nest, str(key))
                    self._add(table, {**row, pivot.key: str(key),
                                      pivot.value: self.convert(value_col.kind, value_col.choices, cell, cell_path)},
                              where)
            else:
                self._add(table, row, where)
            for child in children:
                assert child.nest is not None
                self.table(child, record.get(child.nest), (*where, child.nest), str(row.get("name", "")))

    def _add(self, table: Table, row: dict[str, Any], path: PathKey) -> None:
        self.count += 1
        if self.count > MAX_ROWS:
            raise _TooManyRows(path)
        self.rows[table.name].append(row)
        self.row_paths[table.name].append(path)

    def _gather(self, table: Table) -> None:
        """Rows of a pivot table in the order ``dumps`` writes them: a group (entity and field, entity and
        status) that the file splits over several records is gathered at its first place, so that the spec
        read is the one written back (``loads(dumps(spec)) == spec``)."""
        rows, paths = self.rows[table.name], self.row_paths[table.name]
        group_columns = [c.name for c in table.file_columns]
        first: dict[tuple[Any, ...], int] = {}
        rank = [first.setdefault(tuple(r[c] for c in group_columns), i) for i, r in enumerate(rows)]
        order = sorted(range(len(rows)), key=rank.__getitem__)
        if order != list(range(len(rows))):
            self.rows[table.name] = [rows[i] for i in order]
            self.row_paths[table.name] = [paths[i] for i in order]

    def integrity(self, spec: Spec) -> None:
        """Duplicate names and references to undeclared things, found by the model's own rules."""
        for table_name, i, first in duplicate_keys(spec):
            table = TABLE[table_name]
            row = self.rows[table_name][i]
            value = " / ".join(str(row[k]) for k in table.key if row[k])
            pending = _Pending(self._cell_path(table, i, table.key[-1]), "duplicate", {"value": value},
                               first=self._cell_path(table, first, table.key[-1]))
            self.pending.append(pending)
        for table_name, i, column, value in dangling_references(spec):
            ref = str(TABLE[table_name].column(column).ref)
            known = reference_names(spec, ref, self.rows[table_name][i].get("entity", ""))
            close = _suggest(value, known)
            self.problem(self._cell_path(TABLE[table_name], i, column), "reference", value=value,
                         what=self._type_word(f"refs.{ref}"), suggestion=close[0] if close else None)

    def _cell_path(self, table: Table, i: int, column: str) -> PathKey:
        path = self.row_paths[table.name][i]
        if table.pivot and column == table.pivot.key:
            return (*path, table.pivot.nest, str(self.rows[table.name][i][column]))
        if table.parent and column == table.parent[1]:
            return path
        return (*path, column)


def _suggest(value: str, options: Iterable[str]) -> list[str]:
    """The closest known name to a mistyped one: same letters in another case first, then by similarity."""
    options = list(options)
    folded = value.casefold()
    same = [o for o in options if o.casefold() == folded]
    return same[:1] or difflib.get_close_matches(value, options, n=1)


_AS_TYPED = frozenset(("text", "ref"))  # kinds whose text is taken as typed (references are checked later)


def _kind_of(value: Any, language: str) -> str:
    if isinstance(value, dict):
        return lang.text(language, "errors.types.mapping")
    if isinstance(value, list):
        return lang.text(language, "errors.types.list")
    return f"«{value}»"


Place = tuple[int, int]  # line and column, both 1-based


def _place_of(text: str | bytes, at: int) -> Place:
    """Line and column (1-based) of offset ``at``; in bytes the column counts bytes."""
    newline = "\n" if isinstance(text, str) else b"\n"
    return text.count(newline, 0, at) + 1, at - text.rfind(newline, 0, at)  # type: ignore[arg-type]


def _mark_place(mark: Any) -> Place | None:
    return None if mark is None else (mark.line + 1, mark.column + 1)


def _locate(text: str, paths: list[PathKey]) -> dict[PathKey, Place | None]:
    """Lines and columns of field paths (of the deepest part of each that the file has): a mapping's entry
    is where its key is, a list's item where it starts. Found from the parser's events: no node tree is
    built, and only the places on the way to a wanted path are kept."""
    wanted = {path[:i] for path in paths for i in range(len(path) + 1)}
    places: dict[PathKey, Place] = {}
    missing = set(paths)  # reading stops once each path is found whole

    def keep(path: PathKey | None, mark: Any) -> None:
        if path is not None and path in wanted and path not in places:
            places[path] = (mark.line + 1, mark.column + 1)
            missing.discard(path)

    @dataclasses.dataclass
    class Frame:
        path: PathKey | None  # None: inside something no wanted path goes through
        mapping: bool
        as_key: bool  # this collection is a mapping's key
        key: PathKey | object | None = _NO_KEY  # a mapping's entry being read; _NO_KEY: a key comes next
        index: int = 0

    frames: list[Frame] = []
    loader = _Loader(text)
    try:
        while missing:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                break
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = frames.pop()
                if frames and frames[-1].mapping:
                    frames[-1].key = None if done.as_key else _NO_KEY
                continue
            if kind not in (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent):
                continue
            here: PathKey | None = None
            as_key = False
            if not frames:
                here = ()
                keep(here, event.start_mark)
            else:
                top = frames[-1]
                if not top.mapping:
                    here = None if top.path is None else (*top.path, top.index)
                    top.index += 1
                    keep(here, event.start_mark)
                elif top.key is _NO_KEY:
                    as_key = True
                    if kind is yaml.ScalarEvent:
                        entry = None if top.path is None else (*top.path, event.value)
                        keep(entry, event.start_mark)
                        top.key = entry
                else:
                    here = top.key  # type: ignore[assignment]
                    if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                        top.key = _NO_KEY
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                frames.append(Frame(None if as_key else here, kind is yaml.MappingStartEvent, as_key))
    except (yaml.YAMLError, RecursionError):
        pass
    finally:
        loader.dispose()
    out: dict[PathKey, Place | None] = {}
    for path in paths:
        found = None
        for i in range(len(path), -1, -1):
            found = places.get(path[:i])
            if found is not None:
                break
        out[path] = found
    return out


_WHOLE = frozenset(("choices", "expected", "what", "supported", "limit"))  # specbook's own words, never cut


def _message(language: str, key: str, values: dict[str, Any]) -> str:
    """A problem's words; text taken from the file is cut short and its control characters made visible."""
    values = {k: v if k in _WHOLE or not isinstance(v, str) else shorten(v, 240 if k == "reason" else 80)
              for k, v in values.items()}
    suggestion = values.pop("suggestion", None)
    message = lang.text(language, f"errors.{key}", **values)
    if suggestion:
        message += "; " + lang.text(language, "errors.did_you_mean", suggestion=suggestion)
    return message


def _fail(cls: type[SpecError], source: str, language: str, key: str, where: Place | int | None = None,
          path: str = "", **values: Any) -> SpecError:
    line, column = where if isinstance(where, tuple) else (where, None)
    return cls(source, [Problem(line, path, _message(language, key, values), column)])


def _distinct(pending: list[_Pending]) -> list[_Pending]:
    """The problems found, in the order found, each once."""
    seen: set[Any] = set()
    out = []
    for p in pending:
        key = (p.path, p.key, repr(sorted(p.values.items(), key=str)), p.first)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


class _Refusal(Exception):
    """Something :func:`_fast_load` refuses outright, at a place (line, column)."""

    def __init__(self, place: Place | None, **values: Any) -> None:
        super().__init__(place)
        self.place = place
        self.values = values


class _Aliased(_Refusal):
    """The document uses an anchor or an alias: refused, since aliases can expand without bound."""


class _Tagged(_Refusal):
    """The document gives a value an explicit YAML tag (``!!binary``, ``!!python/…``, ``!x``)."""


class _TooManyRows(Exception):
    """The file holds more than :data:`MAX_ROWS` rows."""

    def __init__(self, path: PathKey) -> None:
        super().__init__(path)
        self.path = path


class _TooMany(_Refusal):
    """The document holds more than :data:`MAX_VALUES` values."""


class _TooManyRecords(_Refusal):
    """The document holds more than :data:`MAX_ROWS` mappings inside lists (table rows), at ``path``."""

    def __init__(self, place: Place | None, path: PathKey | None) -> None:
        super().__init__(place, limit=f"{MAX_ROWS:,}")
        self.path = path


class _TooLong(_Refusal):
    """A list of the document holds more than :data:`MAX_ROWS` items."""


class _Unusual(Exception):
    """The document uses something :func:`_fast_load` leaves to PyYAML's full loader."""


class _TooDeep(_Refusal):
    """The document nests collections deeper than :data:`_MAX_DEPTH`."""


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_STANDARD_TAG):] if tag.startswith(_STANDARD_TAG) else tag


_STANDARD_TAG = "tag:yaml.org,2002:"


# A spec nests at most 5 collections deep. libyaml's composer recurses in C (the interpreter crashes on a
# few hundred thousand "[") and its scanner slows quadratically with flow depth, so a deeper document is
# refused before any of it is composed.
_MAX_DEPTH = 64
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))  # what _Loader's one implicit resolver turns into None
_NO_KEY = object()


def _fast_load(text: str) -> Any:
    """``yaml.load(text, Loader=_Loader)`` for a plain document, built straight from the parser's events.

    Composing a node tree and constructing from it costs 3-4× the parse itself. A plain document — one
    document, no repeated or collection keys — needs neither step: a plain scalar in ``_NULLS`` is None,
    every other scalar is its text. Any other document is still read to its end to check it, then raises
    :class:`_Unusual`, and the caller loads it the full way, which gives the very same result or error. A
    YAML error raises as such. As soon as the parser gets there, a document deeper than :data:`_MAX_DEPTH`
    raises :class:`_TooDeep`, an anchor or alias :class:`_Aliased`, an explicit tag :class:`_Tagged`, a
    value past the :data:`MAX_VALUES`-th :class:`_TooMany`, the (:data:`MAX_ROWS` + 1)-th mapping inside a
    list :class:`_TooManyRecords` and the (:data:`MAX_ROWS` + 1)-th item of one list :class:`_TooLong`: none
    of them ever reaches PyYAML's composer.

    The last two are what stops most oversized files, long before the value limit: reading costs about
    2 µs per value, nearly all of it in the parser, so a file is refused quickly only by refusing it early.
    They refuse nothing a spec can hold: every mapping in a list is a table's record, which gives at least
    one row (a pivot record with no entries is an error), and no list holds more items than a spec has rows.
    """
    loader = _Loader(text)
    try:
        root: Any = None
        stack: list[Any] = []  # open collections, innermost last
        pending: list[Any] = []  # per open mapping: the key waiting for its value, or _NO_KEY
        texts: dict[str, str] = {}  # one object per distinct text: names repeat in every row that refers to them
        depth = documents = 0
        budget = MAX_VALUES
        records = MAX_ROWS  # mappings inside lists still allowed
        items: list[int] = []  # per open collection: for a list, the items it may still take; -1 for a mapping
        unusual = False
        value: Any
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:  # the most common event first
                budget -= 1
                if event.anchor is not None or event.tag is not None or budget < 0:
                    _refuse(event)
                if items and items[-1] >= 0:
                    items[-1] -= 1
                    if not items[-1]:
                        raise _TooLong(_mark_place(event.start_mark), limit=f"{MAX_ROWS:,}")
                if unusual:
                    continue
                key_text = texts.setdefault(event.value, event.value)
                value = None if event.implicit[0] and key_text in _NULLS else key_text
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                depth += 1
                budget -= 1
                if depth > _MAX_DEPTH:
                    raise _TooDeep(_mark_place(event.start_mark))
                if event.anchor is not None or event.tag is not None or budget < 0:
                    _refuse(event)
                if items and items[-1] >= 0:
                    if kind is yaml.MappingStartEvent:
                        records -= 1
                        if records < 0:
                            raise _TooManyRecords(_mark_place(event.start_mark),
                                                  None if unusual else _open_path(stack, pending))
                    items[-1] -= 1
                    if not items[-1]:
                        raise _TooLong(_mark_place(event.start_mark), limit=f"{MAX_ROWS:,}")
                items.append(-1 if kind is yaml.MappingStartEvent else MAX_ROWS + 1)
                if unusual:
                    pass
                elif kind is yaml.MappingStartEvent:
                    stack.append({})
                    pending.append(_NO_KEY)
                else:
                    stack.append([])
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
                items.pop()
                if unusual:
                    continue
                value = stack.pop()
                if kind is yaml.MappingEndEvent:
                    pending.pop()
                key_text = None  # a collection cannot be a key
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                unusual = unusual or documents > 1
                continue
            elif kind is yaml.StreamEndEvent:
                if unusual:
                    raise _Unusual
                return root
            elif kind is yaml.AliasEvent:
                raise _Aliased(_mark_place(event.start_mark))
            else:  # stream start, document end
                continue
            if not stack:
                root = value
            elif type(stack[-1]) is list:
                stack[-1].append(value)
            elif pending[-1] is _NO_KEY:
                if key_text is None or key_text in stack[-1]:  # a collection as a key, or a repeated key
                    unusual = True
                    continue
                pending[-1] = value
            else:
                stack[-1][pending[-1]] = value
                pending[-1] = _NO_KEY
    finally:
        loader.dispose()


def _open_path(stack: list[Any], pending: list[Any]) -> PathKey | None:
    """The path of the value :func:`_fast_load` is about to add, from its open collections."""
    path: list[str | int] = []
    keys = iter(pending)
    for collection in stack:
        if type(collection) is list:
            path.append(len(collection))
        else:
            key = next(keys)
            if key is _NO_KEY:
                return None  # the value is a key
            path.append(str(key))
    return tuple(path)


def _refuse(event: Any) -> None:
    place = _mark_place(event.start_mark)
    if event.anchor is not None:
        raise _Aliased(place)
    if event.tag is not None:
        raise _Tagged(place, tag=_tag_name(event.tag))
    raise _TooMany(place, limit=f"{MAX_VALUES:,}")


def _load_yaml(text: str) -> Any:
    """The parsed document, exactly as ``yaml.load(text, Loader=_Loader)`` gives it (or raises)."""
    try:
        return _fast_load(text)
    except (_Unusual, yaml.YAMLError):
        return yaml.load(text, Loader=_Loader)


def _language_of(data: Any) -> str:
    if isinstance(data, dict) and data.get("language") in lang.LANGUAGES:
        return str(data["language"])
    return lang.DEFAULT_LANGUAGE


def loads(text: str, source: str = "<string>") -> Spec:
    """Parse a spec from YAML text. Every problem raises one :class:`SpecError` naming line and field."""
    language = lang.DEFAULT_LANGUAGE
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # lone surrogates: no UTF-8 file holds them, and libyaml cannot take them
        raise _fail(SpecFormatError, source, language, "not_utf8", _place_of(text, exc.start),
                    reason=str(exc.reason)) from None
    if size > MAX_BYTES:
        raise _fail(SpecFormatError, source, language, "too_large", size=size, limit=MAX_BYTES)
    try:
        with gc_paused():
            data = _load_yaml(text)
    except _TooDeep as exc:
        raise _fail(SpecFormatError, source, language, "too_deep", exc.place) from None
    except _Aliased as exc:
        raise _fail(SpecFormatError, source, language, "aliases", exc.place) from None
    except _Tagged as exc:
        raise _fail(SpecFormatError, source, language, "tag", exc.place, **exc.values) from None
    except _TooMany as exc:
        raise _fail(SpecFormatError, source, language, "too_many", exc.place, **exc.values) from None
    except _TooManyRecords as exc:
        raise _fail(SpecContentError, source, language, "too_many_rows", exc.place,
                    "" if exc.path is None else _render_path(exc.path), **exc.values) from None
    except _TooLong as exc:
        raise _fail(SpecFormatError, source, language, "too_long", exc.place, **exc.values) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow; PyYAML gives its offset only
        at = exc.position
        if _C_LOADER:  # libyaml counts the offset in bytes of UTF-8
            at = len(text.encode("utf-8", "surrogatepass")[:at].decode("utf-8", "ignore"))
        raise _fail(SpecFormatError, source, language, "control_char", _place_of(text, at),
                    code=f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character),
                    ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (mark is None or mark.index >= len(text) - 1):
            mark = exc.context_mark  # "unexpected end of stream": point where the unclosed thing began
        if "nesting depth" in str(exc.problem):  # libyaml's own depth limit (PyYAML 6.0.4 and later)
            raise _fail(SpecFormatError, source, language, "too_deep", _mark_place(mark)) from None
        reason = exc.problem or str(exc)
        text_lines = text.splitlines()
        if mark is not None and mark.line < len(text_lines) and "\t" in text_lines[mark.line]:
            reason += "; " + lang.text(language, "errors.tab_hint")
        raise _fail(SpecFormatError, source, language, "yaml", _mark_place(mark), reason=reason) from None
    except yaml.YAMLError as exc:
        raise _fail(SpecFormatError, source, language, "yaml", reason=str(exc)) from None
    except RecursionError:
        raise _fail(SpecFormatError, source, language, "too_deep") from None
    if not isinstance(data, dict):
        raise _fail(SpecFormatError, source, language, "not_mapping", (1, 1))
    language = _language_of(data)
    data = _migrate(data, text, source, language)
    if "language" in data and data["language"] not in lang.LANGUAGES:
        line = _locate(text, [("language",)])[("language",)]
        raise _fail(SpecContentError, source, language, "language", line, "language",
                    value=data["language"], choices=", ".join(lang.LANGUAGES))
    reader = _Reader(language)
    try:
        with gc_paused():
            spec = reader.read(data, language)
    except _TooManyRows as exc:
        place = _locate(text, [exc.path])[exc.path]
        raise _fail(SpecContentError, source, language, "too_many_rows", place, _render_path(exc.path),
                    limit=f"{MAX_ROWS:,}") from None
    except RecursionError:
        raise _fail(SpecFormatError, source, language, "too_deep") from None
    if reader.pending:
        # only the problems listed are placed (the first found): placing each of 10⁵ costs seconds
        distinct = _distinct(reader.pending)
        listed = distinct[:MAX_PROBLEMS]
        wanted = [p.path for p in listed] + [p.first for p in listed if p.first is not None]
        places = _locate(text, wanted)
        problems = []
        for p in listed:
            values = dict(p.values)
            if p.first is not None:
                first_place = places.get(p.first)
                values["first"] = first_place[0] if first_place else "?"
            place = places.get(p.path)
            problems.append(Problem(place[0] if place else None, _render_path(p.path),
                                    _message(language, p.key, values), place[1] if place else None))
        problems = sorted(set(problems), key=lambda pr: (pr.line or 0, pr.column or 0, pr.path, pr.message))
        rest = len(distinct) - len(listed)
        if rest > 0:
            problems.append(Problem(None, "", lang.text(language, "errors.more", count=rest)))
        raise SpecContentError(source, problems)
    return spec


def _migrate(data: dict[str, Any], text: str, source: str, language: str) -> dict[str, Any]:
    raw = data.get("schema_version")
    if raw is None:
        raise _fail(SpecVersionError, source, language, "missing_version", (1, 1), supported=SCHEMA_VERSION)

    def line() -> Place | None:  # only for an error: locating reads the whole document again
        return _locate(text, [("schema_version",)])[("schema_version",)]

    if not (isinstance(raw, str) and raw.strip().isdecimal() and raw.strip().isascii()):
        raise _fail(SpecVersionError, source, language, "bad_version", line(), "schema_version", found=f"«{raw}»")
    version = int(raw)
    if version > SCHEMA_VERSION:
        raise _fail(SpecVersionError, source, language, "newer_version", line(), "schema_version",
                    found=version, supported=SCHEMA_VERSION)
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise _fail(SpecVersionError, source, language, "unknown_version", line(), "schema_version",
                        found=version, supported=SCHEMA_VERSION)
        data = step(data)
        version += 1
    return data


# --------------------------------------------------------------------------- writing


def _file_record(table: Table, record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.file_columns:
        value = record[col.name]
        out[col.name] = _FlowList(value) if col.kind == "list" else value
    return out


def _nest(table: Table, records: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = records[table.name]
    if table.pivot:
        pivot = table.pivot
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        for r in rows:
            group = _file_record(table, r)
            entry = groups.setdefault(tuple(group.values()), {**group, pivot.nest: {}})
            entry[pivot.nest][r[pivot.key]] = r[pivot.value]
        return list(groups.values())
    out = [_file_record(table, r) for r in rows]
    for child in CHILDREN[table.name]:
        assert child.parent is not None and child.nest is not None
        link = child.parent[1]
        by_parent: dict[str, list[dict[str, Any]]] = {}
        for r in records[child.name]:
            by_parent.setdefault(r[link], []).append(r)
        # children whose parent row is missing keep their data under a parent of that name
        declared = {str(r["name"]) for r in rows}  # once: rebuilt per parent it made saving quadratic
        blanks = []
        for missing in [p for p in by_parent if p not in declared]:
            blank = {c.name: empty_value(table, c.name) for c in table.columns}
            blank["name"] = missing
            out.append(_file_record(table, blank))
            blanks.append(blank)
        rows = [*rows, *blanks]
        for record, row in zip(out, rows, strict=True):
            nested = _nest(child, {child.name: by_parent.get(str(row["name"]), []), **{
                t.name: [] for t in CHILDREN[child.name]}})
            record[child.nest] = nested
    return out


def _document(spec: Spec) -> dict[str, Any]:
    """The spec as the plain data its file holds."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "language": spec.language,
        "project": dataclasses.asdict(spec.project),
        "goal": dataclasses.asdict(spec.goal),
    }
    records = {t.name: table_records(spec[t.name]) for t in TABLES}
    for table in TOP_TABLES:
        data[table.name] = _nest(table, records)
    return data


def dumps(spec: Spec) -> str:
    """The spec as YAML text: fixed key order, rows in the model's order, Cyrillic as text."""
    with gc_paused():
        data = _document(spec)
        try:
            return _fast_dump(data)
        except _Unusual:
            text: str = yaml.dump(data, Dumper=_Dumper, **_DUMP_OPTIONS)
            return text


_DUMP_OPTIONS: dict[str, Any] = {"allow_unicode": True, "sort_keys": False, "default_flow_style": False,
                                 "width": 1_000_000, "indent": 2}
_TAGS = {str: "tag:yaml.org,2002:str", type(None): "tag:yaml.org,2002:null", bool: "tag:yaml.org,2002:bool",
         int: "tag:yaml.org,2002:int"}


def _fast_dump(data: dict[str, Any]) -> str:
    """``yaml.dump(data, Dumper=_Dumper, **_DUMP_OPTIONS)``, byte for byte, without its representer.

    PyYAML's representer turns every value into a node and its serializer resolves every scalar twice
    before libyaml sees an event; here the events go to libyaml directly, with the same tags, styles and
    implicit flags the representer and serializer would give them. Values other than dicts, lists, text,
    None, bools and ints, or a collection met twice (which PyYAML would write as an alias), raise
    :class:`_Unusual` and the caller dumps the full way.
    """
    stream = io.StringIO()
    dumper = _Dumper(stream, **_DUMP_OPTIONS)
    emit, resolve = dumper.emit, dumper.resolve
    met: set[int] = set()

    # structure events carry nothing that differs between two mappings or two lists: make each once
    map_start = yaml.MappingStartEvent(None, "tag:yaml.org,2002:map", True, flow_style=False)
    map_end, seq_end = yaml.MappingEndEvent(), yaml.SequenceEndEvent()
    seq_start = {flow: yaml.SequenceStartEvent(None, "tag:yaml.org,2002:seq", True, flow_style=flow)
                 for flow in (False, True)}

    # one event per distinct scalar: keys and common values repeat in every row, and libyaml only reads them
    scalars: dict[tuple[type, Any], yaml.ScalarEvent] = {}

    def scalar_event(kind: type, value: Any) -> yaml.ScalarEvent:
        tag = _TAGS.get(kind)
        if tag is None:
            raise _Unusual
        if kind is str:
            text = value
        elif kind is bool:
            text = "true" if value else "false"
        else:
            text = "" if value is None else str(value)
        flags = (resolve(yaml.ScalarNode, text, (True, False)) == tag,
                 resolve(yaml.ScalarNode, text, (False, True)) == tag)
        style = "|" if kind is str and "\n" in text else None
        return yaml.ScalarEvent(None, tag, flags, text, style=style)

    def node(value: Any) -> None:
        kind = type(value)
        if kind is dict or kind is list or kind is _FlowList:
            if id(value) in met:
                raise _Unusual
            met.add(id(value))
            if kind is dict:
                emit(map_start)
                for key, item in value.items():
                    node(key)
                    node(item)
                emit(map_end)
            else:
                emit(seq_start[kind is _FlowList])
                for item in value:
                    node(item)
                emit(seq_end)
            return
        event = scalars.get((kind, value))
        if event is None:
            event = scalars[(kind, value)] = scalar_event(kind, value)
        emit(event)

    try:
        dumper.open()
        emit(yaml.DocumentStartEvent(explicit=False))
        node(data)
        emit(yaml.DocumentEndEvent(explicit=False))
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


# --------------------------------------------------------------------------- files


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resolve(path: str | os.PathLike[str]) -> Path:
    """A spec file path; a workbook folder stands for the ``spec.yaml`` inside it."""
    p = Path(path)
    return p / SPEC_FILE if p.is_dir() else p


def _read_limited(p: Path) -> bytes:
    """The bytes of a regular file, at most :data:`MAX_BYTES` + 1 of them whatever ``stat`` says. Anything
    else (a device such as ``/dev/zero``, a pipe, a socket) is refused before a byte is read: opening does
    not wait for a pipe's writer, and reading stops at the limit."""
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular
        if info.st_size > MAX_BYTES:
            raise _TooLarge(info.st_size)
        chunks: list[bytes] = []
        left = MAX_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_BYTES:
        raise _TooLarge(len(raw))
    return raw


class _NotRegular(Exception):
    pass


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def load(path: str | os.PathLike[str]) -> Spec:
    """Read a spec file (or the ``spec.yaml`` of a workbook folder)."""
    p = resolve(path)
    source = str(path)
    language = lang.DEFAULT_LANGUAGE
    try:
        raw = _read_limited(p)
    except _NotRegular:
        raise _fail(SpecFormatError, source, language, "not_regular") from None
    except _TooLarge as exc:
        raise _fail(SpecFormatError, source, language, "too_large", size=exc.size, limit=MAX_BYTES) from None
    except OSError as exc:
        raise _fail(SpecFormatError, source, language, "unreadable", reason=exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, _ = _place_of(raw, exc.start)
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1: exc.start].decode("utf-8", "replace")) + 1
        raise _fail(SpecFormatError, source, language, "not_utf8", (line, column), reason=str(exc.reason)) from None
    spec = loads(text, source)
    spec.origins[str(p.resolve())] = _digest(raw)
    return spec


@contextlib.contextmanager
def _directory_lock(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def save(spec: Spec, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write the spec atomically. Refuses (:class:`SpecConflictError`) if the file on disk is not the one
    this spec was loaded from or last saved to, or (:class:`SpecDeletedError`) was deleted since, unless
    ``force``. A read-only file or folder, a full disk or any other failure to write raises
    :class:`SpecSaveError`, and the file on disk is left as it was. Returns the path written."""
    p = resolve(path)
    key = str(p.resolve())
    source = str(path)
    data = dumps(spec).encode("utf-8")
    try:
        with _directory_lock(p.parent):
            _clean_stray_temporaries(p)
            try:
                current: bytes | None = p.read_bytes()
            except FileNotFoundError:
                current = None
            if current is None and key in spec.origins and not force:
                raise _fail(SpecDeletedError, source, spec.language, "deleted")
            if current is not None and not force and spec.origins.get(key) != _digest(current):
                raise _fail(SpecConflictError, source, spec.language, "changed_on_disk")
            if current != data:
                _check_writable(p, current is not None, source, spec.language)
                atomic_write(p, data)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            # the folder, the file (immutable, on a read-only mount) or the lock cannot be written
            raise _fail(SpecSaveError, source, spec.language, "read_only") from None
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _fail(SpecSaveError, source, spec.language, "disk_full") from None
        raise _fail(SpecSaveError, source, spec.language, "save_failed", reason=exc.strerror or str(exc)) from None
    spec.origins[key] = _digest(data)
    return p


def _check_writable(p: Path, exists: bool, source: str, language: str) -> None:
    """Refuse to replace what the user protected. The mode bits are read, not only ``os.access``: the
    superuser may write anything, and a rename would replace a read-only file without a word."""
    if exists and (p.stat().st_mode & 0o222 == 0 or not os.access(p, os.W_OK)):
        raise _fail(SpecSaveError, source, language, "read_only")
    folder = p.parent
    if folder.stat().st_mode & 0o222 == 0 or not os.access(folder, os.W_OK | os.X_OK):
        raise _fail(SpecSaveError, source, language, "folder_read_only")


def _temporary_pattern(path: Path) -> re.Pattern[str]:
    """The names :func:`atomic_write` gives its temporary files beside ``path`` (``.spec.yaml.XXXXXXXX.tmp``)."""
    return re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]{{8}}\.tmp")


def _clean_stray_temporaries(path: Path) -> None:
    """Remove temporary files left beside ``path`` by saves that were killed. Only called under the folder's
    lock, which every save holds while its temporary file exists, and only for files of specbook's own
    naming older than the lock: a temporary file seen then belongs to no save still running."""
    since = time.time()
    pattern = _temporary_pattern(path)
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime <= since:
                Path(entry.path).unlink()
        except OSError:
            continue


# A test-only hook: called with the name of each stage of a save ("temporary", "writing", "rename",
# "renamed"), so that a test can stop a save at a chosen stage. None (the default) costs one comparison.
_stage_hook: Callable[[str], None] | None = None


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` whole or not at all (temporary file, fsync, rename, fsync of the folder)."""
    hook = _stage_hook
    if hook is not None:
        hook("temporary")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hook is not None:
                handle.write(data[: len(data) // 2])
                handle.flush()
                hook("writing")
                handle.write(data[len(data) // 2:])
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        tmp.chmod(mode)
        if hook is not None:
            hook("rename")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if hook is not None:
        hook("renamed")
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
