"""The last check against data of each open workbook: run from its samples table, kept for the views.

The acceptance section runs it (its "Check against data" button) and the readiness panel shows when it
ran, how many files and rows it read and how many findings it made. Nothing is written to the spec.
"""

from __future__ import annotations

import datetime as _dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from specbook.session import Session
from specbook.verify import VerifyInputError, VerifyReport, samples_of, verify


@dataclass(frozen=True)
class Run:
    """One check against data: its report, or the messages on the exports that could not be read."""

    checked_at: str
    report: VerifyReport | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def files(self) -> int:
        return len(self.report.files) if self.report else 0

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.report.files) if self.report else 0

    @property
    def findings(self) -> int:
        return len(self.report.findings) if self.report else 0

    @property
    def errors(self) -> int:
        return self.report.count("error") if self.report else 0


_LAST: weakref.WeakKeyDictionary[Any, Run] = weakref.WeakKeyDictionary()
_LISTENERS: weakref.WeakKeyDictionary[Any, list[Callable[[Run], None]]] = weakref.WeakKeyDictionary()


def last(wb: Session) -> Run | None:
    """The workbook's last check against data since it was opened, if any."""
    return _LAST.get(wb)


def on_run(wb: Session, listener: Callable[[Run], None]) -> None:
    _LISTENERS.setdefault(wb, []).append(listener)


def run(wb: Session) -> Run:
    """Verify the workbook's spec against the exports its samples table lists (paths relative to the
    workbook folder), remember the result and tell the listeners."""
    spec = wb.spec
    try:
        report = verify(spec, samples_of(spec, wb.path.parent))
        result = Run(report.checked_at, report)
    except VerifyInputError as exc:
        when = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
        result = Run(when, None, tuple(exc.problems))
    _LAST[wb] = result
    for listener in list(_LISTENERS.get(wb, ())):
        listener(result)
    return result


__all__ = ["Run", "last", "on_run", "run"]
