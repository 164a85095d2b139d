"""What a value of each field kind looks like in each format, over whole columns at once.

``parse(kind, fmt, column)`` gives, for a column of strings, which non-empty cells are valid and a
normalised value per cell (a number, a timestamp, digits of a phone, a stripped text) that two systems can
compare after the flow's conversion. A format of ``None`` means "as the kind is commonly written".
Columns given to ``parse`` hold stripped strings (an empty cell is ``""``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from specbook.definitions import FORMAT_PATTERNS
from specbook.verify import matcher

# Formats per kind, as the field-mapping table names them; anything else falls back to the kind's default.
PHONE_PATTERNS = {
    "intl_plus7": r"\+7[0-9]{10}",
    "national_8": r"8[0-9]{10}",
    None: r"\+?[0-9]{10,15}",
}
_PHONE_NOISE = r"[\s()\-.\u00a0]"
_MONEY_NOISE = r"[\s\u00a0\u202f₽]|руб\.?|RUB"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_DAY_FIRST = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")
_DAY_FIRST_SIZE = {"%d.%m.%Y %H:%M:%S": 19, "%d.%m.%Y %H:%M": 16, "%d.%m.%Y": 10}
_ZONED = r".*(?:Z|[+-][0-9]{2}:?[0-9]{2})"  # a date-time that ends in its UTC offset
# The local time zone: a date-time written without an offset is Moscow time (UTC+3), as the spec's
# conversions between date formats say ("read as Moscow time (UTC+3)").
LOCAL_OFFSET = pd.Timedelta(hours=3)


# ----------------------------------------------------------------- whole columns through one string
# A column of a million cells costs a million Python calls through the ``.str`` accessor. Joined into one
# text, a regular expression or a replacement runs over all of it in C at once; the per-cell loop remains
# only as the fallback (a cell holding the separator, or some cell that does not match).

_LINE = "\n"
_SEP = "\x00"


def _texts(column: pd.Series | np.ndarray) -> np.ndarray:
    values = column.to_numpy(dtype=object) if isinstance(column, pd.Series) else column
    return np.asarray(values, dtype=object)


@functools.lru_cache(maxsize=64)
def _joined(pattern: str) -> re.Pattern[str]:
    return re.compile(f"(?:{pattern})(?:\n(?:{pattern}))*")


def fullmatch(pattern: str, column: pd.Series | np.ndarray) -> np.ndarray:
    """Which cells match ``pattern`` whole: by an automaton over all cells at once (``matcher``) where it
    can tell exactly; else one scan of the joined cells when every cell matches (the usual case), else a
    cell at a time."""
    values = _texts(column)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=bool)
    fast = matcher.fullmatch(pattern, values)
    if fast is not None:
        return fast
    text = _LINE.join(values)
    # one match of "cell (newline cell)*" over the whole text, when no cell holds a newline itself
    if text.count(_LINE) == n - 1 and _joined(pattern).fullmatch(text) is not None:
        return np.ones(n, dtype=bool)
    rx = re.compile(pattern)
    return np.fromiter((rx.fullmatch(v) is not None for v in values), dtype=bool, count=n)


def contains(pattern: str, column: pd.Series | np.ndarray) -> np.ndarray:
    """Which cells hold a match of ``pattern`` (one that cannot match the separator): one scan when none
    does."""
    values = _texts(column)
    n = len(values)
    rx = re.compile(pattern)
    text = _SEP.join(values)
    if rx.search(_SEP) is None and text.count(_SEP) == max(n - 1, 0) and rx.search(text) is None:
        return np.zeros(n, dtype=bool)
    return np.fromiter((rx.search(v) is not None for v in values), dtype=bool, count=n)


def substitute(pattern: str, replacement: str, column: pd.Series) -> pd.Series:
    """``re.sub`` on every cell (the pattern must not match the separator), in one pass over the joined
    cells."""
    values = _texts(column)
    rx = re.compile(pattern)
    text = _SEP.join(values)
    if len(values) and text.count(_SEP) == len(values) - 1 and rx.search(_SEP) is None:
        changed = rx.sub(replacement, text)
        if changed is text:  # nothing to replace: the cells as they are, not a copy of each
            return pd.Series(values, index=column.index, dtype=object)
        out: list[str] = changed.split(_SEP)
    else:
        out = [rx.sub(replacement, v) for v in values]
    return pd.Series(out, index=column.index, dtype=object)


def lengths(column: pd.Series) -> np.ndarray:
    values = _texts(column)
    return np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))


@dataclass(frozen=True)
class Parsed:
    """``valid``: a non-empty cell that reads as its kind; ``value``: the comparable form (NaN/NaT if not)."""

    valid: pd.Series
    value: pd.Series


def empty(column: pd.Series) -> pd.Series:
    return column.str.strip() == ""


_PLAIN_INTEGER = r"[-+]?[0-9]{1,15}"
_PLAIN_DECIMAL = r"[-+]?(?:[0-9]{1,15}|[0-9]{1,13}[.,][0-9]{1,2})"


def plain_numbers(cells: np.ndarray, decimals: bool) -> tuple[np.ndarray, np.ndarray]:
    """Cells written as a plain number (a sign, up to 15 ASCII digits; with ``decimals``, or up to 13 and
    one or two after a decimal point or comma), read by position over all cells at once: ``(which cells were
    read, their values)``, each value exactly the float the number reader makes of the cell (the digits as an
    integer, divided once by a power of ten). Other cells are not read here."""
    n = len(cells)
    value = np.full(n, np.nan)
    read = matcher.fullmatch(_PLAIN_DECIMAL if decimals else _PLAIN_INTEGER, cells)
    if read is None or not read.any():
        return np.zeros(n, dtype=bool), value
    rows = np.flatnonzero(read)
    points = matcher.code_points(cells)  # the matcher has just read them: no conversion again
    assert points is not None
    grid = (points if len(rows) == n else points[rows]).astype(np.int64)
    digit = (grid >= 48) & (grid <= 57)
    whole = np.zeros(len(rows), dtype=np.int64)
    after = np.zeros(len(rows), dtype=np.int64)  # digits after the decimal mark
    past_mark = np.zeros(len(rows), dtype=bool)
    for j in range(grid.shape[1]):
        d = digit[:, j]
        whole = np.where(d, whole * 10 + (grid[:, j] - 48), whole)
        past_mark |= (grid[:, j] == 46) | (grid[:, j] == 44)
        after += d & past_mark
    negative = grid[:, 0] == 45
    # "-0" reads as the integer 0, "-0.0" as the float -0.0: as the number reader has them
    as_integer = np.where(negative, -whole, whole).astype(float)
    as_fraction = np.where(negative, -1.0, 1.0) * (whole / 10.0 ** after)
    value[rows] = np.where(past_mark, as_fraction, as_integer)
    return read, value


def _phone(column: pd.Series, fmt: str | None) -> Parsed:
    compact = substitute(_PHONE_NOISE, "", column)
    read, plain = plain_numbers(_texts(compact), decimals=False)
    number = pd.Series(plain, index=column.index)  # "+79161234567" and "89161234567" alike
    if not read.all():
        number[~read] = pd.to_numeric(compact[~read], errors="coerce")
    whole = number.notna() & (number == number.round()) & (number >= 0)
    national = whole & (number >= 8e10) & (number < 9e10)
    value = number.where(whole).where(~national, number - 1e10)  # 8 916… → 7 916…
    if fmt == "free_text":
        valid = pd.Series(lengths(compact) > 0, index=column.index)
    elif fmt in PHONE_PATTERNS:
        valid = pd.Series(fullmatch(PHONE_PATTERNS[fmt], compact), index=column.index)
    else:  # 10 to 15 digits, a leading + allowed
        valid = whole & (number >= 1e9) & (number < 1e15) & fullmatch(r"[+0-9]*", compact)
    return Parsed(valid.astype(bool), value.astype(float))


def _email(column: pd.Series, fmt: str | None) -> Parsed:
    lower = _SEP.join(_texts(column)).lower().split(_SEP) if len(column) else []
    if len(lower) != len(column):  # a cell held the separator
        lower = [c.lower() for c in _texts(column)]
    return Parsed(pd.Series(fullmatch(_EMAIL, column), index=column.index),
                  pd.Series(lower, index=column.index, dtype=object))


def _money(column: pd.Series, fmt: str | None) -> Parsed:
    """Plain numbers are read by position; others by the number reader, a decimal comma in one more pass,
    spaces and «₽» in a third."""
    read, plain = plain_numbers(_texts(column), decimals=True)
    value = pd.Series(plain, index=column.index)
    todo = pd.Series(~read, index=column.index)
    if todo.any():
        value[todo] = pd.to_numeric(column[todo], errors="coerce").astype(float)
        todo = value.isna() & (column != "")
    if todo.any():
        value[todo] = pd.to_numeric(substitute(",", ".", column[todo]), errors="coerce")
        todo = value.isna() & (column != "")
    if todo.any():
        noise = re.compile(_MONEY_NOISE)
        value[todo] = pd.to_numeric(substitute(",", ".", substitute(noise.pattern, "", column[todo])),
                                    errors="coerce")
    if fmt == "integer_kopecks":
        valid = value.notna() & (value == value.round()) & ~contains(r"[.,]", column)
        value = value / 100
    else:
        cents = value * 100  # whole kopecks, up to the float's own error at large amounts
        valid = value.notna() & ((cents - cents.round()).abs() < 1e-3)
    text = _SEP.join(_texts(column))
    if any(c in text for c in "eEin"):  # else no cell can hold an exponent, inf or nan
        valid &= ~contains(r"[eE]|inf|nan", column)
    return Parsed(valid.astype(bool), value.round(2))


def _number(column: pd.Series, fmt: str | None) -> Parsed:
    clean = substitute(",", ".", substitute(r"[\s\u00a0]", "", column))
    shaped = fullmatch(r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?", clean)
    value = pd.to_numeric(clean.where(shaped, None), errors="coerce")
    return Parsed(value.notna(), value)


_NS_LOW, _NS_HIGH = pd.Timestamp.min, pd.Timestamp.max  # what a nanosecond timestamp can hold: 1677 to 2262


def _as_ns(value: pd.Series) -> pd.Series:
    """Instants of any resolution as nanosecond ones; one the nanosecond range cannot hold (beyond about the
    years 1677 to 2262) does not read as a date, as any other value that is no date (NaT)."""
    if value.dtype == "datetime64[ns]":
        return value
    inside = (value >= _NS_LOW) & (value <= _NS_HIGH)
    return value.where(inside).astype("datetime64[ns]")


def _utc(local: pd.Series) -> pd.Series:
    """Wall-clock times of the local zone as UTC instants (shifted at microseconds, which never overflow)."""
    return _as_ns(local.astype("datetime64[us]") - LOCAL_OFFSET)


def _iso(stripped: pd.Series) -> pd.Series:
    """ISO 8601 as UTC instants: a value with an offset (or ``Z``) at that offset, one without at local time."""
    out = pd.Series(pd.NaT, index=stripped.index, dtype="datetime64[ns]")
    long_enough = pd.Series(lengths(stripped) >= 10, index=stripped.index)  # not a bare year such as "2026"
    zoned = pd.Series(fullmatch(_ZONED, stripped), index=stripped.index) & long_enough
    if zoned.any():
        out[zoned] = _as_ns(pd.to_datetime(stripped[zoned], format="ISO8601", utc=True, errors="coerce")
                            .dt.tz_localize(None).astype("datetime64[us]"))
    naive = ~zoned & long_enough
    if naive.any():
        out[naive] = _utc(pd.to_datetime(stripped[naive], format="ISO8601", errors="coerce"))
    return out


_FIXED_DAY_FIRST = "00.00.0000 00:00:00"  # "0": an ASCII digit; the shapes are its first 10, 16 and 19 characters


def _number_at(digits: np.ndarray, start: int, end: int) -> np.ndarray:
    return digits[:, start:end] @ (10 ** np.arange(end - start - 1, -1, -1, dtype=np.int64))


def day_first_fixed(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day-first dates written in the usual fixed shape (``dd.mm.yyyy``, with ``HH:MM`` or ``HH:MM:SS``),
    read by character position over all cells at once: ``(which cells were read, their UTC instants)``.
    A cell of another shape, or whose fields are out of the usual range (day 31 of a short month, a 60th
    second, a year outside 1678-2261), is not read here: ``strptime`` decides it, as it decides every
    other cell."""
    n = len(cells)
    read = np.zeros(n, dtype=bool)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if n == 0 or pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return read, out
    sizes = np.fromiter(map(len, cells), dtype=np.int64, count=n)
    for size in (10, 16, 19):
        rows = np.flatnonzero(sizes == size)
        if not len(rows):
            continue
        codes = np.asarray(cells[rows], dtype=f"<U{size}").view(np.uint32).reshape(len(rows), size)
        shape = np.array([ord(c) for c in _FIXED_DAY_FIRST[:size]], dtype=np.uint32)
        digit = codes - np.uint32(48)  # an ASCII digit's value; anything else wraps round to a large number
        ok = np.asarray(np.where(shape == ord("0"), digit <= 9, codes == shape).all(axis=1), dtype=bool)
        digits = np.where(ok[:, None], digit, 0).astype(np.int64)
        day, month, year = _number_at(digits, 0, 2), _number_at(digits, 3, 5), _number_at(digits, 6, 10)
        hour = _number_at(digits, 11, 13) if size >= 16 else 0
        minute = _number_at(digits, 14, 16) if size >= 16 else 0
        second = _number_at(digits, 17, 19) if size == 19 else 0
        ok &= (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1678) & (year <= 2261)
        ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
        months = np.where(ok, (year - 1970) * 12 + month - 1, 0)
        first = months.astype("datetime64[M]").astype("datetime64[D]")
        length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
        ok &= day <= length
        local = first.astype("datetime64[s]") + ((day - 1) * 86400 + hour * 3600 + minute * 60 + second)
        utc = (local - LOCAL_OFFSET.to_timedelta64()).astype("datetime64[ns]")
        read[rows[ok]] = True
        out[rows[ok]] = utc[ok]
    return read, out


