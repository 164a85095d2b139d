"""The PDF renderer started ahead of the handout: the command's helper process gives the very PDF the
exporting process would make, the PDF is made even when the helper is lost, and no helper outlives the
process that started it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workbook_support import ROOT, example_handouts

from specbook.export import export
from specbook.export.ahead import PdfRenderer
from specbook.export.pdf import to_pdf

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
                                reason="the renderer is started ahead on Linux with two processors")

# A process of its own, with no thread but its main one (a test runner's worker has others), so that the
# renderer is started ahead as in the command.
_AHEAD = """
import sys
from specbook.export import export
from specbook.export.ahead import PdfRenderer
html = open(sys.argv[1], encoding="utf-8").read()
with PdfRenderer() as renderer:
    assert renderer.ahead, "a single-threaded process on Linux starts its renderer ahead"
    renderer.submit(html)
    if sys.argv[3] == "kill":
        renderer._process.kill()  # the helper is lost half-way
    pdf = renderer.result()
open(sys.argv[2], "wb").write(pdf)
"""


def _run(code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("fate", ["answers", "kill"])
def test_the_helper_makes_the_pdf_this_process_makes_and_its_loss_costs_nothing(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, fate: str) -> None:
    html_path = next(p for p in example_handouts("shop-crm", tmp_path_factory) if p.suffix == ".html")
    out = tmp_path / "ahead.pdf"
    done = _run(_AHEAD, str(html_path), str(out), fate)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == to_pdf(html_path.read_text(encoding="utf-8"))


def _ended(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "zombie" in status.read_text(errors="replace")  # ended, its exit status not yet collected
    except FileNotFoundError:
        return True


def test_a_helper_never_outlives_the_process_that_started_it(tmp_path: Path) -> None:
    """A command that ends before it hands over a handout (a spec refused with --strict, an error, the
    process killed) leaves no renderer behind."""
    pid_file = tmp_path / "helper.pid"
    code = ("import os, sys\nfrom specbook.export.ahead import PdfRenderer\nrenderer = PdfRenderer()\n"
            "open(sys.argv[1], 'w').write(str(renderer._process.pid))\nos._exit(0)\n")
    done = subprocess.run([sys.executable, "-c", code, str(pid_file)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0
    helper = int(pid_file.read_text())
    deadline = time.monotonic() + 60  # a guard against a hang: it ends as soon as it has loaded
    while time.monotonic() < deadline and not _ended(helper):
        time.sleep(0.05)
    if not _ended(helper):
        os.kill(helper, 9)
        pytest.fail("the renderer outlived the process that started it")


def test_in_a_process_with_threads_the_pdf_is_made_in_process(tmp_path: Path) -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with PdfRenderer() as renderer:
            assert not renderer.ahead  # forking beside another thread could copy a lock it holds
            renderer.submit("<p>Привет</p>")
            assert renderer.result().startswith(b"%PDF")
    finally:
        stop.set()
        other.join()


def test_the_command_writes_the_pdf_the_library_writes(tmp_path: Path) -> None:
    spec = ROOT / "tests" / "data" / "complete.yaml"
    library = next(p for p in export(spec, "pdf", tmp_path / "library") if p.suffix == ".pdf")
    done = subprocess.run([sys.executable, "-m", "specbook", "export", str(spec), "--to", "pdf", "-o",
                           str(tmp_path / "command")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    pdf = next(Path(p) for p in done.stdout.split() if p.endswith(".pdf"))
    assert pdf.read_bytes() == library.read_bytes()
