"""A preheated kernel's wait for its page (customer mode).

Voila starts the next page's kernel and runs the workbook before anyone asks for the page, so that a page
opens without waiting for Python and its imports. The workbook calls :func:`wait_for_the_page` before it reads
the spec.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

# A file a preheated kernel creates once it has imported the workbook and waits for its page, so that the
# server prints its address when a page opens at once (see ``specbook.app``).
READY_ENV = "SPECBOOK_READY_FILE"


@functools.cache  # once per kernel: Voila tells a kernel of its page only once
def wait_for_the_page() -> None:
    """In customer mode Voila starts the next page's kernel and runs the workbook before anyone asks for the
    page (a preheated kernel), so that a page opens without waiting for Python and its imports. The spec is
    read only once the page is asked for: the forms show the file as it is then, not as it was when the
    kernel started (a page closed since may have saved answers)."""
    if os.environ.get("VOILA_PREHEAT") == "True":
        from voila.utils import wait_for_request  # only ever inside a Voila kernel

        ready = os.environ.get(READY_ENV)
        if ready:
            try:
                Path(ready).touch()
            except OSError:  # the server then announces its address after its own time limit
                logging.getLogger(__name__).warning("could not tell the server this kernel is ready: %s", ready)
        wait_for_request()
