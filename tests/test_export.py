"""Handouts of the bundled examples and of complete.yaml: structure of the HTML, text of the PDF, the files
for the contractor, the nbconvert exporters and the command line.

PDF pages are also rendered to PNG under ``artefacts/handouts/`` (git-ignored) for a human look.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import nbformat
import pytest
import yaml
from helpers import COMPLETE
from workbook_support import example_handouts

from specbook import check, lang, load
from specbook.cli import main
from specbook.definitions import SECTIONS
from specbook.export import UnknownFormatError, WorkbookRunError, export, formats
from specbook.export.naming import slug, stem
from specbook.export.pdf import EmbeddedOnlyFetcher, to_pdf
from specbook.model import Spec
from specbook.render import esc
from specbook.scaffold import template_path

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "artefacts" / "handouts"
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/spec.yaml"))
FORBIDDEN = ("In [", "Out[", "could not be displayed", "Loading widget", "application/vnd.jupyter", "<script",
             "Traceback", "Warning:", "jp-InputArea", "highlight-ipynb", "open_workbook", "wb.section")


@dataclass
class Handout:
    spec: Spec
    paths: list[Path]

    @property
    def html(self) -> str:
        return self.paths[0].read_text(encoding="utf-8")

    @property
    def pdf(self) -> Path:
        return self.paths[1]


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(path), "-"], check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def words(text: str) -> str:
    """Text with every run of white space collapsed, for searching."""
    return re.sub(r"\s+", " ", text)


def letters(text: str) -> str:
    """Text without white space and hyphens: what survives any line breaking."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)


