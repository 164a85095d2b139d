"""The live spec behind a workbook notebook.

A :class:`Workbook` holds the one :class:`Spec` of a workbook folder, saves it after every edit (a burst of
edits writes once), notices when the file changed on disk, and hands out the views a notebook displays:
the title, the readiness panel and one view per section. Each view is displayed as a live form in
JupyterLab and Voila, and as static HTML wherever widgets cannot run (exported handouts, plain viewers).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from specbook.checks import Report, check
from specbook.errors import SpecConflictError
from specbook.model import Spec
from specbook.storage import load, resolve, save

# Seconds to wait after the last edit before writing; a burst of keystrokes writes once.
SAVE_DELAY = 0.3

# Set by the exporters: views render static HTML only, no widgets are built.
STATIC_ENV = "SPECBOOK_STATIC"


class Workbook:
    """One workbook folder's spec, kept in step with its file."""

    def __init__(self, path: str | os.PathLike[str] = ".") -> None:
        self.path: Path = resolve(path)
        self.spec: Spec = load(self.path)
        self.conflict: SpecConflictError | None = None
        self._pending: asyncio.TimerHandle | None = None
        self._listeners: list[Callable[[], None]] = []
        self._report: Report | None = None

    @property
    def static(self) -> bool:
        return os.environ.get(STATIC_ENV, "") not in ("", "0")

    # -- changes ----------------------------------------------------------------------------------------

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change of the spec (e.g. to refresh the readiness panel)."""
        self._listeners.append(listener)

    def changed(self) -> None:
        """The spec was edited: check again, tell the views, and schedule a save."""
        self._report = None
        for listener in list(self._listeners):
            listener()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(SAVE_DELAY, self.flush)

    def flush(self, *, force: bool = False) -> bool:
        """Write pending edits now. Returns False (and sets ``conflict``) if the file changed on disk."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        try:
            save(self.spec, self.path, force=force)
        except SpecConflictError as exc:
            self.conflict = exc
            for listener in list(self._listeners):
                listener()
            return False
        self.conflict = None
        return True

    def reload(self) -> None:
        """Drop unsaved edits and read the file as it is on disk now."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        fresh = load(self.path)
        self.spec.language = fresh.language
        self.spec.project = fresh.project
        self.spec.goal = fresh.goal
        self.spec.tables.clear()
        self.spec.tables.update(fresh.tables)
        self.spec.origins.clear()
        self.spec.origins.update(fresh.origins)
        self.conflict = None
        self._report = None
        for listener in list(self._listeners):
            listener()

    @property
    def report(self) -> Report:
        if self._report is None:
            self._report = check(self.spec)
        return self._report

    # -- views ------------------------------------------------------------------------------------------

    def section(self, key: str) -> Any:
        from specbook.views import SectionView

        return SectionView(self, key)

    def readiness(self) -> Any:
        from specbook.views import ReadinessView

        return ReadinessView(self)

    def title(self) -> Any:
        from specbook.views import TitleView

        return TitleView(self)


def open_workbook(path: str | os.PathLike[str] = ".") -> Workbook:
    """The workbook of a folder (or of a spec file)."""
    return Workbook(path)
