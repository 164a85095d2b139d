"""In a real browser: a new workbook in JupyterLab, and the same workbook in customer mode (``specbook app``,
Voila). A person types into a form field, adds systems and edits grid cells (a pick list inside the cell), adds
a flow; then ``spec.yaml`` holds the answers. Controls are found by their labels and names only.

Playwright drives Debian's Chromium. Each server is started for its test and always stopped; every wait is
for a condition, with generous timeouts for a loaded machine. Screenshots go to ``artefacts/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from workbook_support import ROOT

from specbook import SpecError, load, preheat
from specbook.cli import main
from specbook.workbook import SPEC_ENV, STATIC_ENV

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 240  # seconds for a server to answer
UI_TIMEOUT_MS = 240_000  # for the notebook to run and its forms to appear
STEP_TIMEOUT_MS = 60_000  # for one click or one keystroke to take effect
SAVE_TIMEOUT = 60  # seconds for answers to reach spec.yaml
SECTIONS = 13  # the title and the twelve sections of the template
ARTEFACTS = ROOT / "artefacts"

pytestmark = [pytest.mark.slow,  # a server, a kernel and a browser per test: about a minute each
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def preheat_from_file(call: str) -> str:
    """Python source that loads ``specbook/preheat.py`` from its file, as ``_preheat``, without importing the
    package and its pandas, then runs ``call`` (e.g. ``"_preheat.wait_for_the_page()"``)."""
    return ("import importlib.util\n"
            f"_spec = importlib.util.spec_from_file_location('specbook_preheat', {str(Path(preheat.__file__))!r})\n"
            "_preheat = importlib.util.module_from_spec(_spec)\n"
            "_spec.loader.exec_module(_preheat)\n"
            f"{call}\n")


def light_page(text: str) -> dict[str, Any]:
    """A one-cell customer-mode page: one form-like box, after the workbook's own wait for the page (a
    preheated kernel tells the server it is ready, then waits), importing nothing else of specbook's. For
    measuring the server's handling of pages, not how long Python takes to import the workbook."""
    source = ("import ipywidgets\n" + preheat_from_file("_preheat.wait_for_the_page()")
              + f"ipywidgets.HTML({text!r}, _dom_classes=['specbook-section'])")
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "page", "metadata": {}, "outputs": [],
                       "source": source}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (SPEC_ENV, STATIC_ENV)}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.update(extra)
    return env