def assert_words_inside_the_page(pdf: Path) -> None:
    """Every word pdftotext finds lies within the page, clear of its edges: nothing cut at the margin."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', bbox)
    assert pages
    width = float(pages[0][0])
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox))
    left = min(float(x) for x in re.findall(r'xMin="([\d.]+)"', bbox))
    assert left >= 20 and right <= width - 20, (left, right, width)


@pytest.fixture(scope="module", params=[*(p.name for p in EXAMPLES), "complete"])
def handout(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Handout:
    if request.param == "complete":
        source = COMPLETE
        paths = export(source, "html,pdf", tmp_path_factory.mktemp(request.param))
    else:
        source = ROOT / "examples" / request.param
        paths = example_handouts(request.param, tmp_path_factory)
    folder = ARTEFACTS / request.param
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(paths[1]), str(folder / "page")], check=True)
    return Handout(load(source), paths)


def test_files_are_named_after_project_and_version(handout: Handout) -> None:
    name = stem(handout.spec)
    assert [p.name for p in handout.paths] == [f"{name}.html", f"{name}.pdf", f"{name}.spec.yaml",
                                               f"{name}.schema.json"]
    assert re.fullmatch(r"[a-z0-9.-]+", name) and handout.spec.project.version in name


def test_html_is_a_self_contained_page_without_code(handout: Handout) -> None:
    html = handout.html
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html and "Content-Security-Policy" in html
    assert f'<html lang="{handout.spec.language}">' in html
    for bad in FORBIDDEN:
        assert bad not in html, bad
    assert not re.search(r"(src|href)=\"(?!data:|#)", html), "nothing to fetch, only in-page links"


def test_html_has_cover_contents_and_every_section(handout: Handout) -> None:
    html = handout.html
    t = handout.spec.language
    assert html.index('class="sb-cover"') < html.index('class="sb-toc"') < html.index('id="sb-goal"')
    for s in SECTIONS[1:]:
        assert f'<a href="#sb-{s.key}">' in html and f'id="sb-{s.key}"' in html
        assert esc(lang.text(t, f"sections.{s.key}.title")) in html
    assert "<svg" in html and esc(check(handout.spec).readiness()) in html


def test_html_names_every_entity_system_and_flow(handout: Handout) -> None:
    html = handout.html
    for table in ("systems", "entities", "flows", "scenarios"):
        for name in handout.spec.names(table):
            assert esc(name) in html, (table, name)


def test_pdf_text_has_every_section_and_answers(handout: Handout) -> None:
    spec = handout.spec
    text = letters(pdf_text(handout.pdf))
    for s in SECTIONS[1:]:
        assert letters(lang.text(spec.language, f"sections.{s.key}.title")) in text, s.key
    sample = [spec.project.name, spec.project.customer, *spec.names("systems"), *spec.names("entities"),
              *spec["fields"]["meaning"].tolist()[:5], *spec["flows"]["name"].tolist(),
              *spec["steps"]["expected"].tolist()[:3], *spec["signoff"]["name"].tolist()]
    for answer in sample:
        assert letters(answer) in text, answer
    assert 5 <= pdf_pages(handout.pdf) <= 60


def test_pdf_pages_have_number_and_project_in_header(handout: Handout) -> None:
    n = pdf_pages(handout.pdf)
    second = words(pdf_text(handout.pdf, 2))
    assert lang.text(handout.spec.language, "handout.page", page=2, pages=n) in second
    assert words(handout.spec.project.name)[:30] in second
    first = words(pdf_text(handout.pdf, 1))
    assert lang.text(handout.spec.language, "handout.page", page=1, pages=n) not in first  # a clean cover
    assert_words_inside_the_page(handout.pdf)


def test_contractor_gets_the_spec_file_and_a_schema_it_validates_against(handout: Handout) -> None:
    spec_copy, schema_file = handout.paths[2], handout.paths[3]
    assert load(spec_copy) == handout.spec
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(spec_copy.read_text(encoding="utf-8")), schema)


# --------------------------------------------------------------------------- the workbook as the analyst left it


def workbook_folder(tmp_path: Path, cells: Sequence[nbformat.NotebookNode] = (), at: int = 0) -> Path:
    """A workbook of complete.yaml: the template with ``cells`` inserted before its cell number ``at``."""
    folder = tmp_path / "acme"
    folder.mkdir()
    shutil.copyfile(COMPLETE, folder / "spec.yaml")
    nb = nbformat.read(template_path(), as_version=4)
    nb.cells[at:at] = list(cells)
    nbformat.write(nb, folder / "workbook.ipynb")
    return folder


def test_analyst_notes_stay_in_place_and_noise_is_dropped(tmp_path: Path) -> None:
    note = nbformat.v4.new_markdown_cell("## Meeting notes\n\nAgreed on **Tuesday**. <b>raw</b> "
                                         "[docs](https://example.com) [bad](javascript:alert(1))")
    noisy = nbformat.v4.new_code_cell("import sys, warnings\nprint('debug output')\n"
                                      "print('to stderr', file=sys.stderr)\nwarnings.warn('careful')")
    hidden = nbformat.v4.new_markdown_cell("secret draft")
    hidden.metadata["tags"] = ["remove_cell"]
    folder = workbook_folder(tmp_path, [note, noisy, hidden], at=4)  # after the systems, before the entities
    html = export(folder, "html", tmp_path / "out")[0].read_text(encoding="utf-8")
    assert html.index('id="sb-systems"') < html.index("Meeting notes") < html.index('id="sb-entities"')
    assert "<strong>Tuesday</strong>" in html and "&lt;b&gt;raw&lt;/b&gt;" in html
    assert '<a href="https://example.com">docs</a>' in html and "javascript:" not in html
    for gone in ("debug output", "to stderr", "careful", "secret draft", "print("):
        assert gone not in html


def test_a_failing_cell_names_itself(tmp_path: Path) -> None:
    folder = workbook_folder(tmp_path, [nbformat.v4.new_code_cell("1 / 0")], at=3)
    with pytest.raises(WorkbookRunError, match=r"cell 4 \(1 / 0\): ZeroDivisionError"):
        export(folder, "html", tmp_path / "out")


def test_export_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    async def notebook_cell() -> list[Path]:  # as when an analyst calls specbook.export() in JupyterLab
        return export(COMPLETE, "html", tmp_path)

    assert asyncio.run(notebook_cell())[0].suffix == ".html"


def test_a_spec_object_exports_too(tmp_path: Path) -> None:
    spec = Spec(language="ru")
    spec.project.name = "Пустой проект"
    paths = export(spec, "html", tmp_path)
    assert paths[0].name == f"{stem(spec)}.html" and paths[0].name.startswith("pustoy-proekt-")
    assert "Пустой проект" in paths[0].read_text(encoding="utf-8")


# --------------------------------------------------------------------------- nbconvert and the command line


@pytest.mark.parametrize(("exporter", "suffix"), [("specbook_html", ".html"), ("specbook_pdf", ".pdf")])
def test_jupyter_nbconvert_knows_the_exporters(tmp_path: Path, exporter: str, suffix: str) -> None:
    folder = workbook_folder(tmp_path)
    result = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", exporter,
                             str(folder / "workbook.ipynb")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    out = folder / f"workbook{suffix}"
    if suffix == ".pdf":
        assert out.read_bytes().startswith(b"%PDF") and "Shop and CRM integration" in pdf_text(out)
    else:
        assert 'id="sb-acceptance"' in out.read_text(encoding="utf-8")


def test_cli_prints_the_paths_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", str(COMPLETE), "--to", "html", "-o", str(tmp_path / "exports")])
    out = capsys.readouterr().out.split()
    assert code == 0
    assert [Path(p).suffix for p in out] == [".html", ".yaml", ".json"]
    assert all(Path(p).is_file() and Path(p).parent == tmp_path / "exports" for p in out)


def test_cli_unreadable_input_and_unknown_format_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "spec.yaml"
    broken.write_text("schema_version: 2\nsystems: [\n", encoding="utf-8")
    assert main(["export", str(broken), "-o", str(tmp_path)]) == 2
    assert str(broken) in capsys.readouterr().err
    assert main(["export", str(COMPLETE), "--to", "docx", "-o", str(tmp_path)]) == 2
    assert "formats are: html, pdf" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.html"))


def test_formats_and_slugs() -> None:
    assert formats("pdf, HTML") == ("html", "pdf") and formats(["pdf"]) == ("pdf",)
    with pytest.raises(UnknownFormatError, match="formats are: html, pdf"):
        formats("html,docx")
    assert slug("Интеграция магазин ↔ CRM") == "integratsiya-magazin-crm"
    assert slug("../../etc/passwd") == "etc-passwd" and slug("<>") == "spec"
    assert len(slug("слово " * 40)) <= 60


# --------------------------------------------------------------------------- PDF fetches nothing


def test_pdf_fetches_nothing_but_embedded_data() -> None:
    fetcher = EmbeddedOnlyFetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.com/a.css", "ftp://x/y"):
        with pytest.raises(ValueError, match="refusing"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    html = ('<meta charset="utf-8"><link rel="stylesheet" href="file:///etc/passwd">'
            '<style>@import url("http://127.0.0.1:9/x.css"); p { background: url(file:///etc/hostname) }</style>'
            '<p>Привет</p><img src="/etc/passwd"><img src="http://127.0.0.1:9/x.png">')
    assert to_pdf(html).startswith(b"%PDF")


# --------------------------------------------------------------------------- typography of the PDF

_TEXT_KINDS = ("name", "text", "ref")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def raw_pdf_text(path: Path) -> str:
    """The PDF's text in drawing order: the lines of one table cell come one after another."""
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True)
    return out.stdout.decode("utf-8").replace("\u00ad", "-")


