"""The Russian example workbook in JupyterLab, in Chromium: the grids' own row buttons, grids that grow with
their rows, and not one English word in any control, menu, pick list, tooltip or message.

One JupyterLab serves a copy of ``examples/shop-crm`` (a Russian spec) for the whole module; the tests run
in order on the same page. Controls are found by role and accessible name; the scan reads the text and the
accessible names (aria-label, title, placeholder) of everything the workbook's outputs show, and of the
menus and pick lists that float above them while they are open.
"""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SAVE_TIMEOUT,
    START_TIMEOUT,
    STEP_TIMEOUT_MS,
    UI_TIMEOUT_MS,
    _answers,
    _clean_env,
    _failure_screenshot,
    _free_port,
    _lab_settings,
    _run_all,
    _server,
    _spec_holds,
    _start_kernel,
    _wait,
)
from workbook_support import ROOT

from specbook import lang, load
from specbook.cli import main

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]

EXAMPLE = "shop-crm"
ARTEFACTS = ROOT / "artefacts"
LATIN = re.compile(r"[A-Za-z]{2,}")


def ru(key: str, **values: object) -> str:
    return lang.text("ru", key, **values)


@pytest.fixture(scope="module")
def lab(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    root = tmp_path_factory.mktemp("lab-ru")
    work = root / "work"
    folder = work / "shop"
    assert main(["new", str(folder), "--from-example", EXAMPLE]) == 0
    assert yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8"))["language"] == "ru"
    port, token = _free_port(), secrets.token_hex(16)
    env = _clean_env(JUPYTERLAB_SETTINGS_DIR=str(_lab_settings(root)),
                     JUPYTERLAB_WORKSPACES_DIR=str(root / "lab-workspaces"))
    argv = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", f"--port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}", "--LabApp.news_url=", "--ServerApp.open_browser=False"]
    log = root / "jupyterlab.log"
    with _server(argv, work, env, log) as server:
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: _answers(f"{base}/api/status?token={token}"), START_TIMEOUT, "JupyterLab", server, log)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ru-RU")
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(f"{base}/lab/tree/shop/workbook.ipynb?token={token}", timeout=UI_TIMEOUT_MS)
            _start_kernel(page)
            _run_all(page)
            page.get_by_role("grid", name=ru("sections.signoff.title")).get_by_role("gridcell").first.wait_for(
                timeout=UI_TIMEOUT_MS)
            yield page, folder
        except Exception:
            _failure_screenshot(page, "lab-ru-failed.png")
            raise
        finally:
            context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _grid(page: Any, section: str) -> Any:
    return page.get_by_role("grid", name=ru(f"sections.{section}.title"))


def _rows_inside(page: Any, grid: Any) -> list[str]:
    """The rows of ``grid`` whose cells are not inside the grid's box (cut off, unseen): their first words."""
    box = grid.bounding_box()
    assert box is not None
    out = []
    for row in grid.get_by_role("row").all()[1:]:  # the first is the header row
        cell = row.get_by_role("gridcell").first
        if not cell.count():
            continue
        b = cell.bounding_box()
        if b is None or b["height"] < 8 or b["y"] < box["y"] - 1 or b["y"] + b["height"] > box["y"] + box["height"] + 1:
            out.append(cell.inner_text()[:30])
    return out


# --------------------------------------------------------------------------- a short grid grows with its rows


def test_a_grid_that_started_empty_grows_with_its_rows(lab: tuple[Any, Path]) -> None:
    """The open points start empty; each answer marked "to be confirmed" adds a row, and every row shows."""
    page, folder = lab
    points = _grid(page, "open_points")
    section = page.locator(".specbook-section-systems")
    systems = _grid(page, "systems")
    names = ["Интернет-магазин", "CRM", "Платёжный сервис", "Служба доставки", "Бухгалтерия"]
    for n, name in enumerate(names, start=1):
        systems.get_by_role("row").filter(has_text=name).get_by_role("gridcell").nth(2).click()  # its owner
        page.keyboard.press("Escape")
        section.get_by_label(ru("forms.mark.who"), exact=True).fill("Коммерческий директор")
        section.get_by_role("button", name=re.compile(re.escape(ru("forms.mark.mark")) + "$")).click()
        points.get_by_role("row").filter(has_text=name).wait_for()
        assert points.get_by_role("row").count() == n + 1  # and the header row
    points.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the page lay the new rows out (a bound for the check, not what it checks)
    assert _rows_inside(page, points) == []
    _wait(_spec_holds(folder, lambda spec: len(spec["open_points"]) == len(names)), SAVE_TIMEOUT,
          "the marks in spec.yaml")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "lab-ru-open-points.png"))


