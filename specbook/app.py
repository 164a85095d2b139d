"""Customer mode: the same workbook, served code-free by Voila on this machine.

``serve(folder)`` runs the folder's ``workbook.ipynb`` (or the packaged template, pointed at the folder's
spec) in Voila on 127.0.0.1 and prints the address to open. What the customer enters goes through the same
forms into the same ``spec.yaml``; Voila shows the forms only — no code, no file, no column identifiers.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from specbook.scaffold import WORKBOOK_FILE, template_path
from specbook.storage import load, resolve
from specbook.workbook import SPEC_ENV

HOST = "127.0.0.1"
DEFAULT_PORT = 8866


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
        "--theme=light",
        "--strip_sources=True",
        "--show_tracebacks=False",
    ]


def serve(folder: str | os.PathLike[str], port: int | None = None) -> int:
    """Serve the workbook of ``folder`` until interrupted; prints its URL first. Returns an exit code."""
    spec_path = resolve(folder)
    load(spec_path)  # a missing or broken spec is reported here, in words, before anything starts
    port = choose_port(port)
    # The kernel Voila starts opens this spec whatever folder the notebook is in.
    os.environ[SPEC_ENV] = str(spec_path.resolve())
    print(f"http://{HOST}:{port}/", flush=True)
    from voila.app import Voila

    Voila.launch_instance(argv=voila_argv(spec_path.parent, port))
    return 0
