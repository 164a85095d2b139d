"""The nbconvert exporters ``specbook_html`` and ``specbook_pdf`` (registered as entry points).

``jupyter nbconvert --to specbook_pdf acme/workbook.ipynb`` runs the workbook in its folder with static
views (in this process when it holds only specbook's own cells, else in a kernel), turns the results into
the handout (:mod:`specbook.export.handout`) and fills the ``specbook_handout`` template; the PDF exporter
passes that HTML to :func:`specbook.export.pdf.to_pdf`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.exporters import TemplateExporter
from nbformat import from_dict
from traitlets import Bool, Integer, default

from specbook.export import handout, run
from specbook.export.page import TEMPLATE_FILE, TEMPLATE_NAME, TEMPLATES


def run_workbook(nb: Any, folder: str | Path, timeout: int = run.TIMEOUT) -> Any:
    """``nb`` run in ``folder``: here when it holds only specbook's own cells, else in a fresh kernel."""
    from specbook.workbook import Workbook

    plan = run.own_cells(nb)
    if isinstance(plan, list):
        return from_dict(run.execute_here(nb, Workbook(folder), plan))
    return run.execute(nb, folder, timeout=timeout)


class HandoutHTMLExporter(TemplateExporter):
    """The handout as one self-contained HTML page: no code, no prompts, no widgets, no scripts."""

    export_from_notebook = "Specbook handout (HTML)"
    output_mimetype = "text/html"

    execute = Bool(True, help="Run the workbook before rendering it (off when it already ran).").tag(config=True)
    timeout = Integer(run.TIMEOUT, help="Seconds a single cell may run.").tag(config=True)

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    @default("template_name")
    def _template_name_default(self) -> str:
        return TEMPLATE_NAME

    @default("template_file")
    def _template_file_default(self) -> str:
        return TEMPLATE_FILE

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [str(TEMPLATES)]

    @default("default_preprocessors")
    def _default_preprocessors_default(self) -> list[Any]:
        return []  # the handout is built from the run workbook; no other rewriting of the notebook

    def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, Any]:  # type: ignore[override]
        resources = self._init_resources(resources)
        folder = resources.get("metadata", {}).get("path") or "."
        nb = run_workbook(nb, folder, self.timeout) if self.execute else nb  # nbconvert copies it
        name = resources.get("metadata", {}).get("name") or ""
        resources["specbook"] = handout.build(nb, fallback_title=name).as_resources()
        output, resources = super().from_notebook_node(nb, resources, **kw)
        return output, resources


class HandoutPDFExporter(HandoutHTMLExporter):
    """The handout as an A4 PDF, rendered from the same HTML by WeasyPrint."""

    export_from_notebook = "Specbook handout (PDF)"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[bytes, Any]:  # type: ignore[override]
        from specbook.export.pdf import to_pdf

        html, resources = super().from_notebook_node(nb, resources, **kw)
        return to_pdf(html), resources


def render_html(executed: Any, folder: str | Path, name: str) -> str:
    """The handout HTML of an already executed workbook, through the ``specbook_html`` exporter."""
    html, _ = HandoutHTMLExporter(execute=False).from_notebook_node(
        from_dict(executed), resources={"metadata": {"path": str(folder), "name": name}})
    return html
