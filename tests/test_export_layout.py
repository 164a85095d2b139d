"""Page layout of the handouts as printed and as shown: wide matrices on landscape pages, no page left half
empty before a block that would have fitted on it, headers whole in Chromium, and the page that
``specbook export`` fills itself the same as the ``specbook_html`` exporter's."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from workbook_support import ROOT, example_handouts

from specbook import lang, load
from specbook.export import export
from specbook.model import Spec, make_table, table_records

EXAMPLES = ("shop-crm", "b2b-erp")
DPI = 40  # pages are rasterised this fine to find where ink is
MM = DPI / 25.4  # pixels per millimetre
# the handout's page margins (handout.css: @page margin 22mm 18mm 20mm 18mm), where the running header
# and footer stand
TOP, BOTTOM = round(22 * MM), round(20 * MM)
GAP = 3.5 * MM  # a vertical gap at least this tall ends a block (lines of one block stand closer)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("pdfinfo")),
                                reason="poppler-utils are not installed")


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Width and height (points) of every page, from poppler's pdfinfo."""
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], check=True, capture_output=True,
                         text=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)]


def pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True).stdout
    return text.decode("utf-8").split("\f")[:-1]


def ink_rows(pdf: Path, folder: Path) -> list[list[bool]]:
    """For every page, whether each row of pixels (at :data:`DPI`) holds anything drawn: text, rules,
    boxes, the diagram."""
    subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), str(pdf), str(folder / "p")], check=True)
    pages = []
    for image in sorted(folder.glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
        data = image.read_bytes()
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        assert header, image
        width, height = int(header[1]), int(header[2])
        pixels = data[header.end():]
        pages.append([min(pixels[y * width:(y + 1) * width]) < 200 for y in range(height)])
    return pages


@pytest.fixture(scope="module")
def example_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pdfs = {}
    for name in EXAMPLES:
        written = example_handouts(name, tmp_path_factory)
        pdfs[name] = next(p for p in written if p.suffix == ".pdf")
        pdfs[name + ".html"] = next(p for p in written if p.suffix == ".html")
    return pdfs


def wide_spec(n_systems: int = 8) -> Spec:
    """The complete test spec with ``n_systems`` systems, each with a role in the ownership matrix."""
    spec = load(ROOT / "tests" / "data" / "complete.yaml")
    systems = table_records(spec["systems"])
    template = systems[-1]
    for i in range(len(systems), n_systems):
        systems.append({**template, "name": f"Warehouse system {i + 1}"})
    spec.tables["systems"] = make_table("systems", systems)
    names = [s["name"] for s in systems]
    ownership = table_records(spec["ownership"])
    entity = ownership[0]["entity"]
    roles = [{"entity": entity, "field": "", "system": s, "role": "master" if i == 0 else "copy"}
             for i, s in enumerate(names)]
    spec.tables["ownership"] = make_table("ownership", roles + [r for r in ownership if r["entity"] != entity])
    return spec


# --------------------------------------------------------------------------- landscape for wide matrices


def test_an_ownership_matrix_of_eight_systems_prints_on_one_landscape_page(tmp_path: Path) -> None:
    spec = wide_spec(8)
    pdf = next(p for p in export(spec, to="pdf", output_dir=tmp_path) if p.suffix == ".pdf")
    heading = lang.text(spec.language, "handout.matrix")
    sizes, texts = page_sizes(pdf), pages_text(pdf)
    assert len(sizes) == len(texts)
    holding = [i for i, text in enumerate(texts) if heading in text]
    assert len(holding) == 1, "the matrix heading is on one page"
    (index,) = holding
    width, height = sizes[index]
    assert width > height, "the page of the wide matrix is landscape"
    # every system's column is on that page, its name whole: the matrix's header row (two lines of text at
    # most) holds every word of every system's name
    lines = texts[index].splitlines()
    first = lang.label(spec.language, "ownership", "entity")
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == [first])
    words = Counter(" ".join(lines[header:header + 2]).split())
    wanted = Counter(word for system in spec.names("systems") for word in system.split())
    assert not wanted - words, f"system names missing from the matrix header: {wanted - words}"
    # the status mapping of those systems is as wide and follows it; the rest of the handout is portrait
    landscape = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert landscape == list(range(index, index + len(landscape))) and len(landscape) <= 3, landscape
    status_heading = lang.text(spec.language, "sections.statuses.title")
    assert any(status_heading in texts[i] for i in landscape)


def test_a_matrix_that_fits_stays_on_the_portrait_page(tmp_path: Path) -> None:
    pdf = next(p for p in export(wide_spec(5), to="pdf", output_dir=tmp_path) if p.suffix == ".pdf")
    assert all(w < h for w, h in page_sizes(pdf))


# --------------------------------------------------------------------------- nothing in the side margins

