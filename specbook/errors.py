"""The one exception family of specbook: every problem with a spec file is a :class:`SpecError`."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that would act instead of being read when printed: C0 and C1 controls (escape codes, BEL, NUL,
# line breaks), the line and paragraph separators, and the bidirectional overrides that reorder a line.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
                        "\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``, ``\\u2028``): safe to print
    on a terminal, on one line, and valid in XML 1.0."""
    return _INVISIBLE.sub(_escape, text)


def shorten(text: str, limit: int = 80) -> str:
    """``text`` made visible and cut to about ``limit`` characters, saying how long it was."""
    if len(text) > limit:
        text = f"{text[: limit // 2]}…{text[-limit // 4:]} ({len(text):,} chars)"
    return visible(text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec file: where (line, column, field path) and what."""

    line: int | None
    path: str
    message: str
    column: int | None = None

    def render(self, source: str) -> str:
        where = source if self.line is None else f"{source}:{self.line}"
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        return f"{where}: {shorten(self.path, 120)}: {self.message}" if self.path else f"{where}: {self.message}"


class SpecError(Exception):
    """A spec file that cannot be used as it is. ``problems`` lists every problem found, with its place."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))


class SpecFormatError(SpecError):
    """The file is not a readable YAML document of an acceptable size and shape."""


class SpecContentError(SpecError):
    """The YAML is fine but its content is not a valid spec (types, keys, references, duplicates)."""


class SpecVersionError(SpecError):
    """The file was written by a newer specbook, or its schema_version is not understood."""


class SpecConflictError(SpecError):
    """The file changed on disk since the spec was loaded; saving would overwrite someone's work."""


class SpecSaveError(SpecError):
    """The spec could not be written: the file or its folder is protected, the disk is full, or the file was
    deleted since it was loaded. The file on disk is left as it was."""


class SpecDeletedError(SpecConflictError):
    """The file was deleted or moved away since the spec was loaded; saving would silently re-create it."""
