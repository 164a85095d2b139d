"""The PDF renderer started ahead of the handout.

Importing WeasyPrint (Pango, HarfBuzz and fontconfig through cffi) and loading the fonts take a third of a
second before the first page is laid out. An export that writes a PDF starts its renderer first: a forked
process that imports WeasyPrint and sets a line of each font while this process runs the workbook and
checks the data, then renders the handout it is handed while this process writes the other files.

Only a process with no other thread forks, on Linux with a second processor to use; a kernel, a server or
a test runner renders in-process, as does any other platform. Whatever goes wrong in the helper, the
handout is rendered in this process instead, so the PDF and the errors are the same either way.
"""

from __future__ import annotations

import os
import sys
import threading
from types import TracebackType
from typing import Any


def _can_fork() -> bool:
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # pragma: no cover - Linux has it
        return False


def _serve(conn: Any, parent_end: Any) -> None:
    """The helper: import and warm the renderer, render the one handout it is sent, send the PDF back. It
    ends when its parent does (the parent's end of the pipe, inherited, is closed first)."""
    parent_end.close()
    try:
        from specbook.export.pdf import to_pdf, warm_up

        warm_up()
        html = conn.recv()
        if html is not None:
            conn.send(to_pdf(html))
    except BaseException:  # the parent renders in-process and meets the error itself
        pass
    finally:
        conn.close()


class PdfRenderer:
    """``with PdfRenderer() as renderer: ...; renderer.submit(html); ...; pdf = renderer.result()``."""

    def __init__(self, ahead: bool = True) -> None:
        self._process: Any = None
        self._conn: Any = None
        self._html: str | None = None
        if ahead and _can_fork():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child, self._conn), daemon=True,
                                            name="specbook-pdf")
            self._process.start()
            child.close()

    def __enter__(self) -> PdfRenderer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    @property
    def ahead(self) -> bool:
        """Whether a helper process renders (else the PDF is made in this process)."""
        return self._process is not None

    def submit(self, html: str) -> None:
        """Hand over the handout; the helper starts on it at once."""
        self._html = html
        if self._conn is not None:
            try:
                self._conn.send(html)
            except (OSError, ValueError):
                self.close()

    def result(self) -> bytes:
        """The PDF of the handout submitted."""
        if self._html is None:
            raise RuntimeError("no handout was submitted")
        if self._conn is not None:
            try:
                pdf = self._conn.recv()  # the helper's end closes when it ends, whatever happened to it
                if isinstance(pdf, bytes):
                    return pdf
            except (EOFError, OSError, ValueError):
                pass
            finally:
                self.close()
        from specbook.export.pdf import to_pdf

        return to_pdf(self._html)

    def close(self) -> None:
        """Stop the helper (it ends by itself once it has answered)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(timeout=0.5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None
