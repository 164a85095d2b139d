"""The one exception family of specbook: every problem with a spec file is a :class:`SpecError`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec file: where (line, field path) and what."""

    line: int | None
    path: str
    message: str

    def render(self, source: str) -> str:
        where = source if self.line is None else f"{source}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


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
