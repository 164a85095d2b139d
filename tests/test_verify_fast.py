"""specbook verify's fast paths against plain per-cell reference implementations, and dates a nanosecond
timestamp cannot hold."""

from __future__ import annotations

import csv
import math
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_verify import EXAMPLE, GEN

from specbook.definitions import FORMAT_PATTERNS
from specbook.model import table_records
from specbook.storage import load
from specbook.verify import Sample, matcher, verify, verify_path
from specbook.verify.adapter import column_for
from specbook.verify.hashing import text_hashes
from specbook.verify.values import (
    _EMAIL,
    _MONEY_NOISE,
    _PHONE_NOISE,
    _ZONED,
    PHONE_PATTERNS,
    fullmatch,
    parse,
    plain_numbers,
)

# --------------------------------------------------------------------------- dates beyond 2262


def test_dates_beyond_what_a_timestamp_holds_are_reported_as_unreadable(tmp_path: Path) -> None:
    """An accounting export (Windows-1251, «;») with payments dated 2262 and 9999: a finding, no traceback."""
    shutil.copy(EXAMPLE / "spec.yaml", tmp_path / "spec.yaml")
    GEN.write(tmp_path / "data", 300)
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


# --------------------------------------------------------------------------- per-cell references

PATTERNS = sorted({p for p in FORMAT_PATTERNS.values() if p} | {p for p in PHONE_PATTERNS.values() if p} | {
    _EMAIL, _ZONED, r"[+0-9]*", r"[0-9]{1,12}", r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?",
    r"a|b|", r"(?:ab)*c?", r"x.y", r"[^a-c\d]{2,3}?z", r"\w+\s\W*", r"(?i:abc)", r"^ab", r"(a)\1", r"a++b",
})
# Cyrillic, decimal commas, Unicode digits and spaces, the separators the joined-text paths use, NUL
ALPHABET = "0123456789 .,:;-+()/_@TZeEinaxyzАБВЯЁабвяё\u0663\u00a0\u2009\t\n\x00₽"
REALISTIC = ["01.10.2026 16:43:00", "31.02.2026", "29.02.2024 10:00", "1.10.2026", "01.10.2026 24:00",
             "01.10.2026 10:60", "01.10.2026 10:00:60", "01.01.1677", "ИМ-040003", "16948,90", "1 234,50",
             "4870.00", "+79161234567", "8 (916) 123-45-67", "2026-10-01T16:43:00+03:00", "a@b.ru", "", " "]
cells = st.lists(st.one_of(st.text(ALPHABET, max_size=24), st.sampled_from(REALISTIC), st.text(max_size=8)),
                 max_size=40)


@settings(deadline=None, max_examples=150)
@given(st.sampled_from(PATTERNS), cells)
def test_whole_match_over_a_column_is_re_fullmatch_cell_by_cell(pattern: str, values: list[str]) -> None:
    column = np.array(values, dtype=object)
    expected = [re.fullmatch(pattern, v) is not None for v in values]
    fast = matcher.fullmatch(pattern, column)
    assert fast is None or fast.tolist() == expected
    assert fullmatch(pattern, column).tolist() == expected


def test_the_automaton_answers_for_every_pattern_the_project_uses() -> None:
    used = {p for p in FORMAT_PATTERNS.values() if p} | {p for p in PHONE_PATTERNS.values() if p} | {_EMAIL, _ZONED}
    column = np.array(REALISTIC[:-2], dtype=object)
    assert all(matcher.fullmatch(p, column) is not None for p in used)


def _reference_number(cell: str) -> float:
    return float(pd.to_numeric(pd.Series([cell], dtype=object), errors="coerce").astype(float).iloc[0])


def reference_money(cell: str) -> float | None:
    """A non-empty stripped cell as money, read the plain way: as written, with a decimal comma, without
    spaces and «₽»."""
    value = _reference_number(cell)
    if math.isnan(value):
        value = _reference_number(cell.replace(",", "."))
    if math.isnan(value):
        value = _reference_number(re.sub(_MONEY_NOISE, "", cell).replace(",", "."))
    if math.isnan(value) or re.search(r"[eE]|inf|nan", cell):
        return None
    cents = value * 100
    return value if abs(cents - round(cents)) < 1e-3 else None


