"""Where an answer is: a table (or a section, or a scalar group), the parts of a row's key, and a column.

An :class:`Address` formats itself as the text findings, "to be confirmed" marks and forms write —
``flows[Orders to CRM].stuck_after_minutes``, ``fields[Order/Amount].kind``, ``goal.primary`` — and parses
that text back. Key parts are separated by «/»; a «/», «]» or «\\» inside a part is written with a «\\»
before it, so a flow named «A/B» is ``flows[A\\/B]`` and keeps being one name. A «\\» before any other
character is kept as it is (older files wrote names as they were).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_SEPARATOR = "/"
_ESCAPED = frozenset("\\/]")


def _is_identifier(text: str) -> bool:
    return bool(text) and all(c == "_" or "a" <= c <= "z" for c in text)


def escape_part(part: str) -> str:
    """A key part as an address writes it: «/», «]» and «\\» preceded by «\\»."""
    return "".join(f"\\{c}" if c in _ESCAPED else c for c in part)


@dataclass(frozen=True)
class Address:
    """``table[key parts].column`` — any of key and column may be absent."""

    table: str
    key: tuple[str, ...] = ()
    column: str | None = None

    @classmethod
    def of(cls, table: str, key: Iterable[object] = (), column: str | None = None) -> Address:
        """An address from key values of any type (a step number, say), each turned into text."""
        return cls(table, tuple(str(k) for k in key), column or None)

    def __str__(self) -> str:
        out = self.table
        if any(self.key):
            out += "[" + _SEPARATOR.join(escape_part(k) for k in self.key) + "]"
        return f"{out}.{self.column}" if self.column else out

    def with_part(self, at: int, value: str) -> Address:
        """The same address with key part ``at`` replaced."""
        key = list(self.key)
        key[at] = value
        return Address(self.table, tuple(key), self.column)

    @classmethod
    def parse(cls, text: str) -> Address | None:
        """The address ``text`` writes, or None if it is not one."""
        text = text.strip()
        head_end = next((i for i, c in enumerate(text) if c in "[."), len(text))
        table = text[:head_end]
        if not _is_identifier(table):
            return None
        rest = text[head_end:]
        key: tuple[str, ...] = ()
        if rest.startswith("["):
            parsed = _parse_key(rest)
            if parsed is None:
                return None
            key, rest = parsed
        column: str | None = None
        if rest:
            if not rest.startswith(".") or not _is_identifier(rest[1:]):
                return None
            column = rest[1:]
        return cls(table, key, column)


def _parse_key(text: str) -> tuple[tuple[str, ...], str] | None:
    """``(parts, what follows the closing bracket)`` of ``[a/b\\/c]...``."""
    parts: list[str] = []
    current: list[str] = []
    i = 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPED:
            current.append(text[i + 1])
            i += 2
            continue
        if c == _SEPARATOR:
            parts.append("".join(current))
            current = []
        elif c == "]" and _ends_address(text[i + 1:]):
            parts.append("".join(current))
            return tuple(parts), text[i + 1:]
        else:
            current.append(c)
        i += 1
    return None


def _ends_address(rest: str) -> bool:
    """What may follow a key's closing bracket; any other «]» is part of a name (as older files wrote it)."""
    return not rest or (rest.startswith(".") and _is_identifier(rest[1:]))
