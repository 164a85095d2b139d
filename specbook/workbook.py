"""The live spec behind a workbook notebook.

A :class:`Workbook` holds the one :class:`Spec` of a workbook folder, saves it after every edit (a burst of
edits writes once), notices when the file changed on disk, and hands out the views a notebook displays:
the title, the readiness panel and one view per section. Each view is displayed as a live form in
JupyterLab and Voila, and as static HTML wherever widgets cannot run (exported handouts, plain viewers).
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specbook import lang
from specbook.checks import Report, check
from specbook.errors import SpecConflictError, SpecDeletedError, SpecSaveError
from specbook.model import Spec
from specbook.preheat import wait_for_the_page
from specbook.session import Change, Session
from specbook.storage import load, resolve, save
from specbook.views import ReadinessView, SectionView, TitleView

# Seconds to wait after the last edit before writing; a burst of keystrokes writes once.
SAVE_DELAY = 0.3

# Seconds between two looks at the file on disk while forms are shown.
WATCH_INTERVAL = 1.0

# Set by the exporters: views render static HTML only, no widgets are built.
STATIC_ENV = "SPECBOOK_STATIC"

# A spec file or workbook folder that ``open_workbook()`` opens instead of the current folder (used to run
# the workbook template against a given spec, e.g. in tests and in customer mode).
SPEC_ENV = "SPECBOOK_SPEC"

_log = logging.getLogger(__name__)


class Workbook:
    """One workbook folder's spec, kept in step with its file."""

    def __init__(self, path: str | os.PathLike[str] = ".") -> None:
        self.path: Path = resolve(path)
        self.spec: Spec = load(self.path)
        self.conflict: SpecConflictError | None = None
        # The file on disk differs from what this workbook loaded or last saved (seen by ``check_disk``).
        self.stale: bool = False
        self.saved_at: datetime.datetime | None = None
        # Why the last save failed (a protected folder, a full disk, a deleted file, text the file cannot
        # hold); None once a save succeeds. Edits stay in memory and the next edit (or ``flush``) retries.
        self.save_error: str | None = None
        # Forms built for this workbook, by view name; displaying a view twice shows the same form.
        self.forms: dict[str, Any] = {}
        self._pending: asyncio.TimerHandle | None = None
        self._edited: set[str] = set()
        self._listeners: list[Callable[[Change], None]] = []
        self._report: Report | None = None
        self._watching: asyncio.TimerHandle | None = None
        self._seen: tuple[int, int] | None = self._stat()

    @property
    def static(self) -> bool:
        return os.environ.get(STATIC_ENV, "") not in ("", "0")

    @property
    def dirty(self) -> bool:
        """Edits are waiting to be written (during the save delay, after a failed save, or a conflict)."""
        return (self._pending is not None or bool(self._edited) or self.conflict is not None
                or self.save_error is not None)

    @property
    def saving(self) -> bool:
        """An edit waits for the save delay to pass."""
        return self._pending is not None

    # -- changes ----------------------------------------------------------------------------------------

    def on_change(self, listener: Callable[[Change], None]) -> None:
        """Call ``listener(change)`` after edits settle (saved or refused) and after a reload."""
        self._listeners.append(listener)

    def changed(self, *tables: str, at_once: bool = False) -> None:
        """The spec was edited (in ``tables``; none named: anywhere). The edit is saved and the views told
        after :data:`SAVE_DELAY` without further edits, or now if ``at_once`` or no event loop runs."""
        self._report = None
        self._edited.update(tables or ("*",))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        waiting = self._pending is not None
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if at_once or loop is None:
            self._settle()
        else:
            self._pending = loop.call_later(SAVE_DELAY, self._settle)
            if not waiting:
                self._notify(Change())  # the "saving…" mark

    def _settle(self) -> None:
        self._pending = None
        self.flush()

    def _notify(self, change: Change) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # one broken view must not stop saving or the other views
                _log.exception("specbook: a view failed to refresh")

    def flush(self, *, force: bool = False) -> bool:
        """Write pending edits now and tell the views. Returns False (and sets ``conflict``) if the file
        changed on disk since it was loaded or saved here: nothing is overwritten unless ``force``."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        try:
            save(self.spec, self.path, force=force)
        except SpecDeletedError as exc:
            self.conflict = exc
            self.stale = True
            self.save_error = str(exc)
            ok = False
        except SpecConflictError as exc:
            self.conflict = exc
            self.stale = True
            ok = False
        except SpecSaveError as exc:
            self.save_error = str(exc)
            ok = False
        except UnicodeError as exc:
            self.save_error = lang.text(self.spec.language, "forms.save.unencodable", reason=str(exc))
            ok = False
        else:
            self.conflict = None
            self.stale = False
            self.save_error = None
            self._seen = self._stat()
            self.saved_at = datetime.datetime.now()
            ok = True
        edited, self._edited = self._edited, set()
        self._notify(Change(frozenset(edited - {"*"}), everything="*" in edited))
        return ok

    def overwrite(self) -> bool:
        """Keep this workbook's version: write it over the file that changed on disk."""
        return self.flush(force=True)

    def reload(self) -> None:
        """Drop unsaved edits and read the file as it is on disk now."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._edited.clear()
        fresh = load(self.path)
        self.spec.language = fresh.language
        self.spec.project = fresh.project
        self.spec.goal = fresh.goal
        self.spec.tables.clear()
        self.spec.tables.update(fresh.tables)
        self.spec.origins.clear()
        self.spec.origins.update(fresh.origins)
        self.conflict = None
        self.stale = False
        self.save_error = None
        self._seen = self._stat()
        self._report = None
        self._notify(Change(everything=True))

    @property
    def report(self) -> Report:
        if self._report is None:
            self._report = check(self.spec)
        return self._report

    # -- the file on disk -------------------------------------------------------------------------------

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def check_disk(self) -> bool:
        """Look whether the file changed on disk since it was loaded or saved here; if so, mark the workbook
        ``stale`` and tell the views (they offer to reload). Returns ``stale``."""
        seen = self._stat()
        if seen == self._seen or self.stale:
            return self.stale
        self._seen = seen
        try:
            digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        if self.spec.origins.get(str(self.path.resolve())) != digest:
            self.stale = True
            self._notify(Change())
        return self.stale

    def watch(self, interval: float = WATCH_INTERVAL) -> None:
        """Keep looking at the file on disk while an event loop runs (idempotent; no-op without a loop)."""
        if self._watching is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        def tick() -> None:
            try:
                self.check_disk()
            finally:
                self._watching = loop.call_later(interval, tick)

        self._watching = loop.call_later(interval, tick)

    def close(self) -> None:
        """Write what is pending and stop watching the file."""
        if self._watching is not None:
            self._watching.cancel()
            self._watching = None
        if self._pending is not None:
            self._settle()

    # -- views ------------------------------------------------------------------------------------------

    def section(self, key: str) -> SectionView:
        return SectionView(self, key)

    def readiness(self) -> ReadinessView:
        return ReadinessView(self)

    def title(self) -> TitleView:
        return TitleView(self)


class Notice:
    """One line of text shown where a view would be."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self.text}

    def __repr__(self) -> str:
        return self.text


class MissingWorkbook:
    """A workbook notebook opened where there is no spec (the template itself, say): its title says so in
    one line, and how to make one; every other view shows nothing, so no cell fails."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.message = lang.text(lang.DEFAULT_LANGUAGE, "ui.no_spec", path=path.absolute())

    def title(self) -> Notice:
        return Notice(self.message)

    def readiness(self) -> None:
        return None

    def section(self, key: str) -> None:
        return None


def open_workbook(path: str | os.PathLike[str] | None = None) -> Workbook | MissingWorkbook:
    """The workbook of a folder (or of a spec file); without a path, the folder named by the environment
    variable ``SPECBOOK_SPEC`` if it is set, else the current folder. Where that spec does not exist, a
    :class:`MissingWorkbook` that says so instead of failing in every cell."""
    wait_for_the_page()
    if path is None:
        path = os.environ.get(SPEC_ENV) or "."
    spec_path = resolve(path)
    if not spec_path.exists() and not spec_path.is_symlink():
        return MissingWorkbook(spec_path)
    return Workbook(path)


if TYPE_CHECKING:  # a Workbook is the session forms and views work with
    _session: Session = Workbook()