def reference_day_first(cell: str) -> pd.Timestamp | None:
    """A non-empty stripped cell as a day-first date, as ``strptime`` reads it, in UTC (no offset: Moscow)."""
    for pattern in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
        local = pd.to_datetime(pd.Series([cell], dtype=object), format=pattern, errors="coerce").iloc[0]
        if not pd.isna(local):
            utc = pd.Timestamp(local).as_unit("us") - pd.Timedelta(hours=3)
            return utc if pd.Timestamp.min <= utc <= pd.Timestamp.max else None
    return None


def reference_valid(kind: str, fmt: str | None, cell: str) -> bool:
    pattern = FORMAT_PATTERNS.get(fmt) if fmt else None
    if pattern is not None and re.fullmatch(pattern, cell) is None:
        return False
    if kind == "money":
        return reference_money(cell) is not None
    if kind == "date":
        return reference_day_first(cell) is not None
    return len(cell.split()) == 1  # an identifier: one word


DAY_FIRST = st.builds(lambda d, m, y, h, mi, s, shape: f"{d:02d}.{m:02d}.{y:04d}" + [
    "", f" {h:02d}:{mi:02d}", f" {h:02d}:{mi:02d}:{s:02d}"][shape],
    st.integers(0, 32), st.integers(0, 13), st.sampled_from([1, 1677, 1678, 2024, 2026, 2100, 2261, 2262, 9999]),
    st.integers(0, 25), st.integers(0, 61), st.integers(0, 62), st.integers(0, 2))


@settings(deadline=None, max_examples=100)
@given(cells)
def test_an_identifier_is_one_word_as_str_split_says(values: list[str]) -> None:
    parsed = parse("identifier", None, pd.Series(values, dtype=object))
    for cell, valid in zip(values, parsed.valid, strict=True):
        if cell.strip():
            assert bool(valid) == (len(cell.split()) == 1), cell


@settings(deadline=None, max_examples=150)
@given(st.lists(st.one_of(DAY_FIRST, st.text("0123456789.: \u0663", min_size=8, max_size=20)), max_size=40))
def test_day_first_dates_read_by_position_are_what_strptime_reads(values: list[str]) -> None:
    stripped = [v.strip() for v in values]
    parsed = parse("date", "ddmmyyyy", pd.Series(stripped, dtype=object))
    for cell, value, valid in zip(stripped, parsed.value, parsed.valid, strict=True):
        expected = reference_day_first(cell) if cell else None
        assert (None if pd.isna(value) else pd.Timestamp(value)) == expected, cell
        assert bool(valid) == (cell != "" and reference_valid("date", "ddmmyyyy", cell)), cell


MONEY = st.one_of(
    st.builds(lambda r, k: f"{r},{k:02d}", st.integers(0, 10**7), st.integers(0, 99)),
    st.builds(lambda r, k: f"{r:,}".replace(",", "\u00a0") + f",{k:02d} руб.", st.integers(0, 10**7),
              st.integers(0, 99)),
    st.builds(lambda r, k: f"{r}.{k:02d}", st.integers(-10**6, 10**7), st.integers(0, 999)),
    st.text("0123456789,. -eEinf", max_size=12),
)


@settings(deadline=None, max_examples=150)
@given(st.lists(MONEY, max_size=40), st.sampled_from([None, "rub_string", "rub_decimal_comma", "rub_kopecks_number"]))
def test_money_over_a_column_is_money_cell_by_cell(values: list[str], fmt: str | None) -> None:
    stripped = [v.strip() for v in values]
    parsed = parse("money", fmt, pd.Series(stripped, dtype=object))
    for cell, value, valid in zip(stripped, parsed.value, parsed.valid, strict=True):
        assert bool(valid) == (cell != "" and reference_valid("money", fmt, cell)), cell
        if valid:
            assert value == round(reference_money(cell) or 0.0, 2), cell


@settings(deadline=None, max_examples=100)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=40))
def test_equal_strings_hash_alike_in_any_column_and_distinct_ones_apart(values: list[str]) -> None:
    hashes = text_hashes(np.array(values, dtype=object))
    alone = [int(text_hashes(np.array([v], dtype=object))[0]) for v in values]
    assert hashes.tolist() == alone
    assert len(set(hashes.tolist())) == len(set(values))


# --------------------------------------------------------------------------- findings, end to end

ACCOUNTING = {name: column_for(load(EXAMPLE), "Бухгалтерия", "Оплата", name) for name in
              ("Идентификатор платежа", "Номер заказа", "Сумма платежа", "Комиссия сервиса", "Дата оплаты",
               "Способ оплаты")}
