"""A whole Russian spec entered in a real browser, as an analyst enters it during an interview, in JupyterLab
and in customer mode (``specbook app``): five systems, six entities, eighteen fields, statuses with a system
that has no such status, four flows and an acceptance scenario. Six fields of «Заказ» come as one block
pasted from the clipboard (tab-separated rows with a header, as copied from Excel); the first paste lands
on the wrong entity and is taken back with Ctrl+Z. Some names are typed at a person's pace, others are
followed by the click at once. Then ``spec.yaml`` must equal ``tests/data/e2e_ru_expected.yaml`` byte for
byte (the spec file has no volatile header: no time stamp, no path).

Every control is found by its role and accessible name (a grid's cell by its row's words and its column's
header). Controls whose words repeat from section to section («Сущность», «Переименовать в») are looked up
inside their section, as the person reads them under the section's heading. Playwright drives Debian's
Chromium with the launch recipe of ``test_browser.py``; each server is started for its test and stopped.
"""

from __future__ import annotations

import difflib
import re
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    START_TIMEOUT,
    UI_TIMEOUT_MS,
    _answers,
    _clean_env,
    _failure_screenshot,
    _free_port,
    _lab_settings,
    _run_all,
    _server,
    _start_kernel,
    _wait,
    _wait_for_forms,
)
from workbook_support import ROOT

from specbook.cli import main

EXPECTED = ROOT / "tests" / "data" / "e2e_ru_expected.yaml"
FOLDER = "vostok"  # the project's name is the folder's name: the same in both modes
STEP_TIMEOUT_MS = 150_000  # a guard against a hang only: a loaded machine can take a minute for one step
SAVE_TIMEOUT = 180  # seconds for the last answer to reach spec.yaml (a guard against a hang)
HUMAN_MS = 90  # between keystrokes when typing at a person's pace

