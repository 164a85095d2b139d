"""Helpers shared by the workbook, forms and browser tests: a workbook folder made from a spec file, what is
on disk, every word a form shows, and the deterministic large spec of the benchmarks."""

from __future__ import annotations

import fcntl
import importlib.util
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as W
import pytest
from helpers import COMPLETE, DATA

from specbook import Spec, load
from specbook.export import export
from specbook.workbook import Workbook

ROOT = Path(__file__).resolve().parent.parent
PARTIAL_RU = DATA / "specs" / "partial_ru.yaml"
TEMPLATE = ROOT / "notebooks" / "workbook.ipynb"

__all__ = ["COMPLETE", "PARTIAL_RU", "ROOT", "TEMPLATE", "example_handouts", "generate_spec", "make_workbook",
           "on_disk", "words"]


def make_workbook(folder: Path, source: Path = COMPLETE) -> Workbook:
    """A workbook folder holding a copy of ``source`` as its spec.yaml, opened."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / "spec.yaml")
    return Workbook(folder)


def example_handouts(name: str, factory: pytest.TempPathFactory) -> list[Path]:
    """``specbook export examples/<name> --to html,pdf``: the paths written (HTML, PDF, spec, schema), made
    once per test run and shared by every test file and worker that reads them (a lock in the run's own
    temporary folder). Read them; do not change them."""
    base = factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # xdist: the run's folder
    folder = root / "example-handouts" / name
    folder.parent.mkdir(exist_ok=True)
    with (folder.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done = folder.parent / f"{name}.json"
        if not done.exists():
            written = export(ROOT / "examples" / name, "html,pdf", folder)
            done.write_text(json.dumps([str(p) for p in written]), encoding="utf-8")
        return [Path(p) for p in json.loads(done.read_text(encoding="utf-8"))]


def on_disk(wb: Workbook) -> Spec:
    """The spec as its file holds it now."""
    return load(wb.path)


def _children(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _children(child)


def words(widget: Any) -> list[str]:
    """Every piece of text a person can see or hover in a widget tree: labels, values of HTML, options,
    placeholders, tooltips, grid headers and row headers."""
    out: list[str] = []
    for w in _children(widget):
        for attr in ("description", "placeholder", "tooltip"):
            value = getattr(w, attr, None)
            if isinstance(value, str) and value:
                out.append(value)
        if isinstance(w, W.HTML):
            out.append(w.value)
        if isinstance(w, W.Dropdown):
            out.extend(str(label) for label in w._options_labels)
        if isinstance(w, W.Accordion):
            out.extend(w.titles)
        if type(w).__name__ == "_Grid":
            frame = w.data
            out.extend(str(c) for c in frame.columns)
            out.extend(str(i) for i in frame.index.names if i)
    return out


def generate_spec(n_fields: int, language: str = "en") -> Spec:
    """The benchmarks' deterministic spec of about ``n_fields`` fields."""
    path = ROOT / "benchmarks" / "generate.py"
    module_spec = importlib.util.spec_from_file_location("specbook_bench_generate", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    spec: Spec = module.generate_spec(n_fields, language)
    return spec


# --------------------------------------------------------------------------- driving a grid as its page does

_SEQ = itertools.count(1)


def _position(editor: Any, row: int | str | tuple[str, str]) -> int:
    if isinstance(row, int):
        return row
    index = list(editor.frame.index)
    return index.index(row)


def type_cell(editor: Any, header: str, row: int | str | tuple[str, str], text: str) -> dict[str, Any]:
    """Type ``text`` into the cell under ``header`` of the row at ``row`` (its place, or its row header),
    as the grid's page sends it; returns the grid's answer."""
    at = _position(editor, row)
    if isinstance(row, tuple):
        at = [editor.source.index(r) for r in editor.row_ids].index(editor.source.index(row))
    answer = editor.grid.handle({"op": "set", "row": editor.row_id(at), "column": editor.column_of(header),
                                 "value": text, "seq": next(_SEQ), "view": "test"})
    assert answer is not None
    return answer


def add_named(editor: Any, name: str) -> dict[str, Any]:
    """Type ``name`` in the grid's name box and click its Add button (one message, as the page sends it)."""
    answer = editor.grid.handle({"op": "add", "values": {editor.grid.add_column: name}, "seq": next(_SEQ),
                                 "view": "test"})
    assert answer is not None
    return answer


def row_action(editor: Any, action: str, row: int | str | tuple[str, str]) -> dict[str, Any]:
    """Click a row's own Remove, Up or Down button (``action``: remove, up, down), as the page sends it."""
    assert action in editor.grid.row_actions, f"the grid offers {editor.grid.row_actions}, not {action}"
    at = _position(editor, row)
    message: dict[str, Any] = {"op": "remove"} if action == "remove" else {"op": "move",
                                                                          "step": -1 if action == "up" else 1}
    answer = editor.grid.handle({**message, "row": editor.row_id(at), "seq": next(_SEQ), "view": "test"})
    assert answer is not None
    return answer


def grid_op(editor: Any, op: str, **values: Any) -> dict[str, Any]:
    """Send ``undo``, ``redo`` or ``paste`` to a grid."""
    answer = editor.grid.handle({"op": op, **values, "seq": next(_SEQ), "view": "test"})
    assert answer is not None
    return answer