def _dates(column: pd.Series, fmt: str | None) -> pd.Series:
    """Instants in UTC, time zones kept: a value with an offset is read at its offset; a value without one
    is the local wall clock (``LOCAL_OFFSET``), as the day-first formats and the conversions between
    formats say; Unix time is UTC by definition."""
    stripped = column  # cells come stripped
    if fmt == "unix_time":
        seconds = pd.to_numeric(stripped.where(fullmatch(r"[0-9]{1,12}", stripped), None), errors="coerce")
        seconds = seconds.where(seconds <= _NS_HIGH.timestamp())  # later than 2262: no date (NaT)
        return _as_ns(pd.to_datetime(seconds, unit="s", errors="coerce"))
    out = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns]")
    filled = stripped[stripped != ""]
    if fmt is None and len(filled) and not re.match(r"[0-9]{4}-", str(filled.iloc[0])):
        fmt = "ddmmyyyy_first"  # day first, as the first value is written; ISO 8601 still read after
    if fmt in (None, "iso8601"):
        out = _iso(stripped)
    if fmt in (None, "ddmmyyyy", "ddmmyyyy_first"):
        # the pattern the first value is written in first: a column is mostly written one way
        size = len(str(filled.iloc[0])) if len(filled) else 0
        unread = (out.isna() & (stripped != "")).to_numpy()
        if unread.any():
            read, instants = day_first_fixed(stripped.to_numpy(dtype=object)[unread])
            where = np.flatnonzero(unread)[read]
            out.iloc[where] = instants[read]
        for pattern in sorted(_DAY_FIRST, key=lambda f: _DAY_FIRST_SIZE[f] != size):
            todo = out.isna() & (stripped != "")
            if not todo.any():
                break
            out[todo] = _utc(pd.to_datetime(stripped[todo], format=pattern, errors="coerce"))
    if fmt == "ddmmyyyy_first":
        todo = out.isna() & (lengths(stripped) >= 10)
        if todo.any():
            out[todo] = _iso(stripped[todo])
    return out


