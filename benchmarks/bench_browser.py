"""Browser benchmark: ``python benchmarks/bench_browser.py [--fields 2000] [--repeats 3]``.

In Debian's Chromium driven by Playwright (the launch recipe of ``tests/test_browser.py``), measured in this
one run against baselines measured the same way:

* JupyterLab: from opening the shop-crm workbook (``examples/shop-crm``) to all its forms visible (Run All
  Cells included, every grid built), against opening a one-cell notebook until its kernel is idle;
* customer mode (``specbook app``): from opening its address to all forms visible, against the same server
  serving a one-cell page;
* one cell edit's round trip at ``--fields`` generated fields (``generate.generate_spec``) in customer mode:
  from the first keystroke in a cell of the entity grid's «fields» table to the typed value in ``spec.yaml``
  on disk, against the same edit in the shop-crm spec (medians of ``--repeats``).

Prints the times and the ratios; no targets (the figures go in the note).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).resolve().parent)]

from generate import generate_spec  # noqa: E402
from test_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    SECTIONS,
    START_TIMEOUT,
    UI_TIMEOUT_MS,
    _answers,
    _clean_env,
    _free_port,
    _lab_settings,
    _run_all,
    _server,
    _start_kernel,
    _wait,
    light_page,
)

from specbook.cli import main  # noqa: E402
from specbook.storage import save  # noqa: E402

ALL_FORMS = (f"() => document.querySelectorAll('.specbook-section').length >= {SECTIONS} && "
             "Array.from(document.querySelectorAll('.specbook-grid')).every(g => g.dataset.ready === 'true')")


# --------------------------------------------------------------------------- servers


@contextlib.contextmanager
def jupyterlab(work: Path, scratch: Path) -> Iterator[str]:
    """JupyterLab serving ``work``; yields its address with ``{path}`` for the notebook and the token."""
    port, token = _free_port(), secrets.token_hex(16)
    env = _clean_env(JUPYTERLAB_SETTINGS_DIR=str(_lab_settings(scratch)),
                     JUPYTERLAB_WORKSPACES_DIR=str(scratch / "lab-workspaces"))
    argv = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", f"--port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}", "--LabApp.news_url=", "--ServerApp.open_browser=False"]
    log = scratch / "jupyterlab.log"
    with _server(argv, work, env, log) as lab:
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: _answers(f"{base}/api/status?token={token}"), START_TIMEOUT, "JupyterLab", lab, log)
        yield f"{base}/lab/tree/{{path}}?token={token}"


@contextlib.contextmanager
def customer_mode(folder: Path, scratch: Path) -> Iterator[str]:
    """``specbook app`` on ``folder``; yields the address it prints (once the page answers)."""
    port = _free_port()
    log = scratch / f"app-{folder.name}.log"
    argv = [sys.executable, "-m", "specbook", "app", str(folder), "--port", str(port)]
    with _server(argv, scratch, _clean_env(), log) as app:
        printed = re.compile(rf"^http://127\.0\.0\.1:{port}/\?token=[\w-]+$", re.MULTILINE)
        _wait(lambda: log.exists() and bool(printed.search(log.read_text(errors="replace"))), START_TIMEOUT,
              "the address printed by specbook app", app, log)
        found = printed.search(log.read_text(errors="replace"))
        assert found is not None
        yield found.group(0)


def workbook(parent: Path, name: str, example: str | None = None, fields: int = 0) -> Path:
    folder = parent / name
    argv = ["new", str(folder), "--lang", "ru"] + (["--from-example", example] if example else [])
    assert main(argv) == 0
    if fields:
        save(generate_spec(fields, language="ru"), folder / "spec.yaml", force=True)  # over the empty one
    return folder


def light_workbook(parent: Path, name: str) -> Path:
    folder = workbook(parent, name)
    (folder / "workbook.ipynb").write_text(json.dumps(light_page("ready")), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- what is timed


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def open_lab_notebook(browser: Any, address: str, forms: bool) -> float:
    """Seconds from opening the notebook to all forms visible (``forms``) or to its kernel idle."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        def run() -> None:
            page.goto(address, timeout=UI_TIMEOUT_MS)
            _start_kernel(page)
            if forms:
                _run_all(page)
                page.wait_for_function(ALL_FORMS, timeout=UI_TIMEOUT_MS)
        return timed(run)
    finally:
        page.close()