def found_whole(phrase: str, text: str) -> bool:
    """``phrase`` is in ``text``, its words whole: lines may break only at its spaces and at the natural
    points of a word (after its own hyphens, "@", "/", "_", before a "."), never elsewhere inside a word."""
    parts = [re.sub(r"(\\?[@/\-_])", r"\1\\s*", re.escape(word)).replace(r"\.", r"\s*\.") for word in phrase.split()]
    return re.search(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", text) is not None


def answers(spec: Spec) -> list[str]:
    """Every answer typed as text (names, references, free text) and every scalar answer."""
    from specbook.definitions import SCALARS, TABLES
    from specbook.model import NO_EQUIVALENT

    values = [str(spec.scalar(f"{s.group}.{s.name}")) for s in SCALARS if s.kind in _TEXT_KINDS]
    for table in TABLES:
        if table.name == "open_points":
            continue  # its location is shown in words, not as stored
        if table.name == "samples":
            continue  # attached export files, not answers: they belong to the "checked against data" part
        for column in table.columns:
            if column.kind in _TEXT_KINDS and column.name in spec[table.name]:
                values += [str(v) for v in spec[table.name][column.name].tolist()]
    # a status that a system does not have is stored as a marker and printed in words ("no equivalent")
    return [v.strip() for v in values if v and v.strip() and v != NO_EQUIVALENT]


def protected(handout: Handout) -> list[str]:
    """Names, identifiers, e-mails and column headers: nothing of these may be hyphenated or cut."""
    spec = handout.spec
    names = [n for table in ("systems", "entities", "flows", "scenarios") for n in spec.names(table)]
    names += spec["fields"]["name"].tolist() + spec["signoff"]["name"].tolist()
    ids = [e for e, kind in zip(spec["fields"]["example"], spec["fields"]["kind"], strict=True)
           if kind == "identifier"]
    emails = [m for value in answers(spec) for m in _EMAIL.findall(value)]
    headers = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th>(.*?)</th>", handout.html)]
    from html import unescape

    return [p for p in dict.fromkeys(unescape(h).strip() for h in [*names, *ids, *emails, *headers]) if p]


def test_pdf_never_splits_a_name_identifier_email_or_header(handout: Handout) -> None:
    text = raw_pdf_text(handout.pdf)
    missing = [p for p in protected(handout) if not found_whole(p, text)]
    assert not missing, missing
    words_kept = {w.lower() for p in protected(handout) for w in re.findall(r"\w+", p)}
    hyphenated = {(a + b).lower() for a, b in re.findall(r"(\w+)-\n(\w+)", text)}
    assert not hyphenated & words_kept, sorted(hyphenated & words_kept)


def test_pdf_search_finds_every_short_answer(handout: Handout) -> None:
    text = raw_pdf_text(handout.pdf)
    short = [a for a in dict.fromkeys(answers(handout.spec)) if len(a) <= 25]
    assert len(short) > 20
    missing = [a for a in short if not found_whole(a, text)]
    assert not missing, missing


def test_diagram_is_laid_out_by_graphviz_and_listed_in_the_contents(handout: Handout) -> None:
    html = handout.html
    toc = html[html.index('class="sb-toc"') : html.index("</nav>")]
    assert '<a href="#sb-diagram">' in toc and 'id="sb-diagram"' in html
    if shutil.which("dot"):
        assert 'class="graph"' in html  # Graphviz's own group: the layout is dot's
    assert letters(lang.text(handout.spec.language, "handout.diagram")) in letters(pdf_text(handout.pdf, 2))
