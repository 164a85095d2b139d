"""Running a workbook for its handout: in its own folder, with the views in static mode (no widgets).

A workbook made only of specbook's own cells (``import specbook.workbook``, ``wb = ...open_workbook()``,
``wb.title()``, ``wb.readiness()``, ``wb.section("...")``) and markdown is run here, in this process: each
cell gets the very output a kernel would give it (a pin in the tests keeps the two in step), and no kernel
is started. Any other code cell is the analyst's own, and the whole workbook then runs in a fresh kernel.
"""

from __future__ import annotations

import ast
import copy
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook import lang
from specbook._perf import defer_iri_grammar
from specbook.definitions import SECTION
from specbook.workbook import SPEC_ENV, STATIC_ENV, Workbook

TIMEOUT = 600  # seconds a single cell may run

# Imported by the kernel while it boots (IPython kernels only), in parallel with the caller's own work.
_WARM_UP = "import specbook.workbook"

_MODULE = "specbook.workbook"
_OPEN = "open_workbook"
_VIEWS = {"title": "TitleView", "readiness": "ReadinessView", "section": "SectionView"}


class WorkbookRunError(RuntimeError):
    """A cell of the workbook failed or its kernel died; the message names the cell and the error."""


def kernel_env() -> dict[str, str]:
    """The environment of the kernel: ours, with static views, without debugger chatter, and without a
    spec chosen by variable (the export is of this workbook's folder)."""
    env = {k: v for k, v in os.environ.items() if k != SPEC_ENV}  # the workbook opens its own folder
    return {**env, STATIC_ENV: "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


# --------------------------------------------------------------------------- specbook's own cells


@dataclass(frozen=True)
class _Call:
    """``wb.<view>(*args)`` as the last statement of a cell: the view whose output the cell shows."""

    view: str
    args: tuple[str, ...]


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _own_statement(stmt: ast.stmt, state: dict[str, str]) -> _Call | bool | None:
    """One statement of specbook's own cells: ``True`` for an import or the workbook's opening, a
    :class:`_Call` for a view, ``False`` for anything else (then a kernel must run the workbook)."""
    if isinstance(stmt, ast.Import):
        if all(a.name == _MODULE and a.asname is None for a in stmt.names):
            state["imported"] = "yes"
            return True
        return False
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        call = stmt.value
        if (isinstance(call, ast.Call) and not call.args and not call.keywords
                and _dotted(call.func) == f"{_MODULE}.{_OPEN}" and state.get("imported")):
            state["workbook"] = stmt.targets[0].id
            return True
        return False
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if (not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name)
                or func.value.id != state.get("workbook") or func.attr not in _VIEWS or call.keywords):
            return False
        args = tuple(a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
        if len(args) != len(call.args) or len(args) != (1 if func.attr == "section" else 0):
            return False
        return _Call(func.attr, args)
    return False


def _source(cell: Mapping[str, Any]) -> str:
    value = cell.get("source", "")
    return "".join(value) if isinstance(value, list) else str(value)


def own_cells(nb: Mapping[str, Any]) -> list[_Call | None] | int:
    """For each code cell of ``nb``, the view it shows (``None``: it shows nothing) when every code cell is
    one of specbook's own; else the index of the first cell of the analyst's own code (it needs a kernel)."""
    state: dict[str, str] = {}
    shows: list[_Call | None] = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return index  # the kernel reports it as IPython would
        shown: _Call | None = None
        for stmt in tree.body:
            step = _own_statement(stmt, state)
            if step is False:
                return index
            shown = step if isinstance(step, _Call) else None
        if shown is not None and shown.view == "section" and shown.args[0] not in SECTION:
            return index  # the kernel gives the real error for an unknown section
        quiet = source.rstrip().endswith(";")  # IPython shows nothing after a trailing semicolon
        shows.append(None if quiet else shown)
    return shows


def execute_here(nb: Mapping[str, Any], workbook: Workbook, shows: list[_Call | None]) -> dict[str, Any]:
    """``nb`` with every code cell's outputs as a kernel run in static mode gives them (``shows`` from
    :func:`own_cells`), computed in this process from ``workbook``."""
    from specbook.views import ReadinessView, SectionView, TitleView

    done: dict[str, Any] = copy.deepcopy(dict(nb))
    count = 0
    code = iter(shows)
    for cell in done.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        shown = next(code)
        cell["outputs"] = []
        if not _source(cell).strip():
            continue  # an empty cell is not run at all
        count += 1
        cell["execution_count"] = count
        if shown is None:
            continue
        view = (SectionView(workbook, shown.args[0]) if shown.view == "section"
                else TitleView(workbook) if shown.view == "title" else ReadinessView(workbook))
        data = {**view.static_bundle(), "text/plain": _VIEWS[shown.view]}
        cell["outputs"] = [{"output_type": "execute_result", "execution_count": count, "metadata": {},
                            "data": data}]
    return done


# --------------------------------------------------------------------------- a kernel for the analyst's code


def execute(
    nb: str | Mapping[str, Any],
    cwd: str | os.PathLike[str],
    *,
    while_starting: Callable[[], None] | None = None,
    timeout: int = TIMEOUT,
    language: str = lang.DEFAULT_LANGUAGE,
) -> Any:
    """Run every code cell of ``nb`` (notebook JSON text, or a NotebookNode) in a fresh kernel in ``cwd``;
    return the executed notebook as a NotebookNode. ``while_starting`` is called while the kernel boots.
    Raises :class:`WorkbookRunError` (in ``language``) when a cell fails or the kernel dies.

    Works from plain code, from a worker thread of a server and from inside a running event loop (a
    notebook cell): the run gets an event loop of its own, in a helper thread when this one is busy."""
    import asyncio  # only a run in a kernel needs an event loop (an export of specbook's own cells does not)
    import concurrent.futures

    work = _execute(nb, Path(cwd), while_starting, timeout, language)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _execute(nb: str | Mapping[str, Any], cwd: Path, while_starting: Callable[[], None] | None,
                   timeout: int, language: str) -> Any:
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    metadata = (json.loads(nb) if isinstance(nb, str) else nb).get("metadata", {})
    kernel_name = metadata.get("kernelspec", {}).get("name") or "python3"
    km = AsyncKernelManager(kernel_name=kernel_name)
    try:
        argv = km.kernel_spec.argv if km.kernel_spec else []
        warm = ["--IPKernelApp.exec_lines=" + _WARM_UP] if any("ipykernel" in a for a in argv) else []
        await km.start_kernel(cwd=str(cwd), env=kernel_env(), extra_arguments=warm,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except Exception as exc:  # no such kernel, or it cannot be started: one line, no traceback
        raise WorkbookRunError(lang.text(language, "export.kernel_failed", name=kernel_name,
                                         error=_one_line(exc))) from None
    try:
        if while_starting is not None:
            while_starting()
        defer_iri_grammar()  # nbformat imports jsonschema, which would build a grammar no export uses
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        from nbformat.v4.rwbase import rejoin_lines

        # read as nbformat reads a file (sources joined), without validating it against the schema
        node: Any = rejoin_lines(nbformat.from_dict(json.loads(nb) if isinstance(nb, str) else copy.deepcopy(dict(nb))))
        current: dict[str, int] = {}

        def on_cell(cell: Any, cell_index: int, **_: Any) -> None:
            current["index"] = cell_index

        client = NotebookClient(node, km=km, kernel_name=kernel_name, timeout=timeout, allow_errors=False,
                                record_timing=False, resources={"metadata": {"path": str(cwd)}},
                                on_cell_execute=on_cell)
        try:
            await client.async_execute()
        except CellExecutionError as exc:
            error = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', '')}".rstrip(": ")
            raise WorkbookRunError(_describe(node, current, language, "export.cell_failed", error)) from None
        except CellTimeoutError:
            raise WorkbookRunError(_describe(node, current, language, "export.cell_timeout",
                                             str(timeout))) from None
        except DeadKernelError:
            raise WorkbookRunError(_describe(node, current, language, "export.kernel_died", "")) from None
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
        return node
    finally:
        await km.shutdown_kernel(now=True)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _describe(nb: Any, current: dict[str, int], language: str, key: str, error: str) -> str:
    """The message of a failed run: the cell by its number among the workbook's cells, its first line of
    code, and what went wrong."""
    index = current.get("index")
    if index is None:  # find the cell that holds the error output
        index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                      and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    if index is None:
        where = lang.text(language, "export.a_cell")
    else:
        first = next((line.strip() for line in _source(nb.cells[index]).splitlines() if line.strip()), "")
        first = first if len(first) <= 60 else first[:59] + "…"
        where = lang.text(language, "export.cell", number=index + 1, code=first)
    return lang.text(language, key, cell=where, error=error)