CP1251 = "0123456789 .,:;-+()/_\"TZeEinaxyzАБВЯЁабвяё\u00a0\t"
odd = st.lists(st.one_of(st.text(CP1251, max_size=20), st.sampled_from(REALISTIC[:14]), DAY_FIRST, MONEY
                         .filter(lambda v: "₽" not in v)), min_size=1, max_size=12)


@settings(deadline=None, max_examples=12)
@given(odd, odd, st.integers(0, 2**32))
def test_findings_on_an_export_are_the_per_cell_references(tmp_path_factory: pytest.TempPathFactory,
                                                           pool: list[str], more: list[str], seed: int) -> None:
    """An accounting export (Windows-1251, «;») of 1,500 payments: mostly valid and distinct amounts, ids
    and dates, with odd values strewn in; every unreadable and empty cell verify reports is the one the
    per-cell references find, over chunks that take either path (distinct values once, or cell by cell)."""
    n = 1500
    rnd = random.Random(seed)
    odd_values = pool + more
    rows = []
    for i in range(n):
        day = f"{rnd.randint(1, 28):02d}.10.2026 {rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00"
        row = {"Идентификатор платежа": f"{i:08x}-p", "Номер заказа": f"ИМ-{rnd.randint(1, 300):06d}",
               "Сумма платежа": f"{rnd.randint(100, 99999)},{rnd.randint(0, 99):02d}",
               "Комиссия сервиса": f"{rnd.randint(1, 999)},{rnd.randint(0, 99):02d}", "Дата оплаты": day,
               "Способ оплаты": rnd.choice(["Карта", "СБП"])}
        for name in ("Номер заказа", "Сумма платежа", "Комиссия сервиса", "Дата оплаты"):
            if rnd.random() < 0.05:
                row[name] = rnd.choice(odd_values)
        rows.append(row)
    path = tmp_path_factory.mktemp("fast") / "accounting.csv"
    with path.open("w", encoding="cp1251", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow([str(ACCOUNTING[k][0]) for k in rows[0]])
        writer.writerows([list(r.values()) for r in rows])
    spec = load(EXAMPLE)
    kinds = {f["name"]: (f["kind"], bool(f["required"])) for f in table_records(spec["fields"])
             if f["entity"] == "Оплата"}
    expected = {}
    for name, (_column, fmt) in ACCOUNTING.items():
        kind, required = kinds[name]
        cells = [r[name].strip() for r in rows]
        if kind != "choice":
            bad = [i + 2 for i, c in enumerate(cells) if c and not reference_valid(kind, fmt, c)]
            if bad:
                expected[("data.unparsed", name)] = (len(bad), bad[:3])
        empty = [i + 2 for i, c in enumerate(cells) if not c]
        if required and empty:
            expected[("data.required-empty", name)] = (len(empty), empty[:3])
    for chunk in (1100, 700):
        report = verify(spec, [Sample("Бухгалтерия", "Оплата", str(path))], rows_per_chunk=chunk)
        got = {(f.code, f.location.split("/")[-1].split("]")[0]): (f.count, [e["row"] for e in f.examples])
               for f in report.findings if f.code in ("data.unparsed", "data.required-empty")}
        assert got == expected, chunk


NUMBERS = st.one_of(st.from_regex(r"[-+]?[0-9]{1,16}(?:[.,][0-9]{0,3})?", fullmatch=True),
                    st.text("0123456789+-.,e \u0663", max_size=18))


@settings(deadline=None, max_examples=150)
@given(st.lists(NUMBERS, max_size=40), st.booleans())
def test_plain_numbers_read_by_position_are_what_the_number_reader_reads(values: list[str], decimals: bool) -> None:
    read, value = plain_numbers(np.array(values, dtype=object), decimals)
    for cell, was_read, got in zip(values, read, value, strict=True):
        if was_read:
            text = cell.replace(",", ".") if decimals else cell
            assert got == _reference_number(text), cell
            assert math.copysign(1, got) == math.copysign(1, _reference_number(text)), cell


PHONES = st.one_of(st.from_regex(r"\+?[78]?[0-9]{10}", fullmatch=True),
                   st.builds(lambda d: f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}", st.from_regex(r"[0-9]{10}",
                                                                                                fullmatch=True)),
                   st.text("0123456789+-() .,\u00a0\u0663", max_size=20))


