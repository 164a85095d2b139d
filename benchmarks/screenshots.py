"""Screenshots of three sections of the shop-crm workbook in JupyterLab: ``python benchmarks/screenshots.py``.

A copy of the Russian shop-crm example (``examples/shop-crm``) is opened in JupyterLab in Debian's Chromium
(the launch recipe of ``tests/test_browser.py``), 1280 px wide, with the file panel open on the left; after
Run All Cells the page is scrolled to each section's heading and the window is saved as a PNG:

* ``artefacts/jupyterlab-1280-fields.png`` — «2. Сущности и поля», the fields of «Клиент»;
* ``artefacts/jupyterlab-1280-statuses.png`` — «Соответствие статусов» of «Заказ»;
* ``artefacts/jupyterlab-1280-flows.png`` — «4. Когда обновляем», the first flow and its field mapping.

The PNGs are reduced to 256 colours to stay small (they are committed). ``--out DIR`` writes elsewhere.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_browser import ALL_FORMS, CHROMIUM, CHROMIUM_ARGS, ROOT, jupyterlab, workbook
from test_browser import UI_TIMEOUT_MS, _run_all, _start_kernel

WIDTH, HEIGHT = 1280, 900
SHOTS = (("fields", "Поля сущности", None), ("statuses", "Соответствие статусов", "Заказ"),
         ("flows", "4. Когда обновляем", None))


def _file_panel_open(page: Any) -> None:
    """Open JupyterLab's file browser on the left if it is not open."""
    tab = page.get_by_role("tab", name=re.compile(r"^File Browser"))
    if tab.count() and tab.first.get_attribute("aria-selected") != "true":
        tab.first.click()
    page.get_by_role("region", name=re.compile("File Browser")).or_(
        page.locator(".jp-FileBrowser")).first.wait_for()


def _small_png(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256).save(path, optimize=True)


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="specbook-screenshots-"))
    written: list[Path] = []
    try:
        work = scratch / "work"
        work.mkdir()
        workbook(work, "shop-crm", example="shop-crm")
        with jupyterlab(work, scratch) as lab, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                page.set_default_timeout(60_000)
                page.goto(lab.format(path="shop-crm/workbook.ipynb"), timeout=UI_TIMEOUT_MS)
                _start_kernel(page)
                try:
                    _run_all(page)
                except AssertionError:
                    page.screenshot(path=str(scratch.parent / "specbook-screenshots-failed.png"))
                    raise
                page.wait_for_function(ALL_FORMS, timeout=UI_TIMEOUT_MS)
                _file_panel_open(page)
                for name, heading, entity in SHOTS:
                    title = page.get_by_role("heading", name=heading, exact=True).first
                    section = page.locator(".specbook-section").filter(has=title)
                    if entity:
                        section.get_by_label("Сущность", exact=True).first.select_option(label=entity)
                        section.get_by_role("gridcell").first.wait_for()
                    title.evaluate("e => e.scrollIntoView({block: 'start'})")
                    page.wait_for_timeout(300)  # let the grids lay out their rows after the scroll
                    path = out / f"jupyterlab-1280-{name}.png"
                    page.screenshot(path=str(path))
                    _small_png(path)
                    written.append(path)
            finally:
                browser.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "artefacts", help="folder for the PNGs")
    args = parser.parse_args(argv)
    for path in take(args.out):
        print(path, f"{path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
