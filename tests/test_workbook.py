"""The workbook behind the forms: saved as you type (a burst writes once), every answer back after a restart,
never a silent overwrite of a file that changed on disk, the views' MIME bundles, and the template notebook
run under nbval against real specs."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workbook_support import COMPLETE, PARTIAL_RU, ROOT, TEMPLATE, _children, make_workbook, on_disk, type_cell

from specbook import lang, load, save
from specbook.app import PortInUseError, choose_port, voila_argv
from specbook.definitions import SECTION
from specbook.forms import readiness_panel, section_form
from specbook.workbook import SAVE_DELAY, SPEC_ENV, STATIC_ENV, Workbook, open_workbook

SECTIONS_SHOWN = list(SECTION)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


# --------------------------------------------------------------------------- saving


def test_a_burst_of_keystrokes_writes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import specbook.workbook as workbook_module

    writes: list[str] = []
    real_save = workbook_module.save

    def counting_save(spec, path, **kw):  # type: ignore[no-untyped-def]
        writes.append(spec.goal.problem)
        return real_save(spec, path, **kw)

    monkeypatch.setattr(workbook_module, "save", counting_save)

    async def type_a_sentence() -> None:
        wb = make_workbook(tmp_path / "acme")
        goal = section_form(wb, "goal")
        panel = readiness_panel(wb)
        text = ""
        for ch in "Orders are late.":
            text += ch
            goal.problem.input.value = text
            await asyncio.sleep(0)
        assert writes == []  # still typing
        assert wb.dirty
        await asyncio.sleep(SAVE_DELAY + 0.4)
        assert writes == ["Orders are late."]
        assert not wb.dirty
        assert on_disk(wb).goal.problem == "Orders are late."
        goal.problem.input.value = ""
        await asyncio.sleep(SAVE_DELAY + 0.4)
        assert panel.headline == "8 of 8 questions closed"  # a warning only: the question stays closed
        assert "The problem today is not described." in panel.details[0].value
        wb.close()

    asyncio.run(type_a_sentence())
    assert len(writes) == 2


def test_every_answer_is_back_after_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    wb = make_workbook(folder)
    section_form(wb, "goal").problem.input.value = "Two hours a day of copying"
    flows = section_form(wb, "flows")
    flows.picker.add_box.submit("Stock to shop")
    flows.details.fields["trigger"].input.value = "hourly"
    systems = section_form(wb, "systems").systems
    type_cell(systems, systems.label("contact"), 1, "Olga Orlova")
    mark = section_form(wb, "errors").mark
    mark.answer.value = "errors"  # the whole section
    mark.who.value = "Head of support"
    mark.mark_button.click()

    again = Workbook(folder)  # a new kernel runs the workbook again
    assert section_form(again, "goal").problem.input.value == "Two hours a day of copying"
    flows = section_form(again, "flows")
    assert "Stock to shop" in [v for _w, v in flows.picker.dropdown.options]
    flows.picker.dropdown.value = "Stock to shop"
    assert flows.details.fields["trigger"].input.value == "hourly"
    assert section_form(again, "systems").systems.frame.iloc[1]["Contact"] == "Olga Orlova"
    assert "Head of support" in section_form(again, "errors").mark.listing.value
    assert again.spec == wb.spec


# --------------------------------------------------------------------------- the file changed on disk


def _colleague_edits(folder: Path, problem: str) -> None:
    colleague = load(folder / "spec.yaml")
    colleague.goal.problem = problem
    save(colleague, folder / "spec.yaml")


def test_a_conflict_is_shown_and_nothing_is_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    wb = make_workbook(folder)
    goal = section_form(wb, "goal")
    banner = goal.banner
    assert not banner.shown
    _colleague_edits(folder, "Written by a colleague")
    goal.other.input.value = "Mine"
    assert wb.conflict is not None
    assert banner.shown
    assert banner.overwrite_button.layout.display == "flex"
    assert lang.text("en", "forms.banner.conflict")[:40] in banner.note.value
    assert load(folder / "spec.yaml").goal.problem == "Written by a colleague"  # theirs, untouched
    assert load(folder / "spec.yaml").goal.other == ""
    goal.other.input.value = "Mine, again"  # further edits are kept in memory, still not written
    assert load(folder / "spec.yaml").goal.other == ""
    assert section_form(wb, "flows").banner is banner  # one banner for the workbook, under its title
    shown_in = [key for key in SECTIONS_SHOWN if banner.widget in _children(section_form(wb, key).widget)]
    assert shown_in == ["project"]
    banner.reload_button.click()
    assert not banner.shown
    assert wb.conflict is None
    assert goal.problem.input.value == "Written by a colleague"
    assert goal.other.input.value == ""
    goal.other.input.value = "After reload"
    assert load(folder / "spec.yaml").goal.other == "After reload"


def test_a_save_that_fails_shows_its_reason_at_once_and_the_edits_reach_the_file_later(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    wb = make_workbook(folder)
    title, goal = section_form(wb, "project"), section_form(wb, "goal")
    systems = section_form(wb, "systems").systems
    banner = title.banner
    folder.chmod(0o555)  # a read-only folder (storage checks the mode bits, so even root is refused)
    try:
        goal.other.input.value = "Kept in memory"
        assert wb.save_error is not None and "read-only folder" in wb.save_error
        assert banner.shown and "read-only folder" in banner.note.value
        assert banner.retry_button.layout.display == "flex"
        assert lang.text("en", "forms.not_saved_error", file="spec.yaml", reason="")[:20] in title.status.value
        type_cell(systems, "Owner", 0, "Sales")  # a second edit: kept too, and tried again
        assert load(folder / "spec.yaml").goal.other == ""
        banner.retry_button.click()  # still read-only: still said
        assert banner.shown and wb.dirty
    finally:
        folder.chmod(0o755)
    goal.problem.input.value = "Written once the folder is writable"  # the next edit saves everything
    disk = load(folder / "spec.yaml")
    assert disk.goal.other == "Kept in memory" and disk.goal.problem == "Written once the folder is writable"
    assert disk["systems"]["owner"].iat[0] == "Sales"
    assert wb.save_error is None and not banner.shown
    assert "All answers saved to spec.yaml" in title.status.value


def test_text_the_file_cannot_hold_is_refused_in_words_and_later_edits_still_save(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    wb = make_workbook(folder)
    goal = section_form(wb, "goal")
    goal.other.input.value = "half a pair \ud800"
    assert wb.save_error is not None and "cannot store" in wb.save_error
    assert goal.banner.shown
    goal.other.input.value = "Fixed"
    assert load(folder / "spec.yaml").goal.other == "Fixed" and wb.save_error is None


def test_keeping_my_version_overwrites_on_request(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    wb = make_workbook(folder)
    goal = section_form(wb, "goal")
    _colleague_edits(folder, "Written by a colleague")
    goal.other.input.value = "Mine"
    assert goal.banner.shown
    goal.banner.overwrite_button.click()
    assert not goal.banner.shown
    disk = load(folder / "spec.yaml")
    assert (disk.goal.other, disk.goal.problem) == ("Mine", wb.spec.goal.problem)


def test_a_change_on_disk_is_noticed_without_an_edit(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    wb = make_workbook(folder)
    title = section_form(wb, "project")
    assert not wb.check_disk()
    _colleague_edits(folder, "After git pull")
    assert wb.check_disk()
    assert title.banner.shown
    assert lang.text("en", "forms.banner.stale")[:40] in title.banner.note.value
    assert title.banner.overwrite_button.layout.display == "none"  # no unsaved answer to keep
    title.banner.reload_button.click()
    assert not title.banner.shown
    assert section_form(wb, "goal").problem.input.value == "After git pull"


def test_the_workbook_watches_its_file_while_forms_are_shown(tmp_path: Path) -> None:
    async def scenario() -> None:
        folder = tmp_path / "acme"
        wb = make_workbook(folder)
        banner = section_form(wb, "goal").banner
        wb.close()
        wb._watching = None
        wb.watch(interval=0.05)
        _colleague_edits(folder, "Pulled")
        for _ in range(100):
            if banner.shown:
                break
            await asyncio.sleep(0.05)
        assert banner.shown
        wb.close()

    asyncio.run(scenario())


def test_reloading_a_broken_file_says_what_is_wrong(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    wb = make_workbook(folder)
    banner = section_form(wb, "goal").banner
    (folder / "spec.yaml").write_text("schema_version: 2\nflows: [\n", encoding="utf-8")
    assert wb.check_disk()
    banner.reload_button.click()
    assert banner.shown
    assert "spec.yaml" in banner.note.value
    assert wb.spec.goal.primary == "no_manual_entry"  # the answers in the forms are kept


# --------------------------------------------------------------------------- opening and views


def test_open_workbook_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_workbook(tmp_path / "acme")
    monkeypatch.setenv(SPEC_ENV, str(tmp_path / "acme"))
    assert open_workbook().path == tmp_path / "acme" / "spec.yaml"
    monkeypatch.delenv(SPEC_ENV)
    monkeypatch.chdir(tmp_path / "acme")
    assert open_workbook().path.resolve() == (tmp_path / "acme" / "spec.yaml").resolve()


def test_views_carry_the_live_form_and_static_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wb = make_workbook(tmp_path / "acme")
    for view in (wb.title(), wb.readiness(), wb.section("flows")):
        bundle = view._repr_mimebundle_()
        assert WIDGET_MIME in bundle
        assert bundle["text/html"]
    monkeypatch.setenv(STATIC_ENV, "1")
    bundle = wb.section("goal")._repr_mimebundle_()
    assert WIDGET_MIME not in bundle
    assert "text/html" in bundle


def test_customer_mode_serves_the_folders_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    make_workbook(folder)
    argv = voila_argv(folder, 8899)
    assert argv[0] == str(TEMPLATE.resolve())  # no workbook.ipynb in the folder: the template
    shutil.copyfile(TEMPLATE, folder / "workbook.ipynb")
    argv = voila_argv(folder / "spec.yaml", 8899)
    assert argv[0] == str((folder / "workbook.ipynb").resolve())
    assert "--port=8899" in argv
    assert "--Voila.ip=127.0.0.1" in argv
    assert "--no-browser" in argv
    port = choose_port()
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        with pytest.raises(PortInUseError, match=f"port {port}"):
            choose_port(port)
        assert choose_port() != port


# --------------------------------------------------------------------------- the template under nbval


@pytest.mark.slow  # a kernel runs every cell of the template
@pytest.mark.parametrize("source", [COMPLETE, PARTIAL_RU], ids=["complete-en", "partial-ru"])
def test_the_workbook_template_runs_under_nbval(tmp_path: Path, source: Path) -> None:
    folder = tmp_path / "acme"
    make_workbook(folder, source)
    before = (folder / "spec.yaml").read_bytes()
    env = {**os.environ, SPEC_ENV: str(folder), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    env.pop(STATIC_ENV, None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-cell-timeout=300", str(ROOT / "notebooks")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout
    assert (folder / "spec.yaml").read_bytes() == before  # showing the forms writes nothing


def test_the_template_without_a_spec_says_so_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPEC_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    wb = open_workbook()
    line = wb.title()._repr_mimebundle_()["text/plain"]
    assert "\n" not in line and "specbook new DIR" in line and str(tmp_path / "spec.yaml") in line
    assert wb.readiness() is None and wb.section("flows") is None  # the other cells show nothing
    monkeypatch.setenv(SPEC_ENV, str(tmp_path / "gone.yaml"))  # a spec named but missing: the same line
    assert str(tmp_path / "gone.yaml") in open_workbook().title().text


@pytest.mark.slow  # a kernel runs every cell of the template
def test_the_template_runs_under_nbval_with_no_spec_beside_it() -> None:
    """``python -m pytest --nbval notebooks/`` as it is in the repository: no spec beside the template."""
    folder = ROOT / "notebooks"
    before = sorted(p.name for p in folder.iterdir())
    assert "spec.yaml" not in before
    env = {k: v for k, v in os.environ.items() if k not in (SPEC_ENV, STATIC_ENV)}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--nbval",
         "--nbval-cell-timeout=300", str(folder)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    cells = len(json.loads(TEMPLATE.read_text(encoding="utf-8"))["cells"])
    assert f"{cells} passed" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == before  # no spec made behind the user's back


def test_forms_and_views_do_not_import_the_workbook() -> None:
    """Forms and views depend on the session protocol, not on the workbook module, so there is no cycle
    workbook → views → forms → workbook; and none of the three hides an import of another inside a
    function."""
    package = ROOT / "specbook"
    layer = {"specbook.workbook", "specbook.views", "specbook.forms"}
    for path in [package / "workbook.py", package / "views.py", *sorted((package / "forms").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (path.parent.name == "forms" or path.name == "views.py"):
                assert node.module != "specbook.workbook", f"{path.name} imports the workbook"
            if isinstance(node, ast.FunctionDef):
                hidden = [i.module for i in ast.walk(node) if isinstance(i, ast.ImportFrom) and i.module in layer]
                assert hidden == [], f"{path.name}: {node.name} imports {hidden} inside a function"
