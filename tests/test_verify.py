"""specbook verify: the spec checked against the systems' exports, end to end through the real files."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from specbook.cli import main
from specbook.storage import load, save
from specbook.verify import Sample, VerifyInputError, verify, verify_path
from specbook.verify.adapter import column_for
from specbook.verify.readers import DataFileError, open_table
from specbook.verify.report import verify_html
from specbook.verify.values import parse

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shop-crm"
EXPORTS = Path(__file__).parent / "data" / "exports"
CASES: dict[str, dict[str, Any]] = yaml.safe_load((EXPORTS / "cases.yaml").read_text(encoding="utf-8"))


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shop_data", EXAMPLE / "data" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def _columns(system: str, entity: str) -> dict[str, str]:
    """The export column of each field of ``entity`` in ``system``, as the example spec's system_fields say."""
    spec = load(EXAMPLE)
    out = {}
    for name in spec["fields"].loc[spec["fields"]["entity"] == entity, "name"]:
        column, _fmt = column_for(spec, system, entity, name)
        if column is not None:
            out[name] = column
    return out


SHOP = _columns("Интернет-магазин", "Заказ")
ACCOUNTING = _columns("Бухгалтерия", "Оплата")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A copy of the shop-crm example with a smaller generated month of exports."""
    shutil.copy(EXAMPLE / "spec.yaml", tmp_path / "spec.yaml")
    GEN.write(tmp_path / "data", 300)
    return tmp_path


def _rows(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _write(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8", delimiter: str = ",") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


def _codes(report: Any) -> list[str]:
    return sorted(f.code for f in report.findings)


# --------------------------------------------------------------------------- the example and its planted defects


def test_example_finds_exactly_the_planted_defects_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    before = (EXAMPLE / "spec.yaml").read_bytes()
    assert main(["verify", str(EXAMPLE)]) == 1
    out = capsys.readouterr().out
    assert (EXAMPLE / "spec.yaml").read_bytes() == before
    report = verify_path(EXAMPLE)
    assert _codes(report) == ["data.duplicate", "data.reconciliation-differs", "data.status-unknown"]
    by_code = {f.code: f for f in report.findings}
    assert GEN.DUPLICATE_ORDER in by_code["data.duplicate"].message
    assert by_code["data.duplicate"].location == "duplicates[Заказ].key_fields"
    assert f"«{GEN.UNMAPPED_STATUS}»" in by_code["data.status-unknown"].message
    assert by_code["data.status-unknown"].system == "CRM"
    recon = by_code["data.reconciliation-differs"]
    assert recon.count == 1 and recon.examples[0]["day"] == GEN.OFF_DAY
    assert recon.examples[0]["difference"] == float(GEN.OFF_AMOUNT)
    assert "разница 5 000,00" in recon.message
    assert "Проверено на данных" in out and "ошибок: 3," in out.lower()
    files = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert files["accounting_payments.csv"].encoding == "cp1251"
    assert files["accounting_payments.csv"].delimiter == ";"
    assert files["shop_orders.csv"].rows == GEN.N_ORDERS


def test_committed_example_data_is_what_the_script_writes(tmp_path: Path) -> None:
    GEN.write(tmp_path)
    for name in ("shop_orders.csv", "payments.jsonl", "accounting_payments.csv", "delivery_shipments.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / "data" / name).read_bytes(), name
    fresh = pd.read_excel(tmp_path / "crm_deals.xlsx", dtype=str, engine="calamine")
    committed = pd.read_excel(EXAMPLE / "data" / "crm_deals.xlsx", dtype=str, engine="calamine")
    pd.testing.assert_frame_equal(fresh, committed)


def test_json_and_junit_carry_the_same_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(EXAMPLE), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["error"] == 3 and len(data["files"]) == 5
    dup = next(f for f in data["findings"] if f["code"] == "data.duplicate")
    assert dup["question"] == 7 and dup["examples"][0]["key"] == GEN.DUPLICATE_ORDER
    assert main(["verify", str(EXAMPLE), "--format", "junit"]) == 1
    root = ET.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    assert root.get("failures") == "3" and root.get("tests") == "8"


def test_the_handout_part_escapes_what_the_files_hold(workbook: Path) -> None:
    rows = _rows(workbook / "data" / "shop_orders.csv")
    rows[5][SHOP["Статус заказа"]] = "<script>alert(1)</script>"
    _write(workbook / "data" / "shop_orders.csv", rows)
    page = verify_html(verify_path(workbook))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Проверено на данных" in page and "shop_orders.csv" in page


# ------------------------------------------------------------------- each rule: a case that trips it, a near miss


def test_a_clean_month_has_no_finding(workbook: Path) -> None:
    """The same month without the planted defects: every rule runs and none has anything to say."""
    GEN.write(workbook / "data", 300, defects=False)
    report = verify_path(workbook)
    assert _codes(report) == [] and len(report.files) == 5


def test_required_empty_and_unreadable_values_name_rows_and_mask_personal_data(workbook: Path) -> None:
    path = workbook / "data" / "shop_orders.csv"
    rows = _rows(path)
    phone, amount = SHOP["Телефон получателя"], SHOP["Сумма заказа"]
    rows[3][phone] = ""
    rows[4][phone] = "12-34"
    rows[5][amount] = "четыре тысячи"
    rows[6][amount] = "4 870,50 ₽"  # money, but not as the shop declares it writes money (rub_string)
    rows[7][phone] = "+7 916 000-00-01"  # a phone, but not in the shop's declared national_8 format
    rows[8][amount] = "0.50"  # near miss: in the declared format
    _write(path, rows)
    report = verify_path(workbook)
    found = {(f.code, f.location): f for f in report.findings}
    empty = found[("data.required-empty", "fields[Заказ/Телефон получателя].required")]
    assert empty.count == 1 and empty.examples[0]["row"] == 5
    phone = found[("data.unparsed", "fields[Заказ/Телефон получателя].kind")]
    assert phone.count == 2 and phone.examples[0] == {"row": 6, "value": "1•••4"}
    assert "12-34" not in phone.message
    money = found[("data.unparsed", "fields[Заказ/Сумма заказа].kind")]
    assert money.count == 2 and "«четыре тысячи»" in money.message and "«4 870,50 ₽»" in money.message
    assert "«0.50»" not in money.message


def test_records_missing_at_the_target_and_values_that_differ(workbook: Path) -> None:
    data = workbook / "data"
    acc = _rows(data / "accounting_payments.csv", "cp1251", ";")
    lost = acc.pop(10)
    acc[20][ACCOUNTING["Сумма платежа"]] = "1,00"
    day = ACCOUNTING["Дата оплаты"]
    acc[21][day] = acc[21][day][:-2] + "59"  # near miss: seconds do not count
    _write(data / "accounting_payments.csv", acc, "cp1251", ";")
    report = verify_path(workbook)
    found = {f.code: f for f in report.findings if f.location == "flows[Оплаты в бухгалтерию]"}
    missing = found["data.missing-in-target"]
    assert missing.count == 1 and missing.examples[0]["key"] == lost[ACCOUNTING["Идентификатор платежа"]]
    differs = found["data.value-differs"]
    assert differs.count == 1 and "«Сумма платежа»" in differs.message and "«1,00»" in differs.message
    assert sum(f.code == "data.value-differs" for f in report.findings) == 1


def test_a_personal_field_that_differs_is_shown_masked(workbook: Path) -> None:
    deals = pd.read_excel(workbook / "data" / "crm_deals.xlsx", dtype=str, engine="calamine").fillna("")
    deals.loc[2, column_for(load(EXAMPLE), "CRM", "Заказ", "Получатель")[0]] = "Другой Человек"
    deals.to_excel(workbook / "data" / "crm_deals.xlsx", index=False)
    differs = [f for f in verify_path(workbook).findings if f.code == "data.value-differs"]
    assert len(differs) == 1 and "Получатель" in differs[0].message
    assert "Другой Человек" not in differs[0].message
    assert differs[0].examples[0]["target_row"] == 4  # the third deal, below the header
    assert "Смирн" not in differs[0].message and "Друг" not in differs[0].message


def test_a_sheet_that_starts_lower_is_read_and_its_rows_keep_their_numbers(workbook: Path) -> None:
    """Some systems write a blank line or two above an export's header, or between records: the sheet is
    read from its first filled row, blank rows are passed over, and a finding names the row as the
    spreadsheet shows it."""
    path = workbook / "data" / "crm_deals.xlsx"
    deals = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
    deals.loc[2, column_for(load(EXAMPLE), "CRM", "Заказ", "Получатель")[0]] = "Другой Человек"
    blank = pd.DataFrame([[""] * len(deals.columns)], columns=deals.columns)
    pd.concat([deals[:1], blank, deals[1:]]).to_excel(path, index=False, startrow=2)
    differs = [f for f in verify_path(workbook).findings if f.code == "data.value-differs"]
    assert len(differs) == 1 and "Получатель" in differs[0].message
    # the header on row 3, the first deal on row 4, a blank row, the second and third deals on rows 6 and 7
    assert differs[0].examples[0]["target_row"] == 7


def test_composite_keys_and_small_chunks_give_the_same_findings(workbook: Path) -> None:
    spec = load(workbook)
    samples = [Sample(s, e, str(workbook / p)) for s, e, p in spec["samples"].itertuples(index=False)]
    whole = verify(spec, samples)
    chunked = verify(spec, samples, rows_per_chunk=7)
    assert [(f.code, f.count, f.message) for f in whole.findings] == \
        [(f.code, f.count, f.message) for f in chunked.findings]
    spec["duplicates"].loc[spec["duplicates"]["entity"] == "Заказ", "key_fields"] = pd.Series(
        [["Номер заказа", "Номер клиента"]], index=spec["duplicates"].index[spec["duplicates"]["entity"] == "Заказ"])
    composite = verify(spec, samples, rows_per_chunk=50)
    assert "data.duplicate" not in _codes(composite)  # the twin order belongs to another client


def test_data_arguments_override_the_samples_table(workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    only = f"Служба доставки:Доставка={workbook / 'data' / 'delivery_shipments.csv'}"
    assert main(["verify", str(workbook), "--data", only]) == 0
    out = capsys.readouterr().out
    assert "delivery_shipments.csv" in out and "shop_orders.csv" not in out
    assert main(["verify", str(workbook), "--data", "no-equals-sign"]) == 2
    assert "СИСТЕМА:СУЩНОСТЬ=ПУТЬ" in capsys.readouterr().err


# --------------------------------------------------------------------------- broken files


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_broken_export_gives_one_message_naming_file_row_and_column(
        name: str, workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[name]
    target = workbook / "data" / name
    shutil.copy(EXPORTS / name, target)
    before = (workbook / "spec.yaml").read_bytes()
    assert main(["verify", str(workbook), "--data", f"Интернет-магазин:Заказ={target}"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert str(target) in lines[0]
    if "row" in case:
        assert f"строка {case['row']}" in lines[0]
    if "column" in case:
        assert f"столбец «{case['column']}»" in lines[0]
    with pytest.raises(VerifyInputError) as err:
        verify_path(workbook, [f"Интернет-магазин:Заказ={target}"])
    try:
        table = open_table(target)
        for _ in table.chunks(table.columns):
            pass
    except DataFileError as exc:
        assert exc.key == case["key"]
    else:  # the file reads as a table; it is the spec's fields that it lacks
        assert case["key"] == "missing_column"
    assert err.value.problems == [lines[0].removeprefix("specbook verify: ")]
    assert (workbook / "spec.yaml").read_bytes() == before


# --------------------------------------------------------------------------- values


@settings(deadline=None)  # no wall clock: a busy machine must not fail a property
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_money_reads_the_same_however_a_system_writes_it(roubles: int, kopecks: int) -> None:
    plain = f"{roubles}.{kopecks:02d}"
    spaced = f"{roubles:,}".replace(",", " ") + f",{kopecks:02d} ₽"
    result = parse("money", None, pd.Series([plain, spaced, str(roubles * 100 + kopecks)], dtype="str"))
    assert result.valid.tolist()[:2] == [True, True]
    assert result.value[0] == result.value[1]
    cents = parse("money", "integer_kopecks", pd.Series([str(roubles * 100 + kopecks)], dtype="str"))
    assert cents.value[0] == result.value[0]


@settings(deadline=None)
@given(st.from_regex(r"9[0-9]{9}", fullmatch=True))
def test_a_phone_compares_equal_in_national_and_international_format(digits: str) -> None:
    national = f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    result = parse("phone", None, pd.Series([national, f"+7{digits}"], dtype="str"))
    assert result.valid.all() and result.value[0] == result.value[1]
    strict = parse("phone", "intl_plus7", pd.Series([national, f"+7{digits}"], dtype="str"))
    assert strict.valid.tolist() == [False, True]


# --------------------------------------------------------------------------- the handout's "checked against data"


def test_the_exported_handout_has_the_data_part_only_when_the_spec_lists_samples(workbook: Path) -> None:
    from specbook.export import export

    rows = _rows(workbook / "data" / "shop_orders.csv")
    rows[5][SHOP["Статус заказа"]] = "<script>alert(1)</script>"
    _write(workbook / "data" / "shop_orders.csv", rows)
    page = next(p for p in export(workbook, "html", workbook / "out") if p.suffix == ".html").read_text("utf-8")
    assert 'class="sb-verify"' in page and "Проверено на данных" in page and "shop_orders.csv" in page
    assert GEN.DUPLICATE_ORDER in page and "<script>alert" not in page
    spec = load(workbook)
    spec["samples"] = spec["samples"].iloc[0:0]
    save(spec, workbook / "spec.yaml")
    bare = next(p for p in export(workbook, "html", workbook / "bare") if p.suffix == ".html").read_text("utf-8")
    assert 'class="sb-verify"' not in bare and "Проверено на данных" not in bare


def test_unreadable_samples_are_named_in_the_handout_instead_of_stopping_it(workbook: Path) -> None:
    from specbook.export import export

    (workbook / "data" / "payments.jsonl").write_bytes(b"\x00\x01\x02 not an export")
    page = next(p for p in export(workbook, "html", workbook / "out") if p.suffix == ".html").read_text("utf-8")
    assert 'class="sb-verify"' in page and "payments.jsonl" in page


# --------------------------------------------------------------------------- time zones

DATES: list[dict[str, Any]] = yaml.safe_load((EXPORTS / "dates.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", DATES, ids=[f"{c['format']}:{c['value']}" for c in DATES])
def test_a_date_time_is_the_instant_its_offset_or_the_local_zone_says(case: dict[str, Any]) -> None:
    from specbook.verify.values import days

    result = parse("date", case["format"], pd.Series([case["value"]], dtype="str"))
    if case["utc"] is None:
        assert not result.valid.iloc[0]
        return
    assert result.valid.iloc[0]
    assert result.value.iloc[0] == pd.Timestamp(case["utc"])
    if "day" in case:
        assert days(result.value).iloc[0] == pd.Timestamp(case["day"])


def test_the_same_instant_in_two_zones_does_not_differ_but_another_hour_does(workbook: Path) -> None:
    """The provider writes its payment times in UTC; accounting, Moscow time: the same payments."""
    path = workbook / "data" / "payments.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in lines:
        at = pd.Timestamp(record["captured_at"]).tz_convert("UTC")
        record["captured_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines[3]["captured_at"] = (pd.Timestamp(lines[3]["captured_at"]) + pd.Timedelta(hours=3)) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")  # the wall clock of Moscow written as if it were UTC
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    report = verify_path(workbook)
    differs = [f for f in report.findings if f.code == "data.value-differs"]
    assert len(differs) == 1 and differs[0].count == 1 and "«Дата оплаты»" in differs[0].message
    assert _codes(report).count("data.reconciliation-differs") == 1  # the planted day only, not shifted days


# --------------------------------------------------------------------------- paths as the reader sees them


def test_the_data_part_names_files_relative_to_the_workbook_or_by_name_outside_it(
        workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from specbook.verify import samples_of

    outside = tmp_path_factory.mktemp("elsewhere") / "shipments.csv"
    shutil.copy(workbook / "data" / "delivery_shipments.csv", outside)
    spec = load(workbook)
    spec["samples"].loc[spec["samples"]["system"] == "Служба доставки", "path"] = str(outside)
    samples = samples_of(spec, workbook)
    page = verify_html(verify(spec, samples))
    assert "data/shop_orders.csv" in page and "shipments.csv" in page
    assert str(workbook) not in page and str(outside.parent) not in page
    (workbook / "data" / "crm_deals.xlsx").write_bytes(b"\x00 not a workbook")
    with pytest.raises(VerifyInputError) as err:
        verify(spec, samples)
    assert err.value.problems[0].startswith("data/crm_deals.xlsx") and str(workbook) not in err.value.problems[0]


# --------------------------------------------------------------------------- the workbook: attach and check


def _emptied(workbook: Path) -> Any:
    from specbook.workbook import Workbook

    spec = load(workbook)
    spec["samples"] = spec["samples"].iloc[0:0]
    save(spec, workbook / "spec.yaml")
    return Workbook(workbook)


def test_attach_an_export_in_the_workbook_and_check_it_against_data(workbook: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from workbook_support import add_named, type_cell, words

    from specbook.forms import readiness_panel, section_form

    wb = _emptied(workbook)
    form = section_form(wb, "acceptance")
    panel = readiness_panel(wb)
    assert "На данных ещё не проверялось." in panel.data.value
    assert form.verify_button.description == "Проверить на данных"
    assert form.samples.grid.add_button == "Приложить выгрузку"
    assert "Выгрузки для проверки на данных" in "\n".join(words(form.widget))
    add_named(form.samples, "Интернет-магазин")
    type_cell(form.samples, "Сущность", 0, "Заказ")
    type_cell(form.samples, "Файл", 0, "data/shop_orders.csv")
    wb.flush(force=True)
    assert [dict(r) for r in load(workbook)["samples"].to_dict("records")] == [
        {"system": "Интернет-магазин", "entity": "Заказ", "path": "data/shop_orders.csv"}]
    form.verify_button.click()
    shown = form.verify_result.value
    assert "Проверено на данных" in shown and "data/shop_orders.csv" in shown and str(workbook) not in shown
    assert GEN.DUPLICATE_ORDER in shown and "Ошибка" in shown
    assert "Проверено на данных" in panel.data.value and "файлов 1" in panel.data.value
    assert "строк 300" in panel.data.value and "замечаний 1" in panel.data.value
    assert section_form(wb, "acceptance").verify_result.value == shown  # a new view shows the last run


def test_an_export_that_cannot_be_read_is_named_in_the_section_and_changes_nothing(workbook: Path) -> None:
    wb = _emptied(workbook)
    from specbook.forms import readiness_panel, section_form

    spec = wb.spec
    spec["samples"] = pd.DataFrame([{"system": "CRM", "entity": "Заказ", "path": "data/missing.xlsx"}])
    form = section_form(wb, "acceptance")
    panel = readiness_panel(wb)
    before = (workbook / "spec.yaml").read_bytes()
    result = form.check_data()
    assert result.report is None and len(result.problems) == 1
    assert "Выгрузки не удалось прочитать" in form.verify_result.value
    assert "data/missing.xlsx" in form.verify_result.value and str(workbook) not in form.verify_result.value
    assert "не удалось прочитать выгрузок: 1" in panel.data.value
    assert not form.verify_button.disabled
    assert (workbook / "spec.yaml").read_bytes() == before