def _date(column: pd.Series, fmt: str | None) -> Parsed:
    value = _dates(column, fmt)
    return Parsed(value.notna(), value)


def _identifier(column: pd.Series, fmt: str | None) -> Parsed:
    cells = column.to_numpy(dtype=object)
    one_word = matcher.fullmatch(r"\s*\S+\s*", cells)  # what ``len(cell.split()) == 1`` says of a non-empty cell
    if one_word is not None:
        return Parsed(pd.Series(one_word, index=column.index), column)
    if not re.search(r"\s", "\x00".join(cells)):  # the usual case, found in one scan of the joined text
        return Parsed(pd.Series(True, index=column.index), column)
    valid = np.fromiter((len(c.split()) == 1 for c in cells), dtype=bool, count=len(cells))
    return Parsed(pd.Series(valid, index=column.index), column)


def _text(column: pd.Series, fmt: str | None) -> Parsed:
    return Parsed(pd.Series(True, index=column.index), substitute(r"\s+", " ", column))


def _choice(column: pd.Series, fmt: str | None) -> Parsed:
    return Parsed(pd.Series(True, index=column.index), column)


PARSERS: dict[str, Callable[[pd.Series, str | None], Parsed]] = {
    "phone": _phone,
    "email": _email,
    "money": _money,
    "number": _number,
    "date": _date,
    "identifier": _identifier,
    "text": _text,
    "choice": _choice,
}
# Kinds whose values can be wrong in shape; text and choice are checked by other rules.
FORMAT_CHECKED = frozenset({"phone", "email", "money", "number", "date", "identifier"})


