"""What a form needs of the workbook it edits: a small protocol, so that forms and views depend on it and
not on :class:`specbook.workbook.Workbook` (which builds the views: no import cycle)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from specbook.checks import Report
from specbook.errors import SpecConflictError
from specbook.model import Spec


@dataclass(frozen=True)
class Change:
    """What changed since listeners were last told: the tables (and scalar groups ``project``/``goal``)
    edited, or ``everything`` after a reload. Neither: only the state of the file (saved, refused because
    it changed on disk, changed on disk)."""

    tables: frozenset[str] = frozenset()
    everything: bool = False

    def touches(self, names: Iterable[str]) -> bool:
        return self.everything or not self.tables.isdisjoint(names)


class Session(Protocol):
    """One spec being edited, kept in step with its file."""

    path: Path
    spec: Spec
    conflict: SpecConflictError | None
    stale: bool
    saved_at: datetime.datetime | None
    save_error: str | None  # why the last save failed; None once one succeeds
    forms: dict[str, Any]  # forms built for this session, by view name

    @property
    def static(self) -> bool: ...  # views render static HTML only, no widgets

    @property
    def report(self) -> Report: ...

    @property
    def saving(self) -> bool: ...  # an edit waits to be written

    def changed(self, *tables: str, at_once: bool = False) -> None: ...

    def flush(self, *, force: bool = False) -> bool: ...

    def on_change(self, listener: Callable[[Change], None]) -> None: ...

    def watch(self, interval: float = ...) -> None: ...

    def overwrite(self) -> bool: ...

    def reload(self) -> None: ...
