"""What a spec holds, defined once as data.

Sections, questions, tables, their columns and the choice lists live here and nowhere else. Forms,
checks, storage, the JSON Schema and the export all iterate these tables. Every human-readable word
for them (titles, questions, hints, labels, choice names) is in the language tables (``specbook/lang``),
looked up by the keys derived here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal

SCHEMA_VERSION = 3

ColumnKind = Literal["name", "text", "int", "bool", "choice", "ref", "list"]

# Choice lists. Values are stable identifiers stored in the spec file; their words are in the lang tables.
CHOICES: dict[str, tuple[str, ...]] = {
    "goal": ("speed_up", "no_manual_entry", "fewer_errors", "client_status", "other"),
    "system_kind": (
        "online_shop",
        "crm",
        "payment",
        "delivery",
        "accounting",
        "erp",
        "warehouse",
        "marketplace",
        "other",
    ),
    "field_kind": ("text", "number", "money", "date", "phone", "email", "identifier", "choice"),
    "role": ("master", "edits", "copy", "reads"),
    "action": ("create", "update", "create_or_update"),
    "trigger": ("event", "every_5_min", "every_15_min", "hourly", "daily", "on_demand"),
    "on_repeat": ("ignore", "update", "reject"),
    "measure": ("sum", "count"),
}

# How a system writes a value of each field kind ("data differ"). One list per kind, stored as
# ``format_<kind>`` in CHOICES; ``field_format`` is all of them, for the column that stores one.
FIELD_FORMATS: dict[str, tuple[str, ...]] = {
    "text": ("free_text", "single_line"),
    "number": ("decimal_point", "decimal_comma", "integer"),
    "money": ("rub_kopecks_number", "rub_string", "rub_decimal_comma", "integer_kopecks"),
    "date": ("iso8601", "ddmmyyyy", "unix_time"),
    "phone": ("intl_plus7", "digits_7", "national_8", "free_text"),
    "email": ("as_typed", "lower_case"),
    "identifier": ("as_typed", "digits", "prefixed"),
    "choice": ("system_codes",),
}
FORMAT_CHOICES: dict[str, str] = {kind: f"format_{kind}" for kind in FIELD_FORMATS}
CHOICES.update({FORMAT_CHOICES[kind]: formats for kind, formats in FIELD_FORMATS.items()})
CHOICES["field_format"] = tuple(dict.fromkeys(f for formats in FIELD_FORMATS.values() for f in formats))

# What a value written in each format looks like, for checks against the systems' exports; None: any text.
# Money and numbers as they appear in a text export (a JSON number is read as its text).
FORMAT_PATTERNS: dict[str, str | None] = {
    "free_text": None,
    "single_line": r"[^\r\n]*",
    "decimal_point": r"-?\d+(?:\.\d+)?",
    "decimal_comma": r"-?\d{1,3}(?:[ \u00a0]?\d{3})*(?:,\d+)?",
    "integer": r"-?\d+",
    "rub_kopecks_number": r"-?\d+(?:\.\d{1,2})?",
    "rub_string": r"-?\d+\.\d{2}",
    "rub_decimal_comma": r"-?\d{1,3}(?:[ \u00a0]?\d{3})*,\d{2}",
    "integer_kopecks": r"-?\d+",
    "iso8601": r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?",
    "ddmmyyyy": r"\d{2}\.\d{2}\.\d{4}(?: \d{2}:\d{2}(?::\d{2})?)?",
    "unix_time": r"\d{9,10}",
    "intl_plus7": r"\+7\d{10}",
    "digits_7": r"7\d{10}",
    "national_8": r"8 \(\d{3}\) \d{3}-\d{2}-\d{2}",
    "as_typed": None,
    "lower_case": r"[^\sA-ZА-ЯЁ]+",
    "digits": r"\d+",
    "prefixed": r"[^\W\d_]+[-_]\S*\d",
    "system_codes": None,
}
assert set(FORMAT_PATTERNS) == set(CHOICES["field_format"]), "every format has its pattern"

# Formats that take any value of their kind as it comes: writing into them needs no conversion.
LOOSE_FORMATS = frozenset({"free_text", "as_typed"})


@dataclass(frozen=True)
class Conversion:
    """Turning a value written in one format into another format of the same field kind."""

    kind: str
    source: str
    target: str
    code: str = ""

    def __post_init__(self) -> None:
        if not self.code:
            object.__setattr__(self, "code", f"{self.source}_to_{self.target}")


# The conversions the format lists imply; their words are ``choices.conversion.<code>``.
CONVERSIONS: tuple[Conversion, ...] = (
    Conversion("text", "free_text", "single_line"),
    Conversion("number", "decimal_comma", "decimal_point"),
    Conversion("number", "decimal_point", "decimal_comma"),
    Conversion("number", "integer", "decimal_point"),
    Conversion("number", "decimal_point", "integer"),
    *(Conversion("money", a, b) for a in FIELD_FORMATS["money"] for b in FIELD_FORMATS["money"] if a != b),
    *(Conversion("date", a, b) for a in FIELD_FORMATS["date"] for b in FIELD_FORMATS["date"] if a != b),
    Conversion("phone", "national_8", "intl_plus7"),
    Conversion("phone", "digits_7", "intl_plus7"),
    Conversion("phone", "free_text", "intl_plus7"),
    Conversion("phone", "intl_plus7", "digits_7"),
    Conversion("phone", "national_8", "digits_7"),
    Conversion("phone", "free_text", "digits_7"),
    Conversion("phone", "intl_plus7", "national_8"),
    Conversion("email", "as_typed", "lower_case"),
    Conversion("identifier", "digits", "prefixed"),
    Conversion("identifier", "prefixed", "digits"),
    Conversion("choice", "system_codes", "system_codes", "status_table"),
)
CONVERSION: dict[str, Conversion] = {c.code: c for c in CONVERSIONS}
CHOICES["conversion"] = tuple(CONVERSION)
# What a flow does with a record whose required source value is missing.
CHOICES["on_missing"] = ("skip", "default", "stop_notify")


def conversions_between(kind: str, source: str, target: str) -> tuple[Conversion, ...]:
    """The conversions that turn ``source`` into ``target`` for a field of ``kind``."""
    return tuple(c for c in CONVERSIONS if (c.kind, c.source, c.target) == (kind, source, target))


def needs_conversion(kind: str, source: str, target: str) -> bool:
    """Whether a value written as ``source`` must be converted before a system that wants ``target``
    stores it (both formats known; the codes of a choice always differ between systems)."""
    if not source or not target:
        return False
    if kind == "choice":
        return False  # translated by the status mapping, which has checks of its own
    return source != target and target not in LOOSE_FORMATS

# Minutes between two runs of a scheduled trigger; ``event`` runs per change, ``on_demand`` has no period.
TRIGGER_PERIOD_MINUTES: dict[str, int | None] = {
    "event": 0,
    "every_5_min": 5,
    "every_15_min": 15,
    "hourly": 60,
    "daily": 1440,
    "on_demand": None,
}

CREATING_ACTIONS = frozenset({"create", "create_or_update"})

DEFAULT_WIDTH = 15  # see Column.width


@dataclass(frozen=True)
class Column:
    """One column of a table: its storage kind and, where it refers to something, what it refers to."""

    name: str
    kind: ColumnKind = "text"
    choices: str | None = None  # key into CHOICES
    ref: str | None = None  # "systems", "entities", "fields", "flows+indicators"
    section: str | None = None  # when the column answers another question than its table
    optional: bool = True  # may be left empty in a valid file (checks still judge completeness)
    # A hint for display: the column's share (percent) of a handout table of its table; a column without
    # one gets DEFAULT_WIDTH, and the shares of a table are scaled to fill the page width.
    width: int | None = None

    @property
    def dtype(self) -> str:
        return {"int": "Int64", "bool": "bool", "list": "object"}.get(self.kind, "str")


@dataclass(frozen=True)
class Pivot:
    """A long table stored in the file as one row per group with a mapping ``key -> value``."""

    key: str
    value: str
    nest: str


@dataclass(frozen=True)
class Table:
    name: str
    section: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns whose values are unique together ("" = ordered rows, no key)
    parent: tuple[str, str] | None = None  # (parent table, column holding the parent's name)
    nest: str | None = None  # key under the parent record in the file
    pivot: Pivot | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @functools.cached_property
    def file_columns(self) -> tuple[Column, ...]:
        """Columns as they appear in one record of the file (parent link and pivot pair left out)."""
        skip = set()
        if self.parent:
            skip.add(self.parent[1])
        if self.pivot:
            skip.update((self.pivot.key, self.pivot.value))
        return tuple(c for c in self.columns if c.name not in skip)


@dataclass(frozen=True)
class Scalar:
    group: str  # "project" or "goal"
    name: str
    kind: ColumnKind = "text"
    choices: str | None = None
    section: str = "project"


@dataclass(frozen=True)
class Section:
    key: str
    question: int | None  # 1..8 for the eight questions of the source document
    tables: tuple[str, ...] = ()
    scalars: tuple[str, ...] = field(default=())
    # A section without a number of its own whose gaps keep this question open (statuses are among the
    # entities of question 2 in the source document; so are the systems they live in).
    part_of: int | None = None

    @property
    def readiness_question(self) -> int | None:
        return self.question or self.part_of


def _c(name: str, kind: ColumnKind = "text", **kw: object) -> Column:
    return Column(name, kind, **kw)  # type: ignore[arg-type]


TABLES: tuple[Table, ...] = (
    Table(
        "indicators",
        "goal",
        (
            _c("name", "name", optional=False, width=28),
            _c("baseline", width=16),
            _c("target", width=16),
            _c("measured_by", width=40),
        ),
        key=("name",),
    ),
    Table(
        "systems",
        "systems",
        (
            _c("name", "name", optional=False, width=18),
            _c("kind", "choice", choices="system_kind", width=15),
            _c("owner", width=20),
            _c("contact", width=24),
            _c("notes", width=23),
        ),
        key=("name",),
    ),
    Table(
        "entities",
        "entities",
        (
            _c("name", "name", optional=False),
            _c("description"),
            _c("on_conflict", section="ownership"),
        ),
        key=("name",),
    ),
    Table(
        "fields",
        "entities",
        (
            _c("entity", "ref", ref="entities", optional=False),
            _c("name", "name", optional=False, width=15),
            _c("meaning", width=27),
            _c("kind", "choice", choices="field_kind", width=17),
            _c("required", "bool", width=12),
            _c("example", width=16),
            _c("personal", "bool", width=13),
        ),
        key=("entity", "name"),
        parent=("entities", "entity"),
        nest="fields",
    ),
    Table(
        "ownership",
        "ownership",
        (
            _c("entity", "ref", ref="entities", optional=False),
            _c("field", "ref", ref="fields"),
            _c("system", "ref", ref="systems", optional=False),
            _c("role", "choice", choices="role", optional=False),
        ),
        key=("entity", "field", "system"),
        pivot=Pivot("system", "role", "roles"),
    ),
    Table(
        "statuses",
        "statuses",
        (
            _c("entity", "ref", ref="entities", optional=False),
            _c("status", "name", optional=False),
            _c("system", "ref", ref="systems", optional=False),
            _c("value"),
        ),
        key=("entity", "status", "system"),
        pivot=Pivot("system", "value", "values"),
    ),
    Table(
        "flows",
        "flows",
        (
            _c("name", "name", optional=False, width=28),
            _c("entity", "ref", ref="entities", width=16),
            _c("source", "ref", ref="systems", width=17),
            _c("target", "ref", ref="systems", width=17),
            _c("action", "choice", choices="action", width=16),
            _c("trigger", "choice", choices="trigger"),
            _c("volume_per_day", "int"),
            _c("max_delay_minutes", "int"),
            _c("why"),
            _c("success", section="success", width=64),
            _c("notify", section="errors"),
            _c("notify_how", section="errors"),
            _c("operator_action", section="errors"),
            _c("stuck_after_minutes", "int", section="errors"),
            _c("workaround", section="errors"),
        ),
        key=("name",),
    ),
    Table(
        "duplicates",
        "duplicates",
        (
            _c("entity", "ref", ref="entities", optional=False, width=18),
            _c("key_fields", "list", ref="fields", width=27),
            _c("on_repeat", "choice", choices="on_repeat", width=22),
            _c("note", width=33),
        ),
        key=("entity",),
    ),
    Table(
        "scenarios",
        "acceptance",
        (_c("name", "name", optional=False), _c("description")),
        key=("name",),
    ),
    Table(
        "steps",
        "acceptance",
        (
            _c("scenario", "ref", ref="scenarios", optional=False),
            _c("action", width=29),
            _c("system", "ref", ref="systems", width=14),
            _c("expected", width=30),
            _c("covers", "ref", ref="flows+indicators", width=16),
        ),
        parent=("scenarios", "scenario"),
        nest="steps",
    ),
    Table(
        "reconciliations",
        "acceptance",
        (
            _c("name", "name", optional=False, width=22),
            _c("rule", width=50),
            _c("covers", "ref", ref="flows+indicators", width=23),
            # What makes the rule computable on the systems' exports (specbook verify): an aggregate of a
            # field of the entity in one system against the other, per day of a date field, within a tolerance.
            _c("entity", "ref", ref="entities"),
            _c("measure", "choice", choices="measure"),
            _c("field", "ref", ref="fields"),
            _c("system", "ref", ref="systems"),
            _c("against", "ref", ref="systems"),
            _c("by_date", "ref", ref="fields"),
            _c("tolerance"),
        ),
        key=("name",),
    ),
    # Exports of the systems attached to the spec (paths relative to the workbook folder), read by
    # specbook verify; shown in no section of the handout by itself.
    Table(
        "samples",
        "acceptance",
        (
            _c("system", "ref", ref="systems", optional=False),
            _c("entity", "ref", ref="entities", optional=False),
            _c("path", optional=False),
        ),
        key=("system", "entity"),
    ),
    Table(
        "open_points",
        "open_points",
        (_c("location", "name", optional=False), _c("who"), _c("note")),
        key=("location",),
    ),
    Table(
        "signoff",
        "signoff",
        (_c("role", "name", optional=False), _c("name"), _c("organisation"), _c("date"), _c("signed", "bool")),
        key=("role",),
    ),
    # «data differ»: each system's names and formats of an entity's fields, and each flow's mapping
    Table(
        "system_fields",
        "entities",
        (
            _c("entity", "ref", ref="entities", optional=False),
            _c("field", "ref", ref="fields", optional=False),
            _c("system", "ref", ref="systems", optional=False),
            _c("name"),
            _c("format", "choice", choices="field_format"),
            _c("absent", "bool"),
            _c("note"),
        ),
        key=("entity", "field", "system"),
        parent=("entities", "entity"),
        nest="system_fields",
    ),
    Table(
        "mappings",
        "flows",
        (
            _c("flow", "ref", ref="flows", optional=False),
            _c("field", "name", optional=False),
            _c("target_field"),
            _c("conversion", "choice", choices="conversion"),
            _c("rule"),
            _c("on_missing", "choice", choices="on_missing"),
            _c("default"),
        ),
        key=("flow", "field"),
        parent=("flows", "flow"),
        nest="mapping",
    ),
)

SCALARS: tuple[Scalar, ...] = (
    Scalar("project", "name"),
    Scalar("project", "customer"),
    Scalar("project", "contractor"),
    Scalar("project", "version"),
    Scalar("project", "date"),
    Scalar("goal", "primary", "choice", choices="goal", section="goal"),
    Scalar("goal", "other", section="goal"),
    Scalar("goal", "problem", section="goal"),
)

SECTIONS: tuple[Section, ...] = (
    Section("project", None, scalars=("project.name", "project.customer", "project.contractor",
                                      "project.version", "project.date")),
    Section("goal", 1, tables=("indicators",), scalars=("goal.primary", "goal.other", "goal.problem")),
    Section("systems", None, tables=("systems",), part_of=2),
    Section("entities", 2, tables=("entities", "fields", "system_fields")),
    Section("ownership", 3, tables=("ownership",)),
    Section("statuses", None, tables=("statuses",), part_of=2),
    Section("flows", 4, tables=("flows", "mappings")),
    Section("success", 5, tables=("flows",)),
    Section("errors", 6, tables=("flows",)),
    Section("duplicates", 7, tables=("duplicates",)),
    Section("acceptance", 8, tables=("scenarios", "steps", "reconciliations")),
    Section("open_points", None, tables=("open_points",)),
    Section("signoff", None, tables=("signoff",)),
)

TABLE: dict[str, Table] = {t.name: t for t in TABLES}
SECTION: dict[str, Section] = {s.key: s for s in SECTIONS}
QUESTION_SECTION: dict[int, str] = {s.question: s.key for s in SECTIONS if s.question is not None}
QUESTIONS: tuple[int, ...] = tuple(sorted(QUESTION_SECTION))
TOP_TABLES: tuple[Table, ...] = tuple(t for t in TABLES if t.parent is None)
CHILDREN: dict[str, tuple[Table, ...]] = {
    p.name: tuple(t for t in TABLES if t.parent and t.parent[0] == p.name) for p in TABLES
}


def column_section(table: str, column: str) -> str:
    """The section a column answers: its own override, else its table's."""
    t = TABLE[table]
    return t.column(column).section or t.section


def section_columns(section: str, table: str) -> tuple[Column, ...]:
    """The columns of ``table`` that belong to ``section`` (always including the row's name)."""
    t = TABLE[table]
    return tuple(
        c for c in t.columns if (c.section or t.section) == section or (c.name in t.key and c.kind == "name")
    )
