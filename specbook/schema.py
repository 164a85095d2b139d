"""The JSON Schema of the spec file, derived from the definitions (never written by hand).

It describes the file as a generic YAML reader sees it: a hand-written ``version: 1.0`` is a number there
and ``required: yes`` a boolean, and specbook accepts both, so the schema does too.
"""

from __future__ import annotations

import json
from typing import Any

from specbook.definitions import CHILDREN, SCALARS, SCHEMA_VERSION, TOP_TABLES, Column, Table
from specbook.lang import LANGUAGES
from specbook.values import kind


def _column(col: Column) -> dict[str, Any]:
    return kind(col.kind).json_schema(choices=col.choices)


def _table(table: Table) -> dict[str, Any]:
    properties: dict[str, Any] = {c.name: _column(c) for c in table.file_columns}
    if table.pivot:
        properties[table.pivot.nest] = {
            "type": ["object", "null"],
            "additionalProperties": _column(table.column(table.pivot.value)),
        }
    for child in CHILDREN[table.name]:
        assert child.nest is not None
        properties[child.nest] = _table(child)
    required = [c.name for c in table.file_columns if c.kind == "name" and not c.optional]
    record = {"type": "object", "properties": properties, "additionalProperties": False, "required": required}
    return {"type": ["array", "null"], "items": record}


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) that every spec file specbook accepts validates against."""
    groups: dict[str, dict[str, Any]] = {}
    for s in SCALARS:
        col = Column(s.name, s.kind, choices=s.choices)
        groups.setdefault(s.group, {"type": ["object", "null"], "properties": {}, "additionalProperties": False})
        groups[s.group]["properties"][s.name] = _column(col)
    properties: dict[str, Any] = {
        "schema_version": {
            "anyOf": [{"type": "integer", "minimum": 1, "maximum": SCHEMA_VERSION},
                      {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}],
        },
        "language": {"enum": list(LANGUAGES)},
        **groups,
    }
    for table in TOP_TABLES:
        properties[table.name] = _table(table)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "specbook spec file",
        "description": "An integration specification: the eight questions, systems, status mapping, sign-off.",
        "type": "object",
        "required": ["schema_version"],
        "properties": properties,
        "additionalProperties": False,
    }


def json_schema_text() -> str:
    """The JSON Schema as the file ``specbook schema`` prints and the export writes."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