def test_a_short_grid_grows_with_the_rows_added_and_shrinks_with_those_removed(lab: tuple[Any, Path]) -> None:
    page, folder = lab
    grid = _grid(page, "signoff")
    grid.scroll_into_view_if_needed()
    before = grid.get_by_role("row").count()
    box = page.get_by_label(ru("forms.add_label.signoff"), exact=True)
    for name in ("Заказчик — директор по логистике", "Подрядчик — аналитик", "Подрядчик — тестировщик"):
        box.click()
        page.keyboard.type(name, delay=10)
        page.get_by_role("button", name=ru("forms.add_to.signoff"), exact=True).click()
        grid.get_by_role("row").filter(has_text=name).wait_for()
    assert grid.get_by_role("row").count() == before + 3
    page.wait_for_timeout(300)
    assert _rows_inside(page, grid) == []
    # remove one by its own button: the rest still all show
    grid.get_by_role("button", name=ru("grid.row_remove", name="Подрядчик — аналитик")).click()
    grid.get_by_role("row").filter(has_text="Подрядчик — аналитик").wait_for(state="detached")
    assert _rows_inside(page, grid) == []
    _wait(_spec_holds(folder, lambda spec: "Подрядчик — аналитик" not in spec.names("signoff")), SAVE_TIMEOUT,
          "the removal in spec.yaml")
    page.screenshot(path=str(ARTEFACTS / "lab-ru-signoff.png"))


# --------------------------------------------------------------------------- the row's own buttons


def test_a_system_in_use_is_not_removed_and_the_reason_shows_under_its_grid(lab: tuple[Any, Path]) -> None:
    page, folder = lab
    grid = _grid(page, "systems")
    grid.get_by_role("button", name=ru("grid.row_remove", name="CRM")).click()
    reason = page.get_by_text(re.compile("«CRM» нельзя удалить")).first
    reason.wait_for()
    assert "CRM" in load_names(folder, "systems")
    assert page.get_by_role("combobox", name=re.compile("^Строка")).count() == 0  # no list of rows outside


def test_a_step_moves_down_by_its_own_button(lab: tuple[Any, Path]) -> None:
    page, folder = lab
    grid = page.get_by_role("grid", name=ru("forms.acceptance.steps"), exact=True)
    first = grid.get_by_role("row").nth(1).get_by_role("gridcell").nth(1).inner_text()
    spec = yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8"))
    scenario = spec["scenarios"][0]["name"]
    steps = [s["action"] for s in spec["scenarios"][0]["steps"]]
    assert steps[0] == first, (steps, first)
    before_name = str(lang.lookup("ru", "grid.row_down")).split("{name}")[0]
    grid.get_by_role("button", name=re.compile("^" + re.escape(f"{before_name}1. {first.split()[0]}"))).click()
    _wait(lambda: [s["action"] for s in yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8"))[
        "scenarios"][0]["steps"]][:2] == [steps[1], steps[0]], SAVE_TIMEOUT, f"the step moved in {scenario}")


def load_names(folder: Path, table: str) -> list[str]:
    spec = yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8"))
    return [row.get("name") or row.get("role") for row in spec[table]]


# --------------------------------------------------------------------------- no English word anywhere