def open_customer_page(browser: Any, address: str, forms: bool) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        def run() -> None:
            page.goto(address, timeout=UI_TIMEOUT_MS)
            if forms:
                page.wait_for_function(ALL_FORMS, timeout=UI_TIMEOUT_MS)
            else:
                page.get_by_text("ready", exact=True).wait_for(timeout=UI_TIMEOUT_MS)
        return timed(run)
    finally:
        page.close(run_before_unload=True)


def edit_round_trips(browser: Any, address: str, folder: Path, repeats: int) -> list[float]:
    """Type a new meaning into the first field of the chosen entity, leave the cell; seconds until the
    value is in spec.yaml on disk, once per repeat."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(120_000)
    spec = folder / "spec.yaml"
    times: list[float] = []
    try:
        page.goto(address, timeout=UI_TIMEOUT_MS)
        page.wait_for_function(ALL_FORMS, timeout=UI_TIMEOUT_MS)
        grid = page.get_by_role("grid", name="Поля сущности", exact=True)
        grid.get_by_role("columnheader", name=re.compile("Смысл$")).wait_for()  # the chosen entity's columns
        grid.get_by_role("gridcell").first.wait_for()
        headers = [h.strip("⋮ \n") for h in grid.get_by_role("columnheader").all_inner_texts()]
        cell = grid.get_by_role("row").filter(has=page.get_by_role("gridcell")).first.get_by_role(
            "gridcell").nth(headers.index("Смысл"))
        leave = page.get_by_label("Новое поле", exact=True)
        for n in range(repeats):
            value = f"Проверка {n} {secrets.token_hex(3)}"
            cell.click()
            page.keyboard.press("Control+A")
            start = time.perf_counter()
            page.keyboard.type(value)
            leave.click()
            deadline = start + 120
            needle = value.encode()
            while needle not in spec.read_bytes():
                if time.perf_counter() > deadline:
                    raise AssertionError(f"{value!r} never reached {spec}")
                time.sleep(0.01)
            times.append(time.perf_counter() - start)
        return times
    finally:
        page.close(run_before_unload=True)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def line(what: str, seconds: float, baseline: float, name: str) -> str:
    return f"{what:<52} {seconds:7.2f} s   {seconds / baseline:5.1f}× {name}"


def run(fields: int, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="specbook-bench-browser-"))
    try:
        work = scratch / "work"
        work.mkdir()
        shop = workbook(work, "shop-crm", example="shop-crm")
        empty = light_workbook(work, "empty")
        big = workbook(scratch, f"generated-{fields}", fields=fields)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                with jupyterlab(work, scratch) as lab:
                    lab_base, lab_forms = [], []
                    for _ in range(repeats):
                        lab_base.append(open_lab_notebook(browser, lab.format(path="empty/workbook.ipynb"), False))
                        lab_forms.append(open_lab_notebook(browser, lab.format(path="shop-crm/workbook.ipynb"),
                                                           True))
                with customer_mode(empty, scratch) as light, customer_mode(shop, scratch) as app:
                    app_base, app_forms = [], []
                    for _ in range(repeats):
                        app_base.append(open_customer_page(browser, light, False))
                        app_forms.append(open_customer_page(browser, app, True))
                    small_edit = edit_round_trips(browser, app, shop, repeats)
                with customer_mode(big, scratch) as app_big:
                    big_forms = [open_customer_page(browser, app_big, True) for _ in range(repeats)]
                    big_edit = edit_round_trips(browser, app_big, big, repeats)
            finally:
                browser.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"Browser benchmark: Chromium, medians of {repeats}; shop-crm example and a generated spec of "
          f"{fields} fields")
    print(line("JupyterLab: one-cell notebook open, kernel idle", median(lab_base), median(lab_base),
               "(baseline)"))
    print(line("JupyterLab: shop-crm, Run All to all forms visible", median(lab_forms), median(lab_base),
               "the one-cell notebook"))
    print(line("Customer mode: one-cell page", median(app_base), median(app_base), "(baseline)"))
    print(line("Customer mode: shop-crm, all forms visible", median(app_forms), median(app_base),
               "the one-cell page"))
    print(line(f"Customer mode: {fields} fields, all forms visible", median(big_forms), median(app_base),
               "the one-cell page"))
    print(line("Cell edit round trip, shop-crm (keys → spec.yaml)", median(small_edit), median(small_edit),
               "(baseline)"))
    print(line(f"Cell edit round trip, {fields} fields (keys → spec.yaml)", median(big_edit), median(small_edit),
               "shop-crm"))


def main_cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=2000, help="fields of the generated spec (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per figure (default 3)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed (Debian's chromium package)", file=sys.stderr)
        return 2
    run(args.fields, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main_cli())
