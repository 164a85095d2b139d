"""Print layout and output selection, without a kernel: the views' HTML is put into notebook outputs by hand
and passed through the same exporter and PDF renderer as a real export."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from specbook import check, lang, render
from specbook.definitions import SECTIONS
from specbook.export.exporters import HandoutHTMLExporter
from specbook.export.handout import build, output_html
from specbook.export.pdf import to_pdf
from specbook.model import Goal, Project, Spec, make_table


def notebook_of(spec: Spec) -> nbformat.NotebookNode:
    report = check(spec)
    views = [render.title_bundle(spec, report), render.readiness_bundle(report),
             *(render.section_bundle(spec, s.key, report) for s in SECTIONS[1:])]
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2}}
    cells = [new_code_cell("wb.view()", outputs=[new_output("display_data", data={**v, **widget})])
             for v in views]
    return new_notebook(cells=cells)


def handout_html(nb: nbformat.NotebookNode) -> str:
    html, _ = HandoutHTMLExporter(execute=False).from_notebook_node(nb, resources={"metadata": {"name": "x"}})
    return str(html)


def pdf_pages_text(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True).stdout.decode()
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def long_spec() -> Spec:
    fields = [{"entity": "Заказ", "name": f"Поле {i}", "kind": "text", "meaning": f"Смысл поля номер {i}, "
               "описанный достаточно длинно, чтобы строка таблицы переносилась на две строки"} for i in range(90)]
    return Spec(language="ru", project=Project(name="Длинный проект", version="2"), goal=Goal(primary="other"),
                tables={"entities": make_table("entities", [{"name": "Заказ"}]),
                        "fields": make_table("fields", fields)})


@pytest.fixture(scope="module")
def long_html(long_spec: Spec) -> str:
    return handout_html(notebook_of(long_spec))


@pytest.fixture(scope="module")
def long_pdf(long_html: str) -> bytes:  # one render for the tests that only read it
    return to_pdf(long_html)


def test_a_table_split_across_pages_repeats_its_header(long_pdf: bytes, tmp_path: Path) -> None:
    pages = pdf_pages_text(long_pdf, tmp_path)
    header = lang.label("ru", "fields", "meaning")
    with_rows = [p for p in pages if re.search(r"Поле\s+\d+", p)]
    assert len(with_rows) >= 3
    for page in with_rows:
        assert header in page
    numbers = sorted(int(n) for p in with_rows for n in re.findall(r"Поле\s+(\d+)", p))
    assert numbers == list(range(90)), "every row once, none lost at a page break"


def test_pages_are_a4_with_numbers_and_project_header(long_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "handout.pdf"
    path.write_bytes(long_pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = pdf_pages_text(path.read_bytes(), tmp_path)
    for number, page in enumerate(pages[1:], start=2):
        assert f"Страница {number} из {len(pages)}" in page and "Длинный проект" in page


def test_contents_link_every_section_with_page_numbers_in_pdf(long_html: str, long_pdf: bytes,
                                                            tmp_path: Path) -> None:
    toc = re.search(r'<nav class="sb-toc".*?</nav>', long_html, re.S)
    assert toc and toc.group().count('<li class="sb-toc-h2">') == len(SECTIONS) - 1
    assert '<li class="sb-toc-h3"><a href="#sb-diagram">' in toc.group()  # the diagram, under its section
    contents = pdf_pages_text(long_pdf, tmp_path)[1]
    assert re.search(r"1\. Цель[ .]*\d+", contents)


def test_widget_only_and_noise_outputs_are_dropped() -> None:
    assert output_html({"output_type": "stream", "name": "stderr", "text": "warning"}) == ""
    assert output_html({"output_type": "error", "ename": "E", "evalue": "", "traceback": []}) == ""
    widget: dict[str, Any] = {"output_type": "display_data",
                              "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                                       "text/plain": "Tab(...)"}}
    assert output_html(widget) == '<pre class="sb-plain">Tab(...)</pre>'
    del widget["data"]["text/plain"]
    assert output_html(widget) == ""
    both = {"output_type": "display_data", "data": {"text/html": "<p>static</p>",
                                                    "application/vnd.jupyter.widget-view+json": {}}}
    assert output_html(both) == "<p>static</p>"
    svg = {"output_type": "display_data", "data": {"image/svg+xml": "<svg onload='alert(1)'/>"}}
    assert output_html(svg).startswith('<img class="sb-image" alt="" src="data:image/svg+xml;base64,')


def test_language_and_title_come_from_the_cover(long_spec: Spec) -> None:
    doc = build(notebook_of(long_spec))
    assert doc.language == "ru" and doc.title == "Длинный проект"
    assert build(new_notebook(cells=[new_markdown_cell("# Notes")]), "fallback").title == "fallback"
