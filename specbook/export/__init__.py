"""Handouts: the completed workbook as HTML and PDF, with the spec file and its JSON Schema beside them.

``export(path)`` runs the workbook once (its own ``workbook.ipynb``, or the standard one when the folder has
none) and renders every requested format from that one run, through the same nbconvert exporter that
``jupyter nbconvert --to specbook_html`` uses. A workbook of specbook's own cells runs in this process; one
with the analyst's own code runs in a fresh kernel (see :mod:`specbook.export.run`). The spec is read once.
Files are named after the project and the spec's version (or date) and written to ``exports/`` beside the
workbook folder unless told otherwise.

This module imports nothing heavy: nbconvert and WeasyPrint are loaded only when a handout is rendered.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specbook import lang
from specbook.checks import Report, check
from specbook.export.ahead import PdfRenderer
from specbook.export.naming import stem
from specbook.export.run import WorkbookRunError, execute, execute_here, own_cells
from specbook.model import Spec
from specbook.scaffold import WORKBOOK_FILE, template_path
from specbook.schema import json_schema_text
from specbook.storage import SPEC_FILE, atomic_write, load, resolve, save
from specbook.workbook import Workbook

FORMATS: tuple[str, ...] = ("html", "pdf")
DEFAULT_DIR = "exports"

__all__ = ["DEFAULT_DIR", "FORMATS", "Exported", "UnknownFormatError", "WorkbookRunError", "export", "export_handouts"]


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


def default_dir(source: str | os.PathLike[str] | Spec) -> Path:
    """Where handouts go unless told: ``exports/`` beside the workbook folder (beside the spec file when it
    is not a workbook's ``spec.yaml``), or in the current folder for a :class:`Spec`; always absolute."""
    if isinstance(source, Spec):
        return Path.cwd() / DEFAULT_DIR
    path = Path(source).resolve()
    if path.suffix == ".ipynb" or (not path.is_dir() and path.name != SPEC_FILE):
        return path.parent / DEFAULT_DIR  # a notebook or a bare spec file: beside it
    folder = path if path.is_dir() else path.parent
    return folder.parent / DEFAULT_DIR


@dataclass
class Exported:
    """What one export did: the files written (none when refused), the check of the spec, and whether the
    workbook needed a kernel for the analyst's own code."""

    paths: list[Path]
    report: Report
    kernel: bool


def export(
    source: str | os.PathLike[str] | Spec,
    to: str | Iterable[str] = FORMATS,
    output_dir: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Export the workbook at ``source`` (a workbook folder, its ``spec.yaml`` or ``workbook.ipynb``, any spec
    file, or a :class:`Spec`) to the formats ``to``; return the absolute paths written: the handouts, then
    the spec file and its JSON Schema (into ``output_dir``, by default ``exports/`` beside the workbook
    folder). Raises :class:`specbook.SpecError` for an unreadable spec and :class:`WorkbookRunError` when a
    cell of the workbook fails."""
    return export_handouts(source, to, output_dir).paths


def export_handouts(
    source: str | os.PathLike[str] | Spec,
    to: str | Iterable[str] = FORMATS,
    output_dir: str | os.PathLike[str] | None = None,
    *,
    refuse_errors: bool = False,
    on_kernel: Callable[[str], None] | None = None,
) -> Exported:
    """:func:`export` with what the command line reports: the check of the spec, and whether a kernel ran.
    ``refuse_errors`` writes nothing when the spec has errors; ``on_kernel`` is told (with the reason, in
    the spec's language) before a kernel is started for the analyst's own code."""
    wanted = formats(to)
    if not wanted:
        raise UnknownFormatError(str(to))
    target = Path(output_dir).resolve() if output_dir is not None else default_dir(source)
    # the PDF's renderer starts first: it loads while the workbook runs (see ahead.py)
    with tempfile.TemporaryDirectory(prefix="specbook-export-") as tmp, PdfRenderer("pdf" in wanted) as pdf:
        staged = _stage(source, Path(tmp))
        return _export(staged, wanted, target, refuse_errors, on_kernel, pdf)


def _export(staged: _Source, wanted: tuple[str, ...], output_dir: Path, refuse_errors: bool,
            on_kernel: Callable[[str], None] | None, pdf: PdfRenderer) -> Exported:
    notebook: dict[str, Any] = json.loads(staged.notebook.read_text(encoding="utf-8"))
    spec_file = staged.folder / SPEC_FILE
    spec_bytes = spec_file.read_bytes()
    plan = own_cells(notebook)
    workbook = Workbook(staged.folder) if isinstance(plan, list) else None
    spec = workbook.spec if workbook is not None else load(spec_file)  # the one parse of the spec here
    report = workbook.report if workbook is not None else check(spec)
    if refuse_errors and not report.ok:
        return Exported([], report, workbook is None)
    if isinstance(plan, list) and workbook is not None:  # specbook's own cells only: their outputs come from here
        executed: Any = execute_here(notebook, workbook, plan)
    else:
        if on_kernel is not None and isinstance(plan, int):
            on_kernel(lang.text(spec.language, "export.kernel_needed", number=plan + 1))
        executed = execute(notebook, staged.folder, language=spec.language)
    part = _data_part(spec, staged.folder)
    if part:
        executed["cells"].append({"id": "specbook-verify", "cell_type": "code", "metadata": {}, "source": "",
                                  "execution_count": None,
                                  "outputs": [{"output_type": "display_data", "metadata": {},
                                               "data": {"text/html": part}}]})
    name = stem(spec)
    from specbook.export import handout, page

    # the page the specbook_html exporter makes of this run, without importing nbconvert (see page.py)
    html = page.page_html(handout.build(executed, fallback_title=name).as_resources())
    if "pdf" in wanted:
        pdf.submit(html)  # laid out while the other files are written
    output_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    if "html" in wanted:
        written["html"] = _write(output_dir / f"{name}.html", html.encode("utf-8"))
    written["spec"] = _write(output_dir / f"{name}.spec.yaml", spec_bytes)
    written["schema"] = _write(output_dir / f"{name}.schema.json", json_schema_text().encode("utf-8"))
    if "pdf" in wanted:
        written["pdf"] = _write(output_dir / f"{name}.pdf", pdf.result())
    order = ("html", "pdf", "spec", "schema")
    return Exported([written[k] for k in order if k in written], report, workbook is None)


def _data_part(spec: Spec, folder: Path) -> str:
    """The handout's "checked against data" part when the spec lists sample exports (its samples table,
    paths relative to the workbook folder); exports that cannot be read are named there instead."""
    from specbook.verify import VerifyInputError, samples_of, verify
    from specbook.verify.report import problems_html, verify_html

    samples = samples_of(spec, folder)
    if not samples:
        return ""
    try:
        return verify_html(verify(spec, samples))
    except VerifyInputError as exc:
        return problems_html(spec.language, exc.problems)


def _write(path: Path, data: bytes) -> Path:
    """Write whole or not at all: readers (and a second export at the same time) never see half a file."""
    atomic_write(path, data)
    return path
