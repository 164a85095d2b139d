"""specbook verify's fast paths against plain per-cell reference implementations, and dates a nanosecond
timestamp cannot hold."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pandas as pd

from specbook.storage import load
from specbook.verify import verify_path
from specbook.verify.adapter import column_for
from specbook.verify.values import parse

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shop-crm"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shop_data_fast", EXAMPLE / "data" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- dates beyond 2262


def test_dates_beyond_what_a_timestamp_holds_are_reported_as_unreadable(tmp_path: Path) -> None:
    """An accounting export (Windows-1251, «;») with payments dated 2262 and 9999: a finding, no traceback."""
    shutil.copy(EXAMPLE / "spec.yaml", tmp_path / "spec.yaml")
    _generator().write(tmp_path / "data", 300)
    path = tmp_path / "data" / "accounting_payments.csv"
    with path.open(encoding="cp1251", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    day = column_for(load(EXAMPLE), "Бухгалтерия", "Оплата", "Дата оплаты")[0]
    assert day is not None
    rows[3][day] = "15.06.2262 10:00:00"
    rows[4][day] = "31.12.9999 23:59:59"
    with path.open("w", encoding="cp1251", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    report = verify_path(tmp_path)
    found = {(f.code, f.location): f for f in report.findings}
    unparsed = found[("data.unparsed", "fields[Оплата/Дата оплаты].kind")]
    assert unparsed.system == "Бухгалтерия" and unparsed.count == 2
    assert [e["row"] for e in unparsed.examples] == [5, 6]
    assert "«15.06.2262 10:00:00»" in unparsed.message and "«31.12.9999 23:59:59»" in unparsed.message


def test_huge_unix_times_and_far_iso_dates_do_not_read_as_dates() -> None:
    cases = {
        "unix_time": (["1700000000", "99999999999", "999999999999"], [True, False, False]),
        "iso8601": (["2026-10-01T10:00:00+03:00", "2262-05-01T00:00:00+03:00", "9999-12-31"], [True, False, False]),
        "ddmmyyyy": (["01.10.2026 10:00", "01.05.2262 00:00", "31.12.9999"], [True, False, False]),
        None: (["2026-10-01", "3000-01-01", "01.01.3000"], [True, False, False]),
    }
    for fmt, (cells, valid) in cases.items():
        parsed = parse("date", fmt, pd.Series(cells, dtype=object))
        assert parsed.valid.tolist() == valid, fmt