@settings(deadline=None, max_examples=150)
@given(st.lists(PHONES, max_size=40), st.sampled_from([None, "intl_plus7", "national_8", "digits_7", "free_text"]))
def test_phones_over_a_column_are_phones_cell_by_cell(values: list[str], fmt: str | None) -> None:
    stripped = [v.strip() for v in values]
    parsed = parse("phone", fmt, pd.Series(stripped, dtype=object))
    for cell, value, valid in zip(stripped, parsed.value, parsed.valid, strict=True):
        compact = re.sub(_PHONE_NOISE, "", cell)
        number = _reference_number(compact)
        whole = not math.isnan(number) and number == round(number) and number >= 0
        expected = (number - 1e10 if 8e10 <= number < 9e10 else number) if whole else math.nan
        assert (math.isnan(value) and math.isnan(expected)) or value == expected, cell
        if fmt == "free_text":
            ok = compact != ""
        elif fmt in PHONE_PATTERNS:
            ok = re.fullmatch(PHONE_PATTERNS[fmt], compact) is not None
        else:
            ok = whole and 1e9 <= number < 1e15 and re.fullmatch(r"[+0-9]*", compact) is not None
        pattern = FORMAT_PATTERNS.get(fmt) if fmt else None
        ok = ok and (pattern is None or re.fullmatch(pattern, cell) is not None)
        assert bool(valid) == ok, cell


def test_a_pattern_that_outgrows_the_automaton_is_left_to_re_from_then_on() -> None:
    """Learning new characters may run past the automaton's limits half-way: that answer and every later one
    come from ``re``, never from the half-updated tables."""
    pattern = r"(?:a|b)*a(?:a|b){7}"  # "an a eight from the end": a DFA of 2**8 states
    asked = [["c", "cc"], ["aaaaaaaa", "bbbbbbbb", "abababab", "babababax"], ["aaaaaaaa", "bbbbbbbb", "abababab"]]
    for cells in asked:
        got = matcher.fullmatch(pattern, np.array(cells, dtype=object))
        if got is not None:
            assert got.tolist() == [re.fullmatch(pattern, c) is not None for c in cells]


def test_keys_whose_hashes_collide_are_not_reported_as_repeats(tmp_path: Path) -> None:
    """Two different payment ids that share a 64-bit hash, and one id that truly repeats: only the latter is a
    duplicate (the hashes are a first look; the repeat is confirmed on the ids' own text)."""
    a, b = "\u63f3\u66c5\U00020000\U00020000", "\u865d\u65ef\U0010bbd4\U0009b1da"
    assert text_hashes(np.array([a, b], dtype=object)).tolist()[0] == text_hashes(np.array([b], dtype=object))[0]
    path = tmp_path / "accounting.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow([str(ACCOUNTING[k][0]) for k in ACCOUNTING])
        for key in (a, b, "0000abcd-p", "0000abcd-p", "0000abce-p"):
            writer.writerow([key, "ИМ-000001", "100,00", "1,00", "01.10.2026 10:00:00", "Карта"])
    report = verify(load(EXAMPLE), [Sample("Бухгалтерия", "Оплата", str(path))])
    repeats = [f for f in report.findings if f.code == "data.duplicate"]
    assert [(f.count, [e["rows"] for e in f.examples]) for f in repeats] == [(1, [[4, 5]])]


# --------------------------------------------------------------------------- an encoding settled by the head


# 3000: past the probed head but inside the first buffer pandas decodes as it opens the file; 15000: far past
@pytest.mark.parametrize("bad_row", [3000, 15000])
def test_a_byte_that_breaks_utf8_far_past_the_head_is_named_by_row_and_column(tmp_path: Path, bad_row: int) -> None:
    """The head settles UTF-8, so the rest is checked as it is read; the message is the one a whole-file
    probe gives: file, row, column, byte."""
    from specbook.verify.readers import DataFileError, open_table, sniff

    lines = ["Номер,Имя", *(f"ИМ-{i},Иван Петров" for i in range(20000))]
    data = "\n".join(lines).encode("utf-8").replace(f"ИМ-{bad_row},Иван".encode(),
                                                    f"ИМ-{bad_row},Ив".encode() + b"\xff")
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    assert not sniff(path).verified
    table = open_table(path)
    with pytest.raises(DataFileError) as err:
        for _ in table.chunks(table.columns, 5000):
            pass
    assert (err.value.key, err.value.row, err.value.column) == ("encoding", bad_row + 2, "Имя")
    assert err.value.values == {"byte": "0xFF"}
