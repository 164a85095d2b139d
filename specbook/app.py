"""Customer mode: the same workbook, served code-free by Voila on this machine.

``serve(folder)`` runs the folder's ``workbook.ipynb`` (or the packaged template, pointed at the folder's
spec) in Voila on 127.0.0.1 and prints the address to open once a page opens at once: the server answers and
its preheated kernel has imported the workbook (the kernel says so by creating a file; asking for the page to
find out would use up that kernel, and start a second one). What the customer enters
goes through the same forms into the same ``spec.yaml``; Voila shows the forms only — no code, no file, no
column identifiers.

Bounded and private: the address carries a secret token (a request without it gets no page), only the
host names of this machine are accepted (a foreign ``Host`` header, as in DNS rebinding, gets no page),
a page's kernel is shut down when the page closes (its shutdown call carries the ``_xsrf`` cookie the
page is given) and a kernel left without a page is culled after ``idle_timeout`` seconds. The page fetches
nothing from outside this machine (customer mode's own Voila template drops the lab page's CDN style sheets).

Quick to open: Voila keeps :data:`POOL_SIZE` kernel started ahead (a preheated kernel) that has already
imported the workbook, so a page does not wait for Python, pandas and the widgets to start. The workbook
reads the spec only when the page is asked for (see ``specbook.workbook.open_workbook``). A kernel waiting
in the pool is never culled; it is the one kernel the server keeps without a page.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from specbook.preheat import READY_ENV
from specbook.scaffold import WORKBOOK_FILE, template_path
from specbook.storage import load, resolve
from specbook.workbook import SPEC_ENV

HOST = "127.0.0.1"
HOST_NAMES = ("localhost",)  # besides loopback addresses, which are always accepted
DEFAULT_PORT = 8866
IDLE_TIMEOUT = 300  # seconds a kernel may stay without a page before it is culled
CULL_INTERVAL = 30  # seconds between looks for such kernels
READY_TIMEOUT = 600  # seconds to wait for the first page before saying the address anyway
POOL_SIZE = 1  # kernels started ahead of the pages that will use them
TEMPLATE = "specbook_customer"  # Voila's lab page, with nothing fetched from outside this machine
TEMPLATES_ROOT = Path(__file__).parent / "customer"  # holds voila/templates/<TEMPLATE>


class PortInUseError(OSError):
    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} on {HOST} is already in use; choose another with --port")
        self.port = port


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def choose_port(port: int | None = None) -> int:
    """``port`` if it is free (else :class:`PortInUseError`); without one, 8866 or the next free port."""
    if port is not None:
        if not _free(port):
            raise PortInUseError(port)
        return port
    for candidate in range(DEFAULT_PORT, DEFAULT_PORT + 100):
        if _free(candidate):
            return candidate
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def voila_argv(folder: str | os.PathLike[str], port: int) -> list[str]:
    """The Voila command line that serves the workbook of ``folder`` on ``port``."""
    root = Path(folder).resolve()
    if root.is_file():
        root = root.parent
    notebook = root / WORKBOOK_FILE
    if not notebook.is_file():
        notebook = template_path()
    return [
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        "--Voila.port_retries=0",
        f"--template={TEMPLATE}",
        "--theme=light",
        "--strip_sources=True",
        "--show_tracebacks=False",
    ]


def url(port: int, token: str) -> str:
    """The address the customer opens."""
    return f"http://{HOST}:{port}/?token={token}"


def voila_config(token: str, idle_timeout: int = IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL) -> Any:
    """Voila's settings for customer mode: the token, the accepted host names, kernels that end with the page."""
    from traitlets.config import Config

    config = Config()
    config.Voila.token = token
    # Voila itself allows any Host; the server's own check (loopback or a listed name) is turned back on.
    config.Voila.tornado_settings = {"allow_remote_access": False, "local_hostnames": list(HOST_NAMES)}
    config.Voila.identity_provider_class = _identity_provider()
    config.VoilaConfiguration.preheat_kernel = True
    config.VoilaConfiguration.default_pool_size = POOL_SIZE
    config.MappingKernelManager.cull_idle_timeout = idle_timeout
    config.MappingKernelManager.cull_interval = cull_interval
    config.MappingKernelManager.cull_connected = False  # a page still open keeps its kernel
    config.MappingKernelManager.cull_busy = False
    return config


def give_xsrf_cookie(handler: Any) -> None:
    """Give the page the ``_xsrf`` cookie its shutdown call on closing sends (Voila's page reads it from the
    cookie, which nothing else sets, so the call was refused)."""
    _ = handler.xsrf_token  # reading it sets the cookie on this response


def _identity_provider() -> type:
    """Voila's token check, which also gives each page it lets through the ``_xsrf`` cookie (Voila's hook
    before a kernel starts cannot do it here: it is not called for a preheated kernel)."""
    from jupyter_server.auth.identity import PasswordIdentityProvider
    from jupyter_server.utils import ensure_async
    from voila.handler import VoilaHandler

    class PageIdentityProvider(PasswordIdentityProvider):
        async def get_user(self, handler: Any) -> Any:
            user = await ensure_async(super().get_user(handler))
            if user is not None and isinstance(handler, VoilaHandler):
                handler.current_user = user  # as the server sets it next; the cookie's lifetime depends on it
                give_xsrf_cookie(handler)
            return user

    return PageIdentityProvider


def _serving(address: str) -> bool:
    """Whether the server answers at ``address`` at all (any HTTP status: nothing that starts a kernel is asked)."""
    try:
        with urllib.request.urlopen(address, timeout=30):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _announce_when_ready(address: str, server: str, ready: Path, timeout: float = READY_TIMEOUT) -> None:
    """Print ``address`` once the server answers at ``server`` and ``ready`` exists (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (ready.exists() and _serving(server)):
        time.sleep(0.3)
    # one write of the whole line: the server's log, on the same terminal, must not land inside it
    sys.stdout.write(address + "\n")
    sys.stdout.flush()


def serve(folder: str | os.PathLike[str], port: int | None = None, *, idle_timeout: int = IDLE_TIMEOUT,
          cull_interval: int = CULL_INTERVAL) -> int:
    """Serve the workbook of ``folder`` until interrupted; prints its URL once a page would open at once."""
    spec_path = resolve(folder)
    load(spec_path)  # a missing or broken spec is reported here, in words, before anything starts
    port = choose_port(port)
    token = secrets.token_urlsafe(24)
    # The kernel Voila starts opens this spec whatever folder the notebook is in.
    os.environ[SPEC_ENV] = str(spec_path.resolve())
    # Voila finds templates in the Jupyter data folders; customer mode's own comes first.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES_ROOT), os.environ.get("JUPYTER_PATH")) if p)
    from voila.app import Voila

    address = url(port, token)
    with tempfile.TemporaryDirectory(prefix="specbook-app-") as scratch:
        ready = Path(scratch) / "kernel-ready"
        os.environ[READY_ENV] = str(ready)
        server = f"http://{HOST}:{port}/voila/static/"
        threading.Thread(target=_announce_when_ready, args=(address, server, ready), daemon=True).start()
        Voila.launch_instance(argv=voila_argv(spec_path.parent, port),
                              config=voila_config(token, idle_timeout, cull_interval))
    return 0
