"""Grid benchmark: ``python benchmarks/bench_grid.py [--rows 2000] [--repeats 5]``.

Measured in this one run, specbook's grid (``specbook.forms.sheet.Sheet``) against the baseline, a
static HTML table of the same ``--rows`` × 6 strings (``DataFrame.to_html``: the least any view can cost):

* building the widget in Python (median of ``--repeats``);
* in Chromium, from opening a Voila page holding one grid to its first row shown (median of ``--repeats``);
* one cell edit's round trip: a cell typed and committed in the browser until the callback has written it
  to a file (median of ``--repeats`` edits).

Prints the times and the ratios to the baseline; no targets (the figures go in the note).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
COLUMNS = ["name", "meaning", "kind", "required", "example", "notes"]

NOTEBOOK = '''
import json, time
from pathlib import Path
import pandas as pd
from specbook.forms.sheet import Column, Row, Sheet

ROWS = {rows}
KIND = {kind!r}
cells = [[f"field {{i}}", f"meaning of field {{i}}", "text", "yes", f"example {{i}}", ""] for i in range(ROWS)]
if KIND == "sheet":
    def record(edit):
        with Path("edits.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps([[c.row, c.column, c.value] for c in edit.changes]) + "\\n")
    grid = Sheet([Column(n, n.title(), "choice" if n == "kind" else "text",
                         (("text", "Text"), ("number", "Number")) if n == "kind" else ()) for n in {columns!r}],
                 [(f"r{{i}}", tuple(c)) for i, c in enumerate(cells)], label="Fields", on_edit=record)
else:
    from IPython.display import HTML
    grid = HTML(pd.DataFrame(cells, columns={columns!r}, dtype=object).to_html())
display(grid)
'''


def _median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_times(rows: int, repeats: int) -> tuple[float, float]:
    from specbook.forms.sheet import Column, Sheet

    cells = [[f"field {i}", f"meaning {i}", "text", "yes", f"example {i}", ""] for i in range(rows)]
    columns = [Column(n, n.title()) for n in COLUMNS]
    sheet = _median(lambda: Sheet(columns, [(f"r{i}", tuple(c)) for i, c in enumerate(cells)], label="t"), repeats)
    grid = _median(lambda: pd.DataFrame(cells, columns=COLUMNS, dtype=object).to_html(), repeats)
    return sheet, grid


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def voila(folder: Path) -> Iterator[str]:
    port = _port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = (folder / "voila.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "voila", "grid.ipynb", "--no-browser", f"--port={port}",
                             "--Voila.ip=127.0.0.1"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=60) as response:
                if response.status == 200:
                    break
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()


def browser_times(rows: int, repeats: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for kind, ready in (("sheet", ".specbook-grid .tabulator-row"), ("datagrid", ".lm-DataGrid canvas")):
            folder = Path(tmp) / kind
            folder.mkdir()
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell(NOTEBOOK.format(rows=rows, kind=kind, columns=COLUMNS))]
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
            nbformat.write(nb, folder / "grid.ipynb")
            with voila(folder) as url:
                times = []
                for _ in range(repeats):
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    start = time.perf_counter()
                    page.goto(url, timeout=240_000)
                    page.locator(ready).first.wait_for(timeout=240_000)
                    times.append(time.perf_counter() - start)
                    if kind == "sheet" and len(times) == repeats:
                        out["edit"] = _round_trip(page, folder / "edits.jsonl", repeats)
                    page.close()
                out[kind] = statistics.median(times)
        browser.close()
    return out


def _round_trip(page: object, log: Path, repeats: int) -> float:
    times = []
    for n in range(repeats):
        cell = page.get_by_role("grid", name="Fields").get_by_role("row").nth(1 + n).get_by_role(  # type: ignore[attr-defined]
            "gridcell").nth(5)
        cell.click()
        page.keyboard.type(f"note {n}")  # type: ignore[attr-defined]
        before = len(log.read_text().splitlines()) if log.exists() else 0
        start = time.perf_counter()
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        deadline = start + 60
        while time.perf_counter() < deadline:
            if log.exists() and len(log.read_text().splitlines()) > before:
                break
            time.sleep(0.002)
        times.append(time.perf_counter() - start)
        assert json.loads(log.read_text().splitlines()[-1])[0][2] == f"note {n}"
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true", help="only the Python build times")
    args = parser.parse_args(argv)
    sheet, grid = build_times(args.rows, args.repeats)
    print(f"build in Python, {args.rows} rows: Sheet {sheet * 1000:.1f} ms, static HTML table {grid * 1000:.1f} ms "
          f"(ratio {sheet / grid:.2f})")
    if args.no_browser or not Path(CHROMIUM).exists():
        return 0
    shown = browser_times(args.rows, args.repeats)
    print(f"page open to first row, {args.rows} rows: Sheet {shown['sheet']:.2f} s, "
          f"static HTML table {shown['datagrid']:.2f} s (ratio {shown['sheet'] / shown['datagrid']:.2f})")
    print(f"one cell edit, browser → callback → file: {shown['edit'] * 1000:.0f} ms (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
