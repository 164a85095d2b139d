"""Hostile text stays text: every text field of a spec holds script, markup, links, a 500-character word,
RTL and zero-width characters; the rendered sections, the HTML handout in Chromium and the PDF survive."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import COMPLETE
from test_export import assert_words_inside_the_page

from specbook import Spec, check, load, render
from specbook.definitions import SCALARS, SECTIONS, TABLES
from specbook.export import export
from specbook.model import make_table, table_records

ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts" / "handouts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

LONG_WORD = "Ш" * 250 + "W" * 250
HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">link</a>",
    "![picture](http://127.0.0.1:9/x.png)",
    "\"><svg onload=alert(1)>",
    LONG_WORD,
    "\u202eevil RTL override\u202c and zero\u200bwidth\u200d jo\ufeffiners",
    "<style>body{display:none}</style><link rel=stylesheet href=http://127.0.0.1:9/x.css>",
    "<iframe src=file:///etc/passwd></iframe>",
    "{{ 7*7 }} {% if true %}jinja{% endif %} ${7*7}",
)


def hostile_spec() -> Spec:
    """complete.yaml with a hostile string in every text field; names are renamed consistently so that
    every reference still resolves."""
    spec = load(COMPLETE)
    renamed: dict[str, str] = {}

    def rename(value: str) -> str:
        if not value:
            return value
        if value not in renamed:
            renamed[value] = f"{HOSTILE[len(renamed) % len(HOSTILE)]} {value}"
        return renamed[value]

    counter = iter(range(10**6))
    for scalar in SCALARS:
        if scalar.kind == "text":
            spec.set_scalar(f"{scalar.group}.{scalar.name}", HOSTILE[next(counter) % len(HOSTILE)])
    tables: dict[str, Any] = {}
    for table in TABLES:
        rows = table_records(spec[table.name])
        for row in rows:
            for col in table.columns:
                value = row[col.name]
                if col.kind in ("name", "ref"):
                    row[col.name] = rename(value) if col.name != "location" else HOSTILE[next(counter) % len(HOSTILE)]
                elif col.kind == "list":
                    row[col.name] = [rename(v) for v in value]
                elif col.kind == "text":
                    row[col.name] = HOSTILE[next(counter) % len(HOSTILE)] + " " + value
        tables[table.name] = make_table(table.name, rows)
    spec.tables.update(tables)
    if not len(spec["open_points"]):
        spec["open_points"] = make_table("open_points", [{"location": HOSTILE[0], "who": HOSTILE[1],
                                                          "note": HOSTILE[7]}])
    return spec


# --------------------------------------------------------------------------- the tests

TAGS = re.compile(r"<(script|img|iframe|a|link|style|object|embed|form|input)\b", re.IGNORECASE)
HANDLERS = re.compile(r"<[^>]*\son\w+\s*=", re.IGNORECASE)


def test_rendered_views_escape_every_field() -> None:
    spec = hostile_spec()
    report = check(spec)
    parts = [render.title_html(spec, report), render.readiness_html(report),
             *(render.section_html(spec, s.key, report) for s in SECTIONS)]
    html = "".join(parts)
    assert not TAGS.search(html) and not HANDLERS.search(html)
    assert html.count("<svg") == 1 and not re.search(r"<[^>]*\s(href|src)\s*=", html)
    assert "&lt;script&gt;alert(1)" in html
    assert "W" * 21 not in html, "a long word gets places to break"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("hostile")
    paths = export(hostile_spec(), "html,pdf", out)
    folder = ARTEFACTS / "hostile"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(paths[1]), str(folder / "page")], check=True)
    return paths


def test_file_names_stay_safe(exported: list[Path]) -> None:
    for path in exported:
        assert re.fullmatch(r"[a-z0-9.-]+", path.name), path.name


def test_handout_in_chromium_runs_nothing_and_fetches_nothing(exported: list[Path]) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    url = exported[0].resolve().as_uri()
    dialogs: list[str] = []
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # without the page's Content-Security-Policy, so that only the escaping stands between text and script
            context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 800})
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            page.wait_for_timeout(300)
            dom = page.evaluate("""() => ({
                scripts: document.scripts.length,
                handlers: [...document.querySelectorAll('*')].filter(
                    e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
                    .filter(h => !h.startsWith('#')),
                frames: document.querySelectorAll('iframe, object, embed').length,
                images: document.images.length,
                svgs: document.querySelectorAll('svg').length,
                scrollWidth: document.documentElement.scrollWidth,
                width: window.innerWidth,
                text: document.body.innerText,
            })""")
            widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('main *')]
                .map(e => e.getBoundingClientRect().right))""")
        finally:
            browser.close()
    assert dialogs == []
    assert requests == [url]
    assert dom["scripts"] == 0 and dom["handlers"] == 0 and dom["frames"] == 0 and dom["images"] == 0
    assert dom["links"] == [] and dom["svgs"] == 1
    assert dom["scrollWidth"] <= dom["width"], "a long word widened the page"
    assert widest <= dom["width"] + 1
    for text in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>"):
        assert text in dom["text"]


def test_pdf_still_renders_with_the_text_inside_the_page(exported: list[Path]) -> None:
    pdf = exported[1]
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    assert "<script>alert(1)</script>" in text and "onerror=alert(1)" in text
    assert_words_inside_the_page(pdf)

