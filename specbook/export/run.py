"""Running a workbook for its handout: in its own folder, with the views in static mode (no widgets).

The kernel is started first; whatever the caller still has to prepare (reading the spec, importing the
renderers) happens while it boots, so the kernel start stays the one real cost of an export.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import json
import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from specbook.workbook import SPEC_ENV, STATIC_ENV

TIMEOUT = 600  # seconds a single cell may run

# Imported by the kernel while it boots (IPython kernels only), in parallel with the caller's own work.
_WARM_UP = "import specbook.workbook"


class WorkbookRunError(RuntimeError):
    """A cell of the workbook failed; the message names the cell and the error."""


def kernel_env() -> dict[str, str]:
    """The environment of the kernel: ours, with static views, without debugger chatter, and without a
    spec chosen by variable (the export is of this workbook's folder)."""
    env = {k: v for k, v in os.environ.items() if k != SPEC_ENV}  # the workbook opens its own folder
    return {**env, STATIC_ENV: "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def execute(
    nb: str | Mapping[str, Any],
    cwd: str | os.PathLike[str],
    *,
    while_starting: Callable[[], None] | None = None,
    timeout: int = TIMEOUT,
) -> Any:
    """Run every code cell of ``nb`` (notebook JSON text, or a NotebookNode) in a fresh kernel in ``cwd``;
    return the executed notebook as a NotebookNode. ``while_starting`` is called while the kernel boots.

    Works from plain code, from a worker thread of a server and from inside a running event loop (a
    notebook cell): the run gets an event loop of its own, in a helper thread when this one is busy."""
    work = _execute(nb, Path(cwd), while_starting, timeout)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _execute(nb: str | Mapping[str, Any], cwd: Path, while_starting: Callable[[], None] | None,
                   timeout: int) -> Any:
    from jupyter_client.manager import AsyncKernelManager

    metadata = (json.loads(nb) if isinstance(nb, str) else nb).get("metadata", {})
    kernel_name = metadata.get("kernelspec", {}).get("name") or "python3"
    km = AsyncKernelManager(kernel_name=kernel_name)
    argv = km.kernel_spec.argv if km.kernel_spec else []
    warm = ["--IPKernelApp.exec_lines=" + _WARM_UP] if any("ipykernel" in a for a in argv) else []
    await km.start_kernel(cwd=str(cwd), env=kernel_env(), extra_arguments=warm,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if while_starting is not None:
            while_starting()
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        node: Any = nbformat.reads(nb, as_version=4) if isinstance(nb, str) else copy.deepcopy(nb)
        client = NotebookClient(node, km=km, kernel_name=kernel_name, timeout=timeout, allow_errors=False,
                                record_timing=False, resources={"metadata": {"path": str(cwd)}})
        try:
            await client.async_execute()
        except CellExecutionError as exc:
            raise WorkbookRunError(_describe(node, exc)) from None
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
        return node
    finally:
        await km.shutdown_kernel(now=True)


def _describe(nb: Any, exc: Exception) -> str:
    failed = next((i for i, c in enumerate(nb.cells, start=1) if c.cell_type == "code"
                   and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    name = getattr(exc, "ename", type(exc).__name__)
    value = getattr(exc, "evalue", str(exc))
    where = f"cell {failed}" if failed else "a cell"
    return f"the workbook failed at {where}: {name}: {value}"