SIDE = 18 * 72 / 25.4  # the page's left and right margin (handout.css), in points
_PAGE = re.compile(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def words_in_the_side_margins(pdf: Path) -> list[tuple[int, str]]:
    """(page, word) of every word printed in a page's left or right margin: a table wider than its page."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    pages = _PAGE.findall(bbox)
    assert pages
    tolerance = 1  # point
    return [(number, word) for number, (width, words) in enumerate(pages, start=1)
            for x_min, x_max, word in _WORD.findall(words)
            if float(x_min) < SIDE - tolerance or float(x_max) > float(width) - SIDE + tolerance]


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_table_runs_into_the_page_margin(example_pdfs: dict[str, Path], name: str) -> None:
    """A table whose words do not fit the line at its size is printed smaller, not past the margin (the
    shop-crm payment fields used to reach the paper's edge)."""
    assert words_in_the_side_margins(example_pdfs[name]) == []


# --------------------------------------------------------------------------- no page half empty for nothing


def _blocks(rows: list[bool]) -> list[tuple[int, int]]:
    """The vertical extents (first and last pixel row) of what is drawn in a page's content area (between
    the running header and footer), merged into blocks: a gap of :data:`GAP` or more ends a block."""
    blocks: list[tuple[int, int]] = []
    for y in range(TOP, len(rows) - BOTTOM):
        if not rows[y]:
            continue
        if blocks and y - blocks[-1][1] <= GAP:
            blocks[-1] = (blocks[-1][0], y)
        else:
            blocks.append((y, y))
    return blocks


def _forced_break_after(text: str, language: str) -> bool:
    """The cover and the contents end their page by design (a page break after each)."""
    return lang.text(language, "handout.contents") in text or lang.text(language, "handout.kicker") in text


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_page_is_more_than_half_empty_before_a_block_that_would_have_fitted(
        example_pdfs: dict[str, Path], name: str, tmp_path: Path) -> None:
    """A page may end more than half empty only when the block that opens the next page (up to the first
    clear gap: a heading with what it keeps with it, a table row, the diagram) is taller than the room left,
    or when the page ends by design (the cover, the contents)."""
    language = load(ROOT / "examples" / name).language
    pdf = example_pdfs[name]
    pages, sizes, texts = ink_rows(pdf, tmp_path), page_sizes(pdf), pages_text(pdf)
    assert len(pages) == len(sizes) == len(texts) > 3
    for number in range(1, len(pages)):
        rows, following = pages[number - 1], pages[number]
        area = len(rows) - TOP - BOTTOM
        blocks = _blocks(rows)
        used = (blocks[-1][1] - TOP) if blocks else 0
        if used >= area / 2 or _forced_break_after(texts[number - 1], language):
            continue
        if sizes[number] != sizes[number - 1]:
            continue  # the next page is of another size (a landscape matrix): nothing on it could be here
        nxt = _blocks(following)
        assert nxt, f"{name}: page {number + 1} is empty"
        first = nxt[0][1] - nxt[0][0]
        room = area - used
        assert first > room - GAP, (f"{name}: page {number} is {100 - 100 * used / area:.0f} % empty, yet the "
                                    f"first block of page {number + 1} ({first / MM:.0f} mm) would fit in "
                                    f"its {room / MM:.0f} mm")


# --------------------------------------------------------------------------- the HTML handout in Chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():  # pragma: no cover
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# The words of table header cells that lie on more than one line (their rectangles stand at two heights or
# more). A compound may wrap after its own hyphen («Интернет-|магазин», the hyphen stays at the line's end),
# so each part between hyphens counts as a word.
_BROKEN_HEADER_WORDS = """() => {
  const broken = [];
  for (const th of document.querySelectorAll("table thead th")) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\\s\\-\u2010]+/g;
      let m;
      while ((m = re.exec(node.data)) !== null) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("width", [1280, 1024])
def test_no_table_header_word_breaks_across_lines_in_chromium(
        browser: Any, example_pdfs: dict[str, Path], name: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(example_pdfs[name + ".html"].as_uri(), timeout=60_000)
        headers = page.get_by_role("columnheader")
        assert headers.count() > 20
        broken = page.evaluate(_BROKEN_HEADER_WORDS)
        assert broken == [], f"header words broken across lines at {width} px: {broken}"
    finally:
        page.close()


# --------------------------------------------------------------------------- one page, two ways to make it


def test_specbook_export_writes_the_page_the_nbconvert_exporter_writes(tmp_path: Path) -> None:
    import nbformat

    from specbook.export.exporters import HandoutHTMLExporter
    from specbook.scaffold import template_path

    folder = tmp_path / "b2b"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "b2b-erp" / "spec.yaml", folder / "spec.yaml")
    written = export(folder, to="html", output_dir=tmp_path / "out")
    html = next(p for p in written if p.suffix == ".html").read_text("utf-8")
    nb = nbformat.read(template_path(), as_version=4)
    name = next(p for p in written if p.suffix == ".html").stem
    expected, _ = HandoutHTMLExporter().from_notebook_node(nb, resources={"metadata": {"path": str(folder),
                                                                                       "name": name}})
    assert html == expected