def _wait(condition: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen[bytes] | None = None,
          log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def _server(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group; stop the whole group whatever happens."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


def _spec_holds(folder: Path, check: Callable[[Any], bool]) -> Callable[[], bool]:
    def holds() -> bool:
        try:
            return check(load(folder / "spec.yaml"))
        except (SpecError, OSError, KeyError, IndexError):
            return False

    return holds


# --------------------------------------------------------------------------- what the person does


def _wait_for_forms(page: Any, log: Path | None = None) -> None:
    """Wait for every section's form; if they do not come, say how far the page got (cells the server sent,
    forms drawn) with the server's log, so that a failure tells where it stopped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"document.querySelectorAll('.specbook-section').length >= {SECTIONS}",
                               timeout=UI_TIMEOUT_MS)
    except PlaywrightTimeout:
        sent = page.locator('script[type="application/vnd.voila.cell-output+json"]').count()
        drawn = page.locator(".specbook-section").count()
        said = [f"{m.type}: {m.text[:300]}" for m in page.console_messages() if m.type in ("error", "warning")]
        said += [f"page error: {str(e)[:300]}" for e in page.page_errors()]
        ARTEFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            (ARTEFACTS / "forms-missing.html").write_text(page.content(), encoding="utf-8")
        tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
        said += ["page text: " + " ".join(page.locator("#rendered_cells").inner_text(timeout=10_000).split())[-1500:]]
        said_lines = "\n".join(said[-30:])
        raise AssertionError(f"forms did not appear: the page holds {sent} cell outputs, {drawn} of {SECTIONS} "
                             f"sections are drawn\n{said_lines}\n--- server log ---\n{tail}") from None


def _cell(page: Any, grid: str, row_text: str, column: int) -> Any:
    """A cell of a grid found by the grid's name, the words of its row and its column's place."""
    return page.get_by_role("grid", name=grid).get_by_role("row").filter(has_text=row_text).get_by_role(
        "gridcell").nth(column)


def _answer_questions(page: Any, customer: str) -> None:
    """Type into a field, add two systems by name, type a cell and choose a kind in the cell's own list, add
    a flow and choose where it starts. Every control is found by its label or name."""
    title = page.locator(".specbook-section-project")
    title.get_by_label("Customer", exact=True).fill(customer)

    box = page.get_by_label("New system", exact=True)
    for name in ("Shop", "CRM"):
        box.click()
        page.keyboard.type(name, delay=20)
        page.get_by_role("button", name="Add a system", exact=True).click()
        page.wait_for_function(
            "([n]) => Array.from(document.querySelectorAll('.specbook-section-flows select option'))"
            ".some(o => o.textContent === n)", arg=[name], timeout=UI_TIMEOUT_MS)
    _cell(page, "Systems", "Shop", 2).click()  # Owner
    page.keyboard.type("E-commerce team", delay=20)
    box.click()  # leaving the cell keeps what was typed (Enter would start a new line in a long answer)
    _cell(page, "Systems", "Shop", 2).get_by_text("E-commerce team").wait_for()
    _cell(page, "Systems", "Shop", 1).click()  # Kind: a pick list inside the cell
    page.keyboard.type("Online", delay=40)
    page.get_by_text("Online shop", exact=True).click()
    _cell(page, "Systems", "Shop", 1).get_by_text("Online shop").wait_for()

    flows = page.locator(".specbook-section-flows")
    flows.get_by_label("New flow", exact=True).fill("Orders to CRM")
    # a widget button's icon is drawn by CSS, which joins its accessible name: match the words at its end
    flows.get_by_role("button", name=re.compile(r"^\W*Add a flow$")).click()
    source = flows.get_by_label("From", exact=True)
    page.wait_for_function("(el) => !el.disabled", arg=source.element_handle(), timeout=UI_TIMEOUT_MS)
    options = source.locator("option").all_inner_texts()
    assert options == ["—", "Shop", "CRM"]  # only declared systems
    source.select_option(label="Shop")


def _expect_answers(folder: Path, customer: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    def answered(spec: Any) -> bool:
        systems = {s["name"]: s for s in spec["systems"].to_dict("records")}
        flows = spec["flows"].to_dict("records")
        return (spec.project.customer == customer
                and systems.get("Shop", {}).get("owner") == "E-commerce team"
                and systems.get("Shop", {}).get("kind") == "online_shop"
                and [f["name"] for f in flows] == ["Orders to CRM"]
                and flows[0]["source"] == "Shop")

    _wait(_spec_holds(folder, answered), SAVE_TIMEOUT, "the answers in spec.yaml", proc, log)


def _screenshot(page: Any, name: str) -> None:
    """The systems section (typed cells) as ``name``.png, the flows section as ``name``-flows.png."""
    ARTEFACTS.mkdir(exist_ok=True)
    page.locator(".specbook-section-systems").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"))
    page.locator(".specbook-section-flows").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTEFACTS / f"{name}-flows.png"))


def _failure_screenshot(page: Any, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    with contextlib.suppress(Exception):
        page.screenshot(path=str(ARTEFACTS / name), timeout=30_000)


# --------------------------------------------------------------------------- JupyterLab


def _lab_settings(root: Path) -> Path:
    """User settings for a quiet JupyterLab: no news, no update check, every cell rendered."""
    settings = root / "lab-settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none", "autoStartDefaultKernel": True}))
    return root / "lab-settings"


def _start_kernel(page: Any) -> None:
    """Wait for the notebook's kernel; accept the preferred kernel if JupyterLab asks which one to start."""
    select = page.locator(".jp-Dialog button.jp-mod-accept")
    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if select.count():
            select.first.click()
        elif idle.count() and page.locator(".jp-Notebook").count():
            return
        time.sleep(0.5)
    raise AssertionError("the notebook's kernel did not start")


def _run_all(page: Any, stalls: int = 4) -> None:
    """Run > Run All Cells until every form is shown. JupyterLab ignores a Run All given while it is still
    connecting its new kernel (no cell is even queued), and a run started in that moment can stop after the
    first cell. So: when no cell has been queued two seconds after the click, click again (however often:
    only the deadline bounds these); when the kernel has been idle with nothing queued and no new form for a
    while, run all cells again, at most ``stalls`` times (harmless: the workbook only reads the spec)."""
    state = ("() => ({forms: document.querySelectorAll('.specbook-section').length,"
             " queued: Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => /[*0-9]/.test(p.innerText)),"
             " busy: Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => p.innerText.includes('*'))"
             " || !document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\")})")
    deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
    stalled = 0
    while stalled < stalls and time.monotonic() < deadline:
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        clicked = time.monotonic()
        quiet_since: float | None = None
        shown = -1
        while time.monotonic() < deadline:
            now = page.evaluate(state)
            if now["forms"] >= SECTIONS:
                return
            if not now["queued"] and not now["busy"] and time.monotonic() - clicked > 2:
                break  # the click was ignored: nothing was queued; not a stall
            if now["busy"] or now["forms"] != shown:  # still running, or the page still drawing what came
                quiet_since = None
                shown = now["forms"]
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 20:
                stalled += 1
                break  # stalled: run again
            time.sleep(0.25)
    raise AssertionError("the workbook's forms did not all appear")


def test_jupyterlab_workbook_saves_what_is_typed(browser: Any, tmp_path: Path) -> None:
    work = tmp_path / "work"
    folder = work / "acme"
    assert main(["new", str(folder)]) == 0
    port, token = _free_port(), secrets.token_hex(16)
    env = _clean_env(JUPYTERLAB_SETTINGS_DIR=str(_lab_settings(tmp_path)),
                     JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"))
    argv = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", f"--port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}", "--LabApp.news_url=", "--ServerApp.open_browser=False"]
    log = tmp_path / "jupyterlab.log"
    with _server(argv, work, env, log) as lab:
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: _answers(f"{base}/api/status?token={token}"), START_TIMEOUT, "JupyterLab", lab, log)
        page = browser.new_page(viewport={"width": 1400, "height": 1300})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(f"{base}/lab/tree/acme/workbook.ipynb?token={token}", timeout=UI_TIMEOUT_MS)
            _start_kernel(page)
            _run_all(page)
            _answer_questions(page, "Northwind Goods")
            _expect_answers(folder, "Northwind Goods", lab, log)
            _screenshot(page, "jupyterlab")
        except Exception:
            _failure_screenshot(page, "jupyterlab-failed.png")
            raise
        finally:
            page.close()


# --------------------------------------------------------------------------- customer mode (Voila)


def test_customer_mode_saves_what_is_typed(browser: Any, tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    assert main(["new", str(folder)]) == 0
    port = _free_port()
    log = tmp_path / "app.log"
    argv = [sys.executable, "-m", "specbook", "app", str(folder), "--port", str(port)]
    with _server(argv, tmp_path, _clean_env(), log) as app:
        printed = re.compile(rf"^http://127\.0\.0\.1:{port}/\?token=[\w-]+$", re.MULTILINE)
        _wait(lambda: log.exists() and bool(printed.search(log.read_text(errors="replace"))), START_TIMEOUT,
              "the address printed by specbook app (once the page answers)", app, log)
        found = printed.search(log.read_text(errors="replace"))
        assert found is not None
        url = found.group(0)
        page = browser.new_page(viewport={"width": 1300, "height": 1300})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        here = f"http://127.0.0.1:{port}/"
        elsewhere: list[str] = []
        page.on("request", lambda r: None if r.url.startswith((here, "data:", "blob:")) else elsewhere.append(r.url))
        try:
            page.goto(url, timeout=UI_TIMEOUT_MS)
            _wait_for_forms(page, log)
            assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0  # no code for the customer
            _answer_questions(page, "Romashka LLC")
            _expect_answers(folder, "Romashka LLC", app, log)
            assert elsewhere == []  # the page asks nothing of any other machine (no CDN): it works offline
            icon = page.get_by_role("button", name="Mark as to be confirmed").first.locator("i")
            assert icon.evaluate("e => getComputedStyle(e, '::before').content") not in ("none", "normal", '""')
            _screenshot(page, "voila")
        except Exception:
            _failure_screenshot(page, "voila-failed.png")
            raise
        finally:
            page.close()


def test_customer_mode_checks_the_attached_exports_against_data(browser: Any, tmp_path: Path) -> None:
    """The example's acceptance section: «Проверить на данных» reads the exports its samples table lists and
    shows the planted defects; the readiness panel says when and how much it read."""
    import shutil

    folder = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop-crm", folder)
    port = _free_port()
    log = tmp_path / "app.log"
    argv = [sys.executable, "-m", "specbook", "app", str(folder), "--port", str(port)]
    with _server(argv, tmp_path, _clean_env(), log) as app:
        printed = re.compile(rf"^http://127\.0\.0\.1:{port}/\?token=[\w-]+$", re.MULTILINE)
        _wait(lambda: log.exists() and bool(printed.search(log.read_text(errors="replace"))), START_TIMEOUT,
              "the address printed by specbook app (once the page answers)", app, log)
        found = printed.search(log.read_text(errors="replace"))
        assert found is not None
        page = browser.new_page(viewport={"width": 1300, "height": 1300})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(found.group(0), timeout=UI_TIMEOUT_MS)
            button = page.get_by_role("button", name=re.compile(r"Проверить на данных$"))
            button.wait_for(timeout=UI_TIMEOUT_MS)
            assert page.get_by_text("На данных ещё не проверялось.").count() >= 1
            button.click()
            page.get_by_text("ИМ-040101").first.wait_for(timeout=UI_TIMEOUT_MS)  # the repeated order number
            assert page.get_by_text("data/shop_orders.csv").count() >= 1
            assert page.get_by_text(re.compile(r"Проверено на данных .*файлов 5")).count() >= 1
            _screenshot(page, "verify")
        except Exception:
            _failure_screenshot(page, "verify-failed.png")
            raise
        finally:
            page.close()
