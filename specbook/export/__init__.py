"""Handouts: the completed workbook as HTML and PDF, with the spec file and its JSON Schema beside them.

``export(path)`` runs the workbook once (its own ``workbook.ipynb``, or the standard one when the folder has
none) and renders every requested format from that one run, through the same nbconvert exporter that
``jupyter nbconvert --to specbook_html`` uses. Files are named after the project and the spec's version
(or date) and written to ``exports/`` unless told otherwise.

This module imports nothing heavy: nbconvert and WeasyPrint are loaded only while the kernel boots.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook.export.naming import stem
from specbook.export.run import WorkbookRunError, execute
from specbook.model import Spec
from specbook.scaffold import WORKBOOK_FILE, template_path
from specbook.schema import json_schema_text
from specbook.storage import SPEC_FILE, atomic_write, load, resolve, save

FORMATS: tuple[str, ...] = ("html", "pdf")
DEFAULT_DIR = "exports"

__all__ = ["DEFAULT_DIR", "FORMATS", "UnknownFormatError", "WorkbookRunError", "export"]


class UnknownFormatError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No export format named {name!r}; formats are: {', '.join(FORMATS)}")
        self.name = name


def formats(to: str | Iterable[str]) -> tuple[str, ...]:
    """``"html,pdf"`` or ``["pdf"]`` as a checked tuple of format names, in the order of ``FORMATS``."""
    names = [n.strip().lower() for n in (to.split(",") if isinstance(to, str) else to) if n.strip()]
    for name in names:
        if name not in FORMATS:
            raise UnknownFormatError(name)
    return tuple(f for f in FORMATS if f in names)


@dataclass
class _Source:
    folder: Path  # where the workbook runs: it holds the spec.yaml that is copied beside the handout
    notebook: Path


def _stage(source: str | os.PathLike[str] | Spec, scratch: Path) -> _Source:
    """Where to run: a workbook folder as it is, or a scratch folder for a bare spec file or a Spec."""
    if isinstance(source, Spec):
        save(source.copy(), scratch / SPEC_FILE)
        return _Source(scratch, template_path())
    path = Path(source)
    if path.suffix == ".ipynb":
        return _Source(path.parent, path)
    spec_file = resolve(path)
    if not spec_file.is_file():
        load(spec_file)  # raises SpecFormatError naming the file and why it cannot be read
    if spec_file.name == SPEC_FILE:
        folder = spec_file.parent
        notebook = folder / WORKBOOK_FILE
        return _Source(folder, notebook if notebook.is_file() else template_path())
    shutil.copyfile(spec_file, scratch / SPEC_FILE)  # a spec file under another name: run it from scratch
    return _Source(scratch, template_path())


def export(
    source: str | os.PathLike[str] | Spec,
    to: str | Iterable[str] = FORMATS,
    output_dir: str | os.PathLike[str] = DEFAULT_DIR,
) -> list[Path]:
    """Export the workbook at ``source`` (a workbook folder, its ``spec.yaml`` or ``workbook.ipynb``, any spec
    file, or a :class:`Spec`) to the formats ``to``; return the paths written: the handouts, then the spec
    file and its JSON Schema. Raises :class:`specbook.SpecError` for an unreadable spec and
    :class:`WorkbookRunError` when a cell of the workbook fails."""
    wanted = formats(to)
    if not wanted:
        raise UnknownFormatError(str(to))
    with tempfile.TemporaryDirectory(prefix="specbook-export-") as tmp:
        staged = _stage(source, Path(tmp))
        return _export(staged, wanted, Path(output_dir))


def _export(staged: _Source, wanted: tuple[str, ...], output_dir: Path) -> list[Path]:
    notebook = staged.notebook.read_text(encoding="utf-8")
    spec_file = staged.folder / SPEC_FILE
    loaded: dict[str, Any] = {}

    def while_starting() -> None:  # the kernel boots meanwhile
        loaded["spec"] = load(spec_file)
        loaded["spec_file"] = spec_file.read_bytes()
        from specbook.export import exporters

        loaded["exporter"] = exporters.HandoutHTMLExporter(execute=False)
        if "pdf" in wanted:
            from specbook.export import pdf

            loaded["pdf"] = pdf

    executed = execute(notebook, staged.folder, while_starting=while_starting)
    name = stem(loaded["spec"])
    html, _ = loaded["exporter"].from_notebook_node(
        executed, resources={"metadata": {"path": str(staged.folder), "name": name}})
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "html" in wanted:
        written.append(_write(output_dir / f"{name}.html", html.encode("utf-8")))
    if "pdf" in wanted:
        written.append(_write(output_dir / f"{name}.pdf", loaded["pdf"].to_pdf(html)))
    written.append(_write(output_dir / f"{name}.spec.yaml", loaded["spec_file"]))
    written.append(_write(output_dir / f"{name}.schema.json", json_schema_text().encode("utf-8")))
    return written


def _write(path: Path, data: bytes) -> Path:
    """Write whole or not at all: readers (and a second export at the same time) never see half a file."""
    atomic_write(path, data)
    return path
