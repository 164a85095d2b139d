"""The grid widget in a real page: Voila serves a small notebook showing two grids wired to a callback that
writes every edit it receives to a file; Chromium, driven by Playwright, types as a person does and
clicks at once. Whatever was typed must reach the file whole, in order, in the grid it was typed in."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, START_TIMEOUT, _answers, _clean_env, _free_port, _server, _wait
from workbook_support import ROOT

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]

UI_TIMEOUT_MS = 240_000
STEP_TIMEOUT_MS = 60_000
SAVE_TIMEOUT = 60
ARTEFACTS = ROOT / "artefacts"

RECORDER = '''
import json
import time
from pathlib import Path

from specbook.forms.sheet import Column, Refusal, Result, Row, Sheet

KINDS = (("shop", "Интернет-магазин"), ("crm", "CRM"), ("pay", "Платёжный сервис"))
BUSY = 1.5  # seconds the kernel takes over an add of a «Медленная…» system


class Recorder:
    """Writes every edit it receives as one JSON line, then the rows it holds; undo restores rows."""

    def __init__(self, path, grid):
        self.path, self.grid, self.past, self.future, self.sheet = Path(path), grid, [], [], None

    def __call__(self, edit):
        if edit.op == "add" and edit.added and str(edit.added[0].get("name", "")).startswith("Медленная"):
            time.sleep(BUSY)  # a busy kernel: its answer comes while the user already types elsewhere
        rows = self.sheet.data
        result = self._apply(edit, rows)
        after = result.rows if result.rows is not None else None
        line = {"grid": self.grid, "op": edit.op, "seq": edit.seq,
                "changes": [[c.row, c.column, c.value] for c in edit.changes], "row": edit.row,
                "added": [dict(a) for a in edit.added],
                "rows": None if after is None else [list(r.cells) for r in after]}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\\n")
        return result

    def _apply(self, edit, rows):
        if edit.op in ("undo", "redo"):
            source, target = (self.past, self.future) if edit.op == "undo" else (self.future, self.past)
            if not source:
                return Result(message="—")
            target.append(rows)
            return Result(rows=source.pop())
        self.past.append(rows)
        self.future.clear()
        if edit.op in ("remove", "move"):
            at = [r.id for r in rows].index(edit.row)
            if edit.op == "remove" and rows[at].cells[0] == "Tilda":
                self.past.pop()
                return Result(rows=rows, message="«Tilda» нельзя удалить: на неё ссылается поток «Заказы»")
            moved = list(rows)
            if edit.op == "remove":
                moved.pop(at)
            elif 0 <= at + edit.step < len(moved):
                moved[at], moved[at + edit.step] = moved[at + edit.step], moved[at]
            return Result(rows=moved)
        refused = [Refusal(c.column, "нет такого типа", row=c.row) for c in edit.changes
                   if c.column == "kind" and c.value and c.value not in dict(KINDS)]
        return Result(refused=tuple(refused))


def grids(log):
    systems, flows = Recorder(log, "systems"), Recorder(log, "flows")
    a = Sheet([Column("name", "Название", width=2), Column("kind", "Тип", "choice", KINDS),
               Column("notes", "Заметки", "prose", width=3)],
              [("r1", ("Tilda", "shop", "")), ("r2", ("Bitrix24", "crm", ""))],
              label="Системы", language="ru", on_edit=systems, add_label="Новая система",
              add_button="Добавить систему", row_actions=("remove",))
    b = Sheet([Column("name", "Поток", width=2), Column("notes", "Заметки", "prose", width=3)],
              [("f1", ("Заказы", "")), ("f2", ("Оплаты", ""))],
              label="Потоки", language="ru", on_edit=flows, add_label="Новый поток", add_button="Добавить поток",
              row_actions=("remove", "up", "down"))
    systems.sheet, flows.sheet = a, b
    return a, b
'''

NAMES = ["СДЭК", "ЮKassa", "1С:Бухгалтерия", "Оплаты за день", "Мой склад", "Ozon", "Wildberries",
         "Почта России", "Битрикс24 — отдел продаж", "amoCRM", "Тинькофф Касса", "Сбер Бизнес", "Яндекс Доставка",
         "Boxberry", "DPD", "МойСклад: склад №2", "Контур.Диадок", "СБИС", "Ретейл CRM", "Эвотор",
         "АТОЛ Онлайн", "CloudPayments", "Robokassa", "Юла", "Авито", "Lamoda", "Мегамаркет", "Shiptor",
         "«Деловые линии»", "ПЭК"]


@pytest.fixture(scope="module")
def page_and_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    from playwright.sync_api import sync_playwright

    work = tmp_path_factory.mktemp("grid")
    (work / "recorder.py").write_text(RECORDER, encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from recorder import grids\na, b = grids('edits.jsonl')\ndisplay(a)\n"
                                          "display(b)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "grid.ipynb")
    port = _free_port()
    log = work / "voila.log"
    argv = [sys.executable, "-m", "voila", "grid.ipynb", "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"]
    with _server(argv, work, _clean_env(), log) as proc, sync_playwright() as playwright:
        url = f"http://127.0.0.1:{port}/"
        _wait(lambda: _answers(url), START_TIMEOUT, "Voila", proc, log)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                      permissions=["clipboard-read", "clipboard-write"])
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(url, timeout=UI_TIMEOUT_MS)
            page.get_by_role("grid", name="Потоки").get_by_role("gridcell").first.wait_for(timeout=UI_TIMEOUT_MS)
            yield page, work / "edits.jsonl"
        except Exception:
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "sheet-failed.png"))
            raise
        finally:
            browser.close()


def _edits(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _until(path: Path, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + SAVE_TIMEOUT
    while time.monotonic() < deadline:
        edits = _edits(path)
        if len(edits) >= count:
            return edits
        time.sleep(0.2)
    raise AssertionError(f"expected {count} edits in the file, found {_edits(path)}")


def _cell(page: Any, grid: str, row_text: str, column: int) -> Any:
    return page.get_by_role("grid", name=grid).get_by_role("row").filter(has_text=row_text).get_by_role(
        "gridcell").nth(column)


def test_a_name_typed_and_added_at_once_arrives_whole_thirty_times(page_and_log: tuple[Any, Path]) -> None:
    page, log = page_and_log
    before = len(_edits(log))
    box = page.get_by_label("Новая система")
    add = page.get_by_role("button", name="Добавить систему")
    for name in NAMES:
        box.click()
        page.keyboard.type(name, delay=25)
        add.click()  # no pause: the click follows the last keystroke at once
    edits = _until(log, before + len(NAMES))[before:]
    assert [e["op"] for e in edits] == ["add"] * len(NAMES)
    assert [e["added"][0]["name"] for e in edits] == NAMES
    grid = page.get_by_role("grid", name="Системы")
    grid.get_by_role("row").filter(has_text=NAMES[-1]).wait_for()
    assert box.input_value() == ""


def test_a_cell_typed_then_another_grid_clicked_keeps_its_value(page_and_log: tuple[Any, Path]) -> None:
    page, log = page_and_log
    before = len(_edits(log))
    _cell(page, "Системы", "Tilda", 2).click()
    page.keyboard.type("Главный сайт", delay=25)
    _cell(page, "Потоки", "Оплаты", 1).click()  # at once, a cell of the other grid
    page.keyboard.type("Каждые 5 минут", delay=25)
    page.get_by_label("Новый поток").click()
    edits = _until(log, before + 2)[before:]
    assert edits[0]["grid"] == "systems" and edits[0]["changes"] == [["r1", "notes", "Главный сайт"]]
    assert edits[1]["grid"] == "flows" and edits[1]["changes"] == [["f2", "notes", "Каждые 5 минут"]]
    _cell(page, "Системы", "Tilda", 2).get_by_text("Главный сайт").wait_for()


def test_a_row_the_busy_kernel_adds_while_a_cell_is_typed_does_not_drop_the_typing(
        page_and_log: tuple[Any, Path]) -> None:
    page, log = page_and_log
    before = len(_edits(log))
    page.get_by_label("Новая система").click()
    page.keyboard.type("Медленная система")
    page.get_by_role("button", name="Добавить систему").click()
    # at once into a cell, typing at human speed for longer than the kernel takes to answer with the new row
    _cell(page, "Системы", "Bitrix24", 2).click()
    text = "Пишем, пока ядро добавляет строку"
    page.keyboard.type(text, delay=80)
    page.get_by_label("Новый поток").click()
    edits = _until(log, before + 2)[before:]
    assert [e["op"] for e in edits] == ["add", "set"]
    assert edits[1]["changes"] == [["r2", "notes", text]]
    page.get_by_role("grid", name="Системы").get_by_role("row").filter(has_text="Медленная система").wait_for()
    _cell(page, "Системы", "Bitrix24", 2).get_by_text(text, exact=True).wait_for()


def test_a_pick_list_in_the_cell_offers_only_valid_values(page_and_log: tuple[Any, Path]) -> None:
    page, log = page_and_log
    before = len(_edits(log))
    _cell(page, "Системы", "Tilda", 1).click()
    page.keyboard.type("Плат", delay=40)
    # the cell's pick list is a listbox named by its column, its items options
    page.get_by_role("listbox", name="Тип").get_by_role("option", name="Платёжный сервис", exact=True).click()
    edits = _until(log, before + 1)[before:]
    assert edits[0]["changes"] == [["r1", "kind", "pay"]]
    _cell(page, "Системы", "Tilda", 1).get_by_text("Платёжный сервис").wait_for()


def test_a_block_pasted_from_a_spreadsheet_is_one_edit_and_undo_takes_it_back(
        page_and_log: tuple[Any, Path]) -> None:
    page, log = page_and_log
    before = len(_edits(log))
    block = "Поток\tЗаметки\r\nВозвраты\tраз в час\r\nОстатки\t\"каждые\n15 минут\"\r\n"
    page.evaluate("text => navigator.clipboard.writeText(text)", block)
    _cell(page, "Потоки", "Заказы", 0).click()
    page.keyboard.press("Control+V")
    edits = _until(log, before + 1)[before:]
    assert edits[0]["op"] == "paste"
    assert edits[0]["added"] == [{"name": "Возвраты", "notes": "раз в час"},
                                 {"name": "Остатки", "notes": "каждые\n15 минут"}]
    flows = page.get_by_role("grid", name="Потоки")
    flows.get_by_role("row").filter(has_text="Остатки").wait_for()
    page.get_by_role("status").filter(has_text="Вставлено значений: 4 из 4.").wait_for()
    page.keyboard.press("Control+z")
    edits = _until(log, before + 2)[before:]
    assert edits[1]["grid"] == "flows" and edits[1]["op"] == "undo"
    assert [row[0] for row in edits[1]["rows"]] == ["Заказы", "Оплаты"]
    flows.get_by_role("row").filter(has_text="Остатки").wait_for(state="detached")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "sheet-1280.png"), full_page=True)


def test_a_row_s_own_buttons_move_and_remove_it_and_a_refusal_is_said(page_and_log: tuple[Any, Path]) -> None:
    page, log = page_and_log
    from playwright.sync_api import expect

    flows = page.get_by_role("grid", name="Потоки")
    before = len(_edits(log))
    flows.get_by_role("button", name="Опустить строку «Заказы» ниже").click()
    edits = _until(log, before + 1)[before:]
    assert edits[0]["op"] == "move" and edits[0]["row"] == "f1"
    assert [row[0] for row in edits[0]["rows"]][:2] == ["Оплаты", "Заказы"]
    first = [flows.get_by_role("row").nth(n).get_by_role("gridcell").first for n in (1, 2)]
    expect(first[0]).to_have_text("Оплаты")  # the grid shows the rows in the model's new order
    expect(first[1]).to_have_text("Заказы")
    flows.get_by_role("button", name="Удалить строку «Оплаты»").click()
    flows.get_by_role("row").filter(has_text="Оплаты").wait_for(state="detached")
    systems = page.get_by_role("grid", name="Системы")
    systems.get_by_role("button", name="Удалить строку «Tilda»").click()
    page.get_by_role("status").filter(has_text="«Tilda» нельзя удалить").wait_for()
    systems.get_by_role("row").filter(has_text="Tilda").first.wait_for()


def test_a_column_s_menu_handle_is_a_named_button_the_keyboard_opens(page_and_log: tuple[Any, Path]) -> None:
    page, _log = page_and_log
    handle = page.get_by_role("grid", name="Системы").get_by_role("button", name="Сортировка по столбцу «Тип»")
    handle.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Сортировать от А до Я", exact=True).wait_for()
    page.keyboard.press("Escape")