SCAN = """(root) => {
  // the workbook's outputs, or only the one output ``root`` is in; and whatever floats above them
  const popups = [...document.querySelectorAll('.tabulator-popup-container, .tabulator-edit-list')];
  const scopes = root ? [root.closest('.jp-OutputArea-output') || root, ...popups]
                      : [...document.querySelectorAll('.jp-OutputArea-output'), ...popups];
  const out = [];
  const where = (el) => `${el.tagName.toLowerCase()}.${String(el.className || '').split(' ').slice(0, 2).join('.')}`;
  for (const scope of scopes) {
    // each piece of text on its own (the text of neighbouring cells must not run together)
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (node.textContent.trim() && parent && parent.checkVisibility()) {
        out.push(['text', node.textContent, where(parent)]);
      }
    }
    for (const el of [scope, ...scope.querySelectorAll('*')]) {
      for (const attr of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description', 'aria-placeholder']) {
        const value = el.getAttribute(attr);
        if (value) out.push([attr, value, where(el)]);
      }
      if (el.tagName === 'OPTION') out.push(['option', el.textContent || '', where(el)]);
    }
  }
  return out;
}"""


def english(text: str) -> list[str]:
    """The words of ``text`` written in Latin letters that could be English.

    Not words: a code or a name with digits, dots, brackets or underscores in it (``Bitrix24``,
    ``WEB-10293``, ``EMAIL[0].VALUE``, ``UF_CRM_PHONE``, ``UTC+3``) and a mask of one repeated letter
    (``8 (XXX) XXX-XX-XX``)."""
    out = []
    for chunk in text.split():
        if re.search(r"[\d_.\[\]/@:=]", chunk.strip(".,;:!?«»()\"'")):
            continue
        out.extend(w for w in LATIN.findall(chunk) if len(set(w.casefold())) > 1)
    return out


def _allowed(folder: Path) -> set[str]:
    """Latin words that belong to the spec's own data (system names, field ids, e-mail addresses…) and the
    file's own name: everything else in Latin letters is an English word the workbook should not show."""
    words: set[str] = set(LATIN.findall((folder / "spec.yaml").name))

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(item, (dict, list)):
                    words.update(LATIN.findall(str(key)))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            words.update(LATIN.findall(value))

    walk(yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8")))
    return words


class Scan:
    def __init__(self, page: Any, allowed: set[str]) -> None:
        self.page, self.allowed = page, allowed
        self.found: dict[str, set[str]] = {}

    def __call__(self, where: str, inside: Any = None) -> None:
        """Scan the page, or (``inside``: a locator) only the output it is in, with the open popups."""
        found = inside.evaluate(SCAN) if inside is not None else self.page.evaluate(SCAN, None)
        for kind, text, element in found:
            for word in english(text):
                if word not in self.allowed:
                    self.found.setdefault(word, set()).add(f"{where}: {kind} of {element}: {text.strip()[:80]}")


def _close_popups(page: Any) -> None:
    page.keyboard.press("Escape")
    popups = page.locator(".tabulator-popup-container, .tabulator-edit-list")
    if popups.count():
        page.get_by_role("heading").first.click()


def test_no_english_word_in_any_control_or_menu_of_a_russian_workbook(lab: tuple[Any, Path]) -> None:
    page, folder = lab
    scan = Scan(page, _allowed(folder))
    scan("page")
    # every question of the readiness panel, opened
    for title in page.locator(".specbook-readiness").get_by_role("button").all():
        title.click()
    scan("readiness")
    # every grid's header menus and every cell's editor or pick list in its first row
    grids = page.get_by_role("grid").all()
    assert len(grids) >= 12
    for grid in grids:
        name = grid.get_attribute("aria-label")
        for handle in grid.get_by_role("button", name=re.compile("^" + re.escape(ru("grid.column_menu", column="")
                                                                                  .removesuffix("»")))).all():
            handle.click()
            scan(f"{name}: header menu", grid)
            _close_popups(page)
        rows = grid.get_by_role("row")
        if rows.count() < 2:
            continue
        for cell in rows.nth(1).get_by_role("gridcell").all():
            if cell.get_by_role("button").count() or not cell.is_visible():
                continue
            cell.click()
            scan(f"{name}: cell", grid)
            page.keyboard.press("Escape")
    # the paste report, with a value refused
    grid = _grid(page, "systems")
    block = (f"{lang.label('ru', 'systems', 'name')}\t{lang.label('ru', 'systems', 'kind')}\n"
             "Склад\tмейнфрейм\n")
    cell = grid.get_by_role("row").nth(1).get_by_role("gridcell").first
    cell.click()
    page.keyboard.press("Escape")
    cell.evaluate("""(el, text) => { const data = new DataTransfer(); data.setData('text/plain', text);
        el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true})); }""",
                  block)
    grid.locator("xpath=..").get_by_role("status").filter(has_text="Вставлено значений").wait_for()
    scan("paste report")
    # an empty table says so in Russian: a new scenario has no steps yet
    page.get_by_label(ru("forms.add_label.scenarios"), exact=True).fill("Возврат товара")
    page.get_by_role("button", name=re.compile(re.escape(ru("forms.add_to.scenarios", entity="").strip()) + "$")
                     ).first.click()
    page.get_by_text(ru("grid.empty")).first.wait_for()
    scan("empty steps")
    scan("page, after all")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "lab-ru-scan.png"), full_page=True)
    assert scan.found == {}, "\n".join(f"{w}: {sorted(p)[:3]}" for w, p in sorted(scan.found.items()))