pytestmark = [pytest.mark.slow,  # a server, a kernel and a browser per mode: about 1.5 to 3 minutes each
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

SYSTEMS = [("Tilda", True), ("Bitrix24", False), ("ЮKassa", False), ("СДЭК", False), ("1С", True)]
ENTITIES = [("Клиент", True), ("Заказ", False), ("Оплата", False), ("Доставка", False), ("Товар", True),
            ("Возврат", False)]
# fields typed by name (the order fields come pasted)
TYPED_FIELDS = {"Клиент": ["Телефон", "ФИО", "E-mail"], "Оплата": ["Номер платежа", "Сумма платежа", "Дата оплаты"],
                "Доставка": ["Трек-номер", "Статус доставки"], "Товар": ["Артикул", "Название товара"],
                "Возврат": ["Номер возврата", "Причина возврата"]}
ORDER_FIELDS = ("Поле\tСмысл\tТип\tОбязательное\tПример\tПерсональные данные\r\n"
                "Номер заказа\tНомер, который покупатель видит в письме\tИдентификатор\tда\tИМ-048213\tнет\r\n"
                "Дата заказа\tКогда покупатель оформил заказ\tДата\tда\t29.11.2026\tнет\r\n"
                "Сумма заказа\tИтог к оплате со скидками и доставкой\tДеньги\tда\t4 870,00\tнет\r\n"
                "Получатель\tКто получит заказ\tТекст\tда\tСмирнов Андрей Петрович\tда\r\n"
                "Телефон получателя\tПо нему звонит курьер\tТелефон\tда\t+7 903 765-43-21\tда\r\n"
                "Адрес доставки\tКуда везти заказ\tТекст\tнет\tг. Москва, ул. Лесная, д. 12\tда\r\n")
FLOWS = [("Заказы в CRM", "Заказ", "Tilda", "Bitrix24", "При каждом событии", "5"),
         ("Оплаты в CRM", "Оплата", "ЮKassa", "Bitrix24", "При каждом событии", "10"),
         ("Заказы в СДЭК", "Заказ", "Bitrix24", "СДЭК", "Раз в 15 минут", "30"),
         ("Оплаты в 1С", "Оплата", "ЮKassa", "1С", "Раз в день", "1440")]
NONE = "нет такого статуса"
STATUSES = [("Новый", {"Tilda": "new", "Bitrix24": "Новая сделка", "СДЭК": NONE}),
            ("Передан в доставку", {"Tilda": "shipped", "Bitrix24": "В доставке", "СДЭК": "Принят"})]
SCENARIO = "Заказ оплачен и доставлен"
STEPS = [("Оформить заказ на сайте с оплатой через ЮKassa", "Tilda", "Заказ в статусе «new»"),
         ("Открыть сделку в Bitrix24", "Bitrix24", "Сделка «Новая сделка» с суммой заказа")]


# --------------------------------------------------------------------------- finding controls


def _section(page: Any, heading: str) -> Any:
    """The section under ``heading`` (the forms of one question)."""
    return page.locator(".specbook-section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def _grid(scope: Any, name: str) -> Any:
    return scope.get_by_role("grid", name=name, exact=True)


def _cell(grid: Any, row_text: str, header: str) -> Any:
    """The cell of the row holding ``row_text`` under the column headed ``header``."""
    headers = [h.strip("⋮ \n") for h in grid.get_by_role("columnheader").all_inner_texts()]
    row = grid.get_by_role("row").filter(has=grid.page.get_by_role("gridcell", name=row_text, exact=True))
    return row.get_by_role("gridcell").nth(headers.index(header))


def _type(page: Any, text: str, human: bool) -> None:
    page.keyboard.type(text, delay=HUMAN_MS if human else 0)


def _add_by_name(page: Any, box: Any, button: Any, name: str, human: bool) -> None:
    """Type a name into a grid's name box and click its Add button (at once after the last key, or not)."""
    box.click()
    _type(page, name, human)
    button.click()


def _wait_row(grid: Any, text: str) -> None:
    grid.get_by_role("gridcell", name=text, exact=True).wait_for()


def _type_cell(page: Any, grid: Any, row_text: str, header: str, text: str, leave: Any) -> None:
    """Open a cell, type into it, and leave it by clicking ``leave`` (as a person clicks the next thing)."""
    cell = _cell(grid, row_text, header)
    cell.click()
    page.keyboard.type(text)
    leave.click()
    cell.get_by_text(text, exact=True).wait_for()


def _choose_in_cell(page: Any, grid: Any, row_text: str, header: str, typed: str, words: str, *,
                    mouse: bool = True) -> None:
    """Open a choice cell, type the first letters and pick the words from the cell's own list: with the mouse
    (words found nowhere else on the page) or with the keyboard (Down to the first match, Enter)."""
    cell = _cell(grid, row_text, header)
    cell.click()
    page.keyboard.type(typed, delay=40)
    if mouse:
        page.get_by_text(words, exact=True).click()
    else:
        editor = grid.get_by_role("combobox", name=header, exact=True).or_(
            grid.get_by_role("textbox", name=header, exact=True))
        page.wait_for_function("([el, v]) => el.value === v", arg=[editor.element_handle(), typed],
                               timeout=STEP_TIMEOUT_MS)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
    cell.get_by_text(words, exact=True).wait_for()


def _paste(page: Any, target: Any, text: str) -> None:
    """Put ``text`` on the real clipboard and press Ctrl+V in ``target``."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    target.click()
    page.keyboard.press("Control+V")


# --------------------------------------------------------------------------- what the analyst does


def enter_spec(page: Any) -> None:
    """Every answer of the spec, through the forms only."""
    project = _section(page, "Проект")
    project.get_by_label("Заказчик", exact=True).click()
    _type(page, "ООО «Восток»", True)
    project.get_by_label("Подрядчик", exact=True).click()
    _type(page, "ООО «Связные системы»", False)

    systems_section = _section(page, "Системы")
    systems = _grid(systems_section, "Системы")
    box = systems_section.get_by_label("Новая система", exact=True)
    add = systems_section.get_by_role("button", name="Добавить систему", exact=True)
    for name, human in SYSTEMS:
        _add_by_name(page, box, add, name, human)
    for name, _ in SYSTEMS:
        _wait_row(systems, name)
    _choose_in_cell(page, systems, "Tilda", "Тип", "Интер", "Интернет-магазин")
    _choose_in_cell(page, systems, "Bitrix24", "Тип", "CR", "CRM")
    _type_cell(page, systems, "Tilda", "Владелец", "Отдел интернет-продаж", box)

    entities_section = _section(page, "2. Сущности и поля")
    entities = _grid(entities_section, "2. Сущности и поля")
    box = entities_section.get_by_label("Новая сущность", exact=True)
    add = entities_section.get_by_role("button", name="Добавить сущность", exact=True)
    for name, human in ENTITIES:
        _add_by_name(page, box, add, name, human)
    for name, _ in ENTITIES:
        _wait_row(entities, name)

    fields = _grid(entities_section, "Поля сущности")
    picker = entities_section.get_by_label("Сущность", exact=True)
    # The analyst pastes the order fields while «Клиент» is still chosen, sees them land there, undoes.
    picker.select_option(label="Клиент")
    _paste(page, fields, ORDER_FIELDS)
    status = entities_section.get_by_role("status").filter(has_text="Вставлено значений")
    status.first.wait_for()
    _wait_row(fields, "Номер заказа")
    page.keyboard.press("Control+z")
    fields.get_by_role("gridcell", name="Номер заказа", exact=True).wait_for(state="detached")
    picker.select_option(label="Заказ")
    entities_section.get_by_role("button", name="Добавить поле в «Заказ»", exact=True).wait_for()
    _paste(page, fields, ORDER_FIELDS)
    _wait_row(fields, "Адрес доставки")
    _cell(fields, "Сумма заказа", "Тип").get_by_text("Деньги", exact=True).wait_for()

    box = entities_section.get_by_label("Новое поле", exact=True)
    for entity, names in TYPED_FIELDS.items():
        picker.select_option(label=entity)
        add = entities_section.get_by_role("button", name=f"Добавить поле в «{entity}»", exact=True)
        for n, name in enumerate(names):
            _add_by_name(page, box, add, name, n == 0)
        for name in names:
            _wait_row(fields, name)

    flows = _section(page, "4. Когда обновляем")
    box = flows.get_by_label("Новый поток", exact=True)
    # a widget button's icon is drawn by CSS, which joins its accessible name: match the words at its end
    add = flows.get_by_role("button", name=re.compile(r"^\W*Добавить поток$"))
    source = flows.get_by_label("Откуда", exact=True)
    for name, entity, start, end, trigger, delay in FLOWS:
        _add_by_name(page, box, add, name, False)
        # locators, not element handles: the name box may draw its input anew when the new flow is chosen
        rename = flows.get_by_label("Переименовать в", exact=True)
        expect(rename).to_have_value(name, timeout=STEP_TIMEOUT_MS)
        expect(rename).to_be_enabled(timeout=STEP_TIMEOUT_MS)
        expect(source).to_be_enabled(timeout=STEP_TIMEOUT_MS)
        flows.get_by_label("Сущность", exact=True).select_option(label=entity)
        source.select_option(label=start)
        flows.get_by_label("Куда", exact=True).select_option(label=end)
        flows.get_by_label("Когда", exact=True).select_option(label=trigger)
        flows.get_by_label("Допустимое опоздание (минут)", exact=True).click()
        _type(page, delay, False)
        box.click()  # leaving the box keeps what was typed
    overview = _grid(flows, "Все потоки")
    _cell(overview, FLOWS[-1][0], "Допустимое опоздание (минут)").get_by_text("1440", exact=True).wait_for()

    statuses_section = _section(page, "Соответствие статусов")
    statuses = _grid(statuses_section, "Соответствие статусов")
    statuses_section.get_by_label("Сущность", exact=True).select_option(label="Заказ")
    box = statuses_section.get_by_label("Новый бизнес-статус", exact=True)
    add = statuses_section.get_by_role("button", name="Добавить статус «Заказ»", exact=True)
    for n, (name, _) in enumerate(STATUSES):
        _add_by_name(page, box, add, name, n == 0)
    for name, values in STATUSES:
        _wait_row(statuses, name)
        for system, value in values.items():
            _type_cell(page, statuses, name, system, value, box)

    acceptance = _section(page, "8. Приёмка")
    _add_by_name(page, acceptance.get_by_label("Новый сценарий", exact=True),
                 acceptance.get_by_role("button", name=re.compile(r"^\W*Добавить сценарий$")), SCENARIO, False)
    description = acceptance.get_by_label("Описание", exact=True)
    page.wait_for_function("(el) => !el.disabled", arg=description.element_handle(), timeout=STEP_TIMEOUT_MS)
    description.click()
    _type(page, "Покупатель оформляет заказ, платит онлайн, заказ уходит в СДЭК.", False)
    steps = _grid(acceptance, "Шаги сценария")
    box = acceptance.get_by_label("Что делает новый шаг", exact=True)
    add = acceptance.get_by_role("button", name="Добавить шаг", exact=True)
    for n, (action, _, _) in enumerate(STEPS):
        _add_by_name(page, box, add, action, n == 0)
    for action, _, _ in STEPS:
        _wait_row(steps, action)
    for action, system, expected in STEPS:
        _choose_in_cell(page, steps, action, "Система", system[:3], system, mouse=False)
        _type_cell(page, steps, action, "Ожидаемый результат", expected, box)


def _expect_file(folder: Path, proc: Any, log: Path) -> None:
    """Wait until spec.yaml equals the expected file; on a timeout, show the difference."""
    want = EXPECTED.read_bytes()
    path = folder / "spec.yaml"
    deadline = time.monotonic() + SAVE_TIMEOUT
    while time.monotonic() < deadline:
        if path.read_bytes() == want:
            return
        time.sleep(0.5)
    diff = "".join(difflib.unified_diff(want.decode().splitlines(True), path.read_text("utf-8").splitlines(True),
                                        str(EXPECTED.name), "spec.yaml"))
    raise AssertionError(f"spec.yaml differs from {EXPECTED.name}:\n{diff}\n{log.read_text(errors='replace')[-2000:]}")


def _new_russian_spec(parent: Path) -> Path:
    folder = parent / FOLDER
    assert main(["new", str(folder), "--lang", "ru"]) == 0
    return folder


def _context(chromium: Any, width: int) -> Any:
    return chromium.new_context(viewport={"width": width, "height": 1100},
                               permissions=["clipboard-read", "clipboard-write"])


# --------------------------------------------------------------------------- the two modes


def test_a_russian_spec_entered_in_jupyterlab_equals_the_expected_file(browser: Any, tmp_path: Path) -> None:
    work = tmp_path / "work"
    folder = _new_russian_spec(work)
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
        context = _context(browser, 1400)
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(f"{base}/lab/tree/{FOLDER}/workbook.ipynb?token={token}", timeout=UI_TIMEOUT_MS)
            _start_kernel(page)
            _run_all(page)
            enter_spec(page)
            _expect_file(folder, lab, log)
        except Exception:
            _failure_screenshot(page, "e2e-ru-jupyterlab-failed.png")
            raise
        finally:
            context.close()


def test_a_russian_spec_entered_in_customer_mode_equals_the_expected_file(browser: Any, tmp_path: Path) -> None:
    folder = _new_russian_spec(tmp_path)
    port = _free_port()
    log = tmp_path / "app.log"
    argv = [sys.executable, "-m", "specbook", "app", str(folder), "--port", str(port)]
    with _server(argv, tmp_path, _clean_env(), log) as app:
        printed = re.compile(rf"^http://127\.0\.0\.1:{port}/\?token=[\w-]+$", re.MULTILINE)
        _wait(lambda: log.exists() and bool(printed.search(log.read_text(errors="replace"))), START_TIMEOUT,
              "the address printed by specbook app", app, log)
        found = printed.search(log.read_text(errors="replace"))
        assert found is not None
        context = _context(browser, 1280)
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(found.group(0), timeout=UI_TIMEOUT_MS)
            _wait_for_forms(page, log)
            enter_spec(page)
            _expect_file(folder, app, log)
        except Exception:
            _failure_screenshot(page, "e2e-ru-voila-failed.png")
            raise
        finally:
            context.close()