def parse(kind: str, fmt: str | None, column: pd.Series) -> Parsed:
    """Also, a cell written otherwise than the declared format's pattern (``FORMAT_PATTERNS``) is not valid."""
    parsed = PARSERS.get(kind, _text)(column, fmt)
    pattern = FORMAT_PATTERNS.get(fmt) if fmt else None
    if pattern is None:
        return parsed
    shaped = pd.Series(fullmatch(pattern, column), index=column.index)
    return Parsed(parsed.valid & shaped, parsed.value)


def days(value: pd.Series) -> pd.Series:
    """The local calendar day of each UTC instant, as midnight timestamps (NaT stays missing)."""
    return (value.astype("datetime64[us]") + LOCAL_OFFSET).dt.floor("D")


def local(value: Any) -> pd.Timestamp:
    """A UTC instant as the local wall clock, to show it as people there read it."""
    return pd.Timestamp(value).as_unit("us") + LOCAL_OFFSET


def comparable(kind: str, value: pd.Series) -> pd.Series:
    """A value two systems must agree on: dates to the minute, money to the kopeck."""
    if kind == "date":
        return value.dt.floor("min")
    return value


def mask(text: str) -> str:
    """Personal data shown in a finding: the first and last character kept, the rest hidden."""
    text = str(text)
    if len(text) <= 2:
        return "•" * len(text)
    hidden = max(1, len(text) - 2)
    return text[0] + "•" * hidden + text[-1]


__all__ = ["FORMAT_CHECKED", "LOCAL_OFFSET", "PARSERS", "Parsed", "comparable", "days", "empty", "local", "mask",
           "parse"]