FLOW_NAMES = ["Заказы в СДЭК", "Оплаты за день", "Возвраты в 1С", "Статусы доставки из СДЭК", "Клиенты в Битрикс24",
              "Остатки со склада", "Цены в магазин", "Чеки в налоговую", "Отмены заказов", "Счета юрлицам",
              "Акты сверки", "Бонусы покупателей", "Отзывы о товарах", "Скидки и промокоды", "Заявки с сайта",
              "Поставки от поставщиков", "Перемещения между складами", "Списания брака", "Выплаты курьерам",
              "Сверка кассы за смену", "Пункты выдачи", "Новые товары в каталог", "Архив заказов за год",
              "Рассылка «Ваш заказ готов»", "Долги покупателей", "Резервы под заказы", "Счета-фактуры",
              "Отгрузки №2 за неделю", "Звонки из телефонии", "Итоги дня для директора"]


def test_a_flow_name_typed_and_added_at_once_arrives_whole_thirty_times(lab: tuple[Any, Path]) -> None:
    """The name box sends its text with the click: typing and clicking «Добавить поток» with no pause, 30 times,
    stores 30 exact names (an ordinary text box beside a button lost the end of the name or all of it)."""
    page, folder = lab
    before = load(folder / "spec.yaml").names("flows")
    box = page.get_by_label(ru("forms.add_label.flows"), exact=True)
    add = page.get_by_role("button", name=re.compile(r"^\W*" + re.escape(ru("forms.add_to.flows", entity="")) + "$"))
    for name in FLOW_NAMES:
        box.click()
        page.keyboard.type(name, delay=25)
        add.click()  # no pause: the click follows the last keystroke at once
    _wait(_spec_holds(folder, lambda spec: len(spec.names("flows")) >= len(before) + len(FLOW_NAMES)),
          SAVE_TIMEOUT, "thirty flows in spec.yaml")
    assert load(folder / "spec.yaml").names("flows") == before + FLOW_NAMES
    assert box.input_value() == ""


HEADER_WORDS = """(grid) => {
  // every header of the grid: its words, and those cut (wider than the title's box) or broken over two lines
  const out = [];
  for (const title of grid.querySelectorAll('[role=columnheader] .tabulator-col-title')) {
    const text = title.textContent.trim();
    if (!text || title.getBoundingClientRect().width === 0) continue;
    const node = title.firstChild && title.firstChild.nodeType === Node.TEXT_NODE ? title.firstChild : null;
    const broken = [];
    if (node) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.textContent))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
    out.push({text, cut: title.scrollWidth > title.clientWidth + 1, broken});
  }
  return out;
}"""


def test_column_headers_wrap_between_words_and_are_never_cut(lab: tuple[Any, Path]) -> None:
    page, _folder = lab
    seen: list[str] = []
    problems: list[str] = []
    for grid in page.get_by_role("grid").all():
        if not grid.is_visible():
            continue
        grid.scroll_into_view_if_needed()
        for header in grid.evaluate(HEADER_WORDS):
            seen.append(header["text"])
            if header["cut"] or header["broken"]:
                problems.append(f"{header['text']!r}: cut={header['cut']} broken={header['broken']}")
    assert any(" " in text for text in seen), seen  # headers of several words were looked at
    assert problems == []

