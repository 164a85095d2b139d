"""Which export column holds which field of the spec, and in which format: the one place that knows.

When the spec carries the systems' own field names (the ``system_fields`` table: entity, field, system,
name, format, absent), a field is found under that name. Until then a column matches a field when its
name equals the field's name, compared without case and spaces; the format is ``None``, which means "as
the kind is commonly written".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from specbook.model import Spec, table_records

ABSENT = object()


def normalise(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).casefold()


def _system_fields(spec: Spec) -> list[dict[str, object]]:
    frame = spec.tables.get("system_fields")
    return table_records(frame) if frame is not None else []


def column_for(spec: Spec, system: str, entity: str, field: str) -> tuple[str | None, str | None]:
    """``(the system's name for the field, its format)``; ``(None, None)`` when the system has no such field.

    The name may be a path such as ``amount.value`` (a nested key of a JSON export)."""
    for row in _system_fields(spec):
        if (row.get("entity"), row.get("field"), row.get("system")) == (entity, field, system):
            if row.get("absent"):
                return None, None
            name = str(row.get("name") or "") or field
            fmt = str(row.get("format") or "") or None
            return name, fmt
    return field, None


def match_column(wanted: str, header: Sequence[str]) -> str | None:
    """The header column named ``wanted``: exactly, else without case and spaces."""
    if wanted in header:
        return wanted
    key = normalise(wanted)
    for column in header:
        if normalise(column) == key:
            return column
    return None


__all__ = ["column_for", "match_column", "normalise"]
