"""A preheated kernel's wait for its page (customer mode).

Voila starts the next page's kernel and runs the workbook before anyone asks for the page, so that a page
opens without waiting for Python and its imports. The workbook calls :func:`wait_for_the_page` before it reads
the spec.

The wait speaks Voila's request-info protocol itself instead of calling ``voila.utils.wait_for_request``:
importing ``voila.utils`` imports the whole Jupyter server (jupyter_server, jupyterlab_server, jsonschema's
format grammars), about five seconds of CPU in every page's kernel for one websocket message. The protocol
is small and public: the kernel connects to ``<server>/voila/query/<kernel id>`` and receives one JSON object
of the request's variables (``SERVER_NAME``, ``QUERY_STRING``, …), which it puts into its environment.
The customer-mode browser tests exercise it against the real server.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

# A file a preheated kernel creates once it has imported the workbook and waits for its page, so that the
# server prints its address when a page opens at once (see ``specbook.app``).
READY_ENV = "SPECBOOK_READY_FILE"
CONNECT_TIMEOUT = 5.0  # seconds to reach the server's query socket (Voila's own helper allows as much)

log = logging.getLogger(__name__)


def request_info_url(env: Mapping[str, str] = os.environ) -> str | None:
    """Where this kernel receives its page's request: Voila's query socket for its kernel id (the variables
    and defaults Voila itself uses), or None outside a Voila kernel."""
    kernel_id = env.get("VOILA_KERNEL_ID")
    if not kernel_id:
        return None
    protocol = env.get("VOILA_WS_PROTOCOL", "ws")
    host = env.get("VOILA_APP_IP", "127.0.0.1")
    port = env.get("VOILA_APP_PORT", "8866")
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base.rstrip('/')}/voila/query/{kernel_id}"


def wait_for_request() -> None:
    """Block until Voila hands this preheated kernel its page's request, then put the request's variables into
    the environment (what ``voila.utils.wait_for_request`` does, without importing the server)."""
    address = request_info_url()
    if address is None:
        log.warning("no VOILA_KERNEL_ID: not waiting for a page")
        return
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(address, open_timeout=CONNECT_TIMEOUT, max_size=2**20) as socket:
            message = socket.recv()
    except (OSError, TimeoutError, WebSocketException) as exc:
        log.warning("could not reach the server for this page's request (%s): %s", address, exc)
        return
    try:
        info = json.loads(message)
    except ValueError:
        log.warning("the server's request info is not JSON: %.80r", message)
        return
    if isinstance(info, dict):
        os.environ.update({str(k): str(v) for k, v in info.items()})


@functools.cache  # once per kernel: Voila tells a kernel of its page only once
def wait_for_the_page() -> None:
    """In customer mode Voila starts the next page's kernel and runs the workbook before anyone asks for the
    page (a preheated kernel), so that a page opens without waiting for Python and its imports. The spec is
    read only once the page is asked for: the forms show the file as it is then, not as it was when the
    kernel started (a page closed since may have saved answers)."""
    if os.environ.get("VOILA_PREHEAT") == "True":
        ready = os.environ.get(READY_ENV)
        if ready:
            try:
                Path(ready).touch()
            except OSError:  # the server then announces its address after its own time limit
                log.warning("could not tell the server this kernel is ready: %s", ready)
        wait_for_request()
