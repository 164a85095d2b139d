"""Customer mode (``specbook app``): the address is printed once a page opens at once, it carries a secret token,
only this machine's host names are served, and page views do not pile up kernels."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    START_TIMEOUT,
    _clean_env,
    _free_port,
    _server,
    _wait,
    light_page,
    preheat_from_file,
)

from specbook import preheat
from specbook.app import HOST, POOL_SIZE, url, voila_argv, voila_config
from specbook.cli import main
from specbook.preheat import READY_ENV

UI_TIMEOUT_MS = 240_000
# Each view is checked on its own (its kernel released before the next view opens), so a kernel left behind
# shows at the view after it: kernels cannot pile up unseen. (The server that once stopped answering did so
# after 27 views because they piled up, one per view, which the first views here already show.) Twelve
# views: the preheated kernel is taken and replaced a dozen times, each page on a kernel started ahead.
VIEWS = 12
IDLE = 20  # seconds: a kernel left without its page is culled after this in the test server


def test_the_address_carries_the_token_and_the_server_checks_hosts() -> None:
    assert url(8866, "s3cret") == "http://127.0.0.1:8866/?token=s3cret"
    config = voila_config("s3cret", idle_timeout=60, cull_interval=5)
    assert config.Voila.token == "s3cret"
    assert config.Voila.tornado_settings["allow_remote_access"] is False
    assert config.MappingKernelManager.cull_idle_timeout == 60
    assert config.MappingKernelManager.cull_connected is False
    assert config.VoilaConfiguration.preheat_kernel is True and config.VoilaConfiguration.default_pool_size == 1
    assert f"--Voila.ip={HOST}" in voila_argv(".", 8866)


def test_a_preheated_kernel_takes_its_page_request_from_the_query_socket_without_importing_the_server(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Voila's request-info protocol as the page's kernel speaks it: one JSON message on
    ``/voila/query/<kernel id>`` becomes the kernel's environment; the Jupyter server is never imported (five
    seconds of every customer page's kernel)."""
    import threading

    from websockets.sync.server import serve

    paths: list[str] = []

    def handler(connection: Any) -> None:
        paths.append(connection.request.path)
        connection.send(json.dumps({"QUERY_STRING": "token=x&lang=ru", "SERVER_NAME": "127.0.0.1"}))

    with serve(handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        for name, value in {"VOILA_PREHEAT": "True", "VOILA_KERNEL_ID": "k-1", "VOILA_APP_PORT": str(port),
                            "VOILA_SERVER_URL": "/base/"}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("QUERY_STRING", raising=False)
        monkeypatch.delenv(READY_ENV, raising=False)
        preheat.wait_for_request()
        # the same wait in a fresh interpreter, connecting to this server: it imports no server of its own
        probe = preheat_from_file("_preheat.wait_for_request()") + (
            "import os, sys\nprint(os.environ.get('QUERY_STRING'), "
            "sorted(n for n in ('voila', 'jupyter_server', 'jsonschema') if n in sys.modules))")
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             env={**{k: v for k, v in os.environ.items() if k != "QUERY_STRING"},
                                  "PYTHONWARNINGS": "ignore"}, timeout=120)
        server.shutdown()
    assert paths == ["/base/voila/query/k-1", "/base/voila/query/k-1"]
    assert os.environ["QUERY_STRING"] == "token=x&lang=ru"
    assert preheat.request_info_url({"VOILA_KERNEL_ID": "k"}) == "ws://127.0.0.1:8866/voila/query/k"
    assert out.stdout.strip() == "token=x&lang=ru []", out


def _kernels(server_pid: int) -> int:
    """Kernel processes started by the server (its descendants running ipykernel)."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            commands[pid] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue

    def descends(pid: int) -> bool:
        seen = 0
        while pid > 1 and seen < 50:
            if pid == server_pid:
                return True
            pid, seen = parents.get(pid, 0), seen + 1
        return False

    return sum(1 for pid, cmd in commands.items() if "ipykernel" in cmd and descends(pid))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _get(address: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(address, headers={"Host": host} if host else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_customer_mode_is_private_and_page_views_leave_few_kernels(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "acme"
    assert main(["new", str(folder)]) == 0
    # A light page: what is tested is the server's handling of kernels per page view (the browser tests cover
    # the whole workbook).
    light = light_page("acme")
    (folder / "workbook.ipynb").write_text(json.dumps(light), encoding="utf-8")
    port = _free_port()
    log = tmp_path / "app.log"
    code = (f"from specbook.app import serve; serve({str(folder)!r}, {port}, idle_timeout={IDLE}, "
            "cull_interval=2)")
    with _server([sys.executable, "-c", code], tmp_path, _clean_env(), log) as app:
        printed = re.compile(rf"^http://127\.0\.0\.1:{port}/\?token=([\w-]+)$", re.MULTILINE)
        _wait(lambda: bool(printed.search(log.read_text(errors="replace"))), START_TIMEOUT,
              "the address printed by specbook app", app, log)
        match = printed.search(log.read_text(errors="replace"))
        assert match is not None
        address = match.group(0)
        # printed only once the server answers and its preheated kernel waits for a page: the page is there at once
        status, body = _get(address)
        assert status == 200 and "<html" in body.lower()

        # no token, a wrong token, a foreign Host: no page, and no kernel started for them (counted once the
        # page's kernel and the one started ahead for the next page are both there)
        _wait(lambda: _kernels(app.pid) == 1 + POOL_SIZE, START_TIMEOUT, "the next page's kernel to start", app, log)
        before = _kernels(app.pid)
        for status, body in (_get(f"http://127.0.0.1:{port}/"),
                             _get(f"http://127.0.0.1:{port}/?token=wrong"),
                             _get(address, host=f"evil.example:{port}"),
                             _get(address, host=f"rebind.attacker.test:{port}")):
            assert status in (302, 401, 403), status
            assert "workbook" not in body.lower()
        time.sleep(1)
        assert _kernels(app.pid) == before
        assert _get(address, host=f"localhost:{port}")[0] == 200
        # kernels of views that never connected (these requests) are culled when idle;
        # the one started ahead for the next page stays
        _wait(lambda: _kernels(app.pid) == POOL_SIZE, IDLE + 60, "idle kernels to be culled", app, log)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # one customer's browser: each view is a new tab, with the page's scripts in the browser's cache as
            # after a person's first visit
            customer = browser.new_context(viewport={"width": 1280, "height": 900})
            culled = log.read_text(errors="replace").count("Culling")
            try:
                alive: list[int] = []
                for _ in range(VIEWS):
                    page = customer.new_page()
                    page.goto(address, timeout=UI_TIMEOUT_MS)
                    page.locator(".specbook-section").first.wait_for(timeout=UI_TIMEOUT_MS)
                    # the customer leaves the page (a tab closed by Playwright drops the page's shutdown call,
                    # which a browser sends as the page unloads), then the tab is closed
                    page.goto("about:blank")
                    page.close()
                    # the left page's kernel is being shut down: released within a minute, never piling up
                    _wait(lambda: _kernels(app.pid) <= POOL_SIZE + 1, 60, "the closed page's kernel to be released",
                          app, log)
                    alive.append(_kernels(app.pid))
            finally:
                browser.close()
        # leaving a page shuts its kernel down at once: they never pile up (the pool's kernel aside), and none of
        # them had to wait for the idle cull
        assert max(alive) <= POOL_SIZE + 1, alive
        assert log.read_text(errors="replace").count("Culling") == culled
        _wait(lambda: _kernels(app.pid) <= POOL_SIZE, 60, "the last page's kernel to be released", app, log)
