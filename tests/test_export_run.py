"""How an export runs the workbook and what the command line tells the user.

A workbook of specbook's own cells is run in the exporting process; the pin below keeps its outputs equal
to a real kernel's. The analyst's own code still runs, in a kernel, with its output in the handout; a
failing cell or a dying kernel is one message naming the cell; files land beside the workbook.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from helpers import COMPLETE

from specbook import check, load
from specbook.cli import main
from specbook.export import default_dir, export_handouts
from specbook.export.run import execute, execute_here, own_cells
from specbook.scaffold import template_path
from specbook.workbook import Workbook

ROOT = Path(__file__).resolve().parent.parent


def workbook(tmp_path: Path, cells: list[Any] = (), at: int = 3, spec: Path = COMPLETE) -> Path:  # type: ignore[assignment]
    folder = tmp_path / "projects" / "acme"
    folder.mkdir(parents=True)
    shutil.copyfile(spec, folder / "spec.yaml")
    nb = nbformat.read(template_path(), as_version=4)
    nb.cells[at:at] = list(cells)
    nbformat.write(nb, folder / "workbook.ipynb")
    return folder


def _outputs(nb: Any) -> list[tuple[Any, list[dict[str, Any]]]]:
    return [(c["execution_count"], [dict(o) for o in c["outputs"]])
            for c in nb["cells"] if c["cell_type"] == "code"]


def test_own_cells_give_exactly_what_a_kernel_gives(tmp_path: Path) -> None:
    folder = workbook(tmp_path, [nbformat.v4.new_markdown_cell("A note"), nbformat.v4.new_code_cell("")])
    nb = json.loads((folder / "workbook.ipynb").read_text(encoding="utf-8"))
    plan = own_cells(nb)
    assert isinstance(plan, list)
    here = execute_here(nb, Workbook(folder), plan)
    kernel = execute(nb, folder)
    assert _outputs(here) == _outputs(kernel)
    assert sum(bool(outputs) for _, outputs in _outputs(here)) == 14  # the title, the readiness and 12 sections


@pytest.mark.parametrize("source", ["print('hi')", "wb.section('nope')", "import os", "x = wb.title()\nx",
                                    "wb.section(name)", "wb.title(", "specbook.workbook.open_workbook('x')"])
def test_anything_else_is_the_analysts_code(source: str) -> None:
    nb = nbformat.read(template_path(), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(source))
    assert own_cells(nb) == 3


def test_the_analysts_code_runs_in_a_kernel_with_its_output(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = workbook(tmp_path, [nbformat.v4.new_code_cell("'analyst total: ' + str(6 * 7)")])
    assert main(["export", str(folder), "--to", "html", "-o", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    assert "Cell 4 holds code of its own" in err
    html = Path(out.split()[0]).read_text(encoding="utf-8")
    assert "analyst total: 42" in html and 'id="sb-acceptance"' in html


def test_a_dead_kernel_is_one_message_naming_the_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = workbook(tmp_path, [nbformat.v4.new_code_cell("import os\nos._exit(1)")], at=5)
    assert main(["export", str(folder), "--to", "html", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("specbook export: The Python kernel died at cell 6 (import os)"), err
    assert "Traceback" not in err and "DeadKernelError" not in err
    assert not (tmp_path / "out").exists()


def test_a_failing_cell_is_one_message_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = workbook(tmp_path, [nbformat.v4.new_code_cell("total = 1 / 0")])
    assert main(["export", str(folder), "--to", "html"]) == 2
    err = capsys.readouterr().err
    assert "cell 4 (total = 1 / 0): ZeroDivisionError: division by zero" in err and "Traceback" not in err


def test_export_from_elsewhere_writes_beside_the_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = workbook(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    relative = Path("..") / "projects" / "acme"
    assert main(["export", str(relative), "--to", "html"]) == 0
    out, err = capsys.readouterr()
    paths = [Path(p) for p in out.split()]
    assert paths and all(p.is_absolute() and p.is_file() and p.parent == folder.parent / "exports" for p in paths)
    assert not list(elsewhere.iterdir())
    notes = check(load(folder)).count("info")
    assert err.splitlines() == [f"{relative}: 8 of 8 questions closed. 0 errors, 0 warnings, {notes} notes"]
    assert default_dir(folder / "spec.yaml") == default_dir(folder) == folder.parent / "exports"


def test_errors_warn_and_strict_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "half.yaml"
    spec.write_text("schema_version: 2\nlanguage: en\nproject: {name: Half done}\n", encoding="utf-8")
    assert main(["export", str(spec), "--to", "html", "-o", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "0 of 8 questions closed" in err and "Warning: the spec has errors (10)" in err
    assert main(["export", str(spec), "--to", "html", "-o", str(tmp_path / "b"), "--strict"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Nothing written" in err and not (tmp_path / "b").exists()
    assert main(["export", str(COMPLETE), "--to", "html", "-o", str(tmp_path / "c"), "--strict"]) == 0


def test_check_shows_codes_only_when_verbose(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("schema_version: 2\nlanguage: ru\nproject: {name: Наполовину}\n", encoding="utf-8")
    assert main(["check", str(spec)]) == 1
    plain = capsys.readouterr().out
    assert "goal.primary" not in plain and "[" not in plain
    assert main(["check", str(spec), "--verbose"]) == 1
    assert "[goal.primary-missing @ goal.primary]" in capsys.readouterr().out


def test_an_html_export_imports_no_pdf_renderer_and_builds_no_iri_grammar(tmp_path: Path) -> None:
    code = ("import sys\nfrom specbook.cli import main\n"
            f"code = main(['export', {str(COMPLETE)!r}, '--to', 'html', '-o', {str(tmp_path)!r}])\n"
            "heavy = [m for m in ('weasyprint', 'specbook.export.pdf') if m in sys.modules]\n"
            f"grammar = {GRAMMAR!r} in sys.modules\n"
            "print(code, heavy, grammar)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.stdout.splitlines()[-1] == "0 [] False", result.stderr


GRAMMAR = "rfc3987_syntax.syntax_helpers"  # the module that builds jsonschema's IRI grammar at import


def test_an_export_through_a_kernel_builds_no_iri_grammar(tmp_path: Path) -> None:
    folder = workbook(tmp_path, [nbformat.v4.new_code_cell("'analyst total: ' + str(6 * 7)")])
    code = ("import sys\nimport specbook\n"
            f"paths = specbook.export({str(folder)!r}, 'html', {str(tmp_path / 'out')!r})\n"
            f"print('analyst total: 42' in open(paths[0], encoding='utf-8').read(), {GRAMMAR!r} in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.stdout.splitlines()[-1] == "True False", result.stderr


def test_iris_are_still_checked_when_the_grammar_waits(tmp_path: Path) -> None:
    code = ("import sys\nfrom specbook._perf import defer_iri_grammar\ndefer_iri_grammar()\n"
            "import jsonschema\n"
            f"before = {GRAMMAR!r} in sys.modules\n"
            "check = jsonschema.Draft202012Validator.FORMAT_CHECKER\n"
            "v = jsonschema.Draft202012Validator({'format': 'iri'}, format_checker=check)\n"
            "print(before, v.is_valid('http://example.com/ä'), v.is_valid('http://exa mple.com/ä'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.stdout.splitlines()[-1] == "False True False", result.stderr


def test_the_spec_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import specbook.storage

    calls: list[str] = []
    real = specbook.storage.loads

    def counting(*args: Any, **kw: Any) -> Any:
        calls.append("parse")
        return real(*args, **kw)

    monkeypatch.setattr(specbook.storage, "loads", counting)
    done = export_handouts(workbook(tmp_path), "html", tmp_path / "out")
    assert calls == ["parse"] and not done.kernel
    assert load(done.paths[-2]) == load(COMPLETE)
