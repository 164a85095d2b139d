"""What a value of each field kind looks like in each format, over whole columns at once.

``parse(kind, fmt, column)`` gives, for a column of strings, which non-empty cells are valid and a
normalised value per cell (a number, a timestamp, digits of a phone, a stripped text) that two systems can
compare after the flow's conversion. A format of ``None`` means "as the kind is commonly written".
Columns given to ``parse`` hold stripped strings (an empty cell is ``""``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from specbook.definitions import FORMAT_PATTERNS

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
_OFFSET = r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$"


@dataclass(frozen=True)
class Parsed:
    """``valid``: a non-empty cell that reads as its kind; ``value``: the comparable form (NaN/NaT if not)."""

    valid: pd.Series
    value: pd.Series


def empty(column: pd.Series) -> pd.Series:
    return column.str.strip() == ""


def _each(column: pd.Series, fn: Callable[[str], tuple[bool, Any]]) -> tuple[np.ndarray, list[Any]]:
    """One pass of plain Python over the cells: several string steps per cell cost less than as many
    passes of the string accessor."""
    pairs = [fn(v) for v in column.to_numpy(dtype=object)]
    valid = np.fromiter((ok for ok, _ in pairs), dtype=bool, count=len(pairs))
    return valid, [v for _, v in pairs]


def _phone(column: pd.Series, fmt: str | None) -> Parsed:
    compact = column.str.replace(_PHONE_NOISE, "", regex=True)
    number = pd.to_numeric(compact, errors="coerce")  # "+79161234567" and "89161234567" alike, in C
    whole = number.notna() & (number == number.round()) & (number >= 0)
    national = whole & (number >= 8e10) & (number < 9e10)
    value = number.where(whole).where(~national, number - 1e10)  # 8 916… → 7 916…
    if fmt == "free_text":
        valid = compact.str.len() > 0
    elif fmt in PHONE_PATTERNS:
        valid = compact.str.fullmatch(PHONE_PATTERNS[fmt]).fillna(False)
    else:  # 10 to 15 digits, a leading + allowed
        valid = whole & (number >= 1e9) & (number < 1e15) & ~compact.str.contains(r"[^+0-9]", regex=True)
    return Parsed(valid.astype(bool), value.astype(float))


def _email(column: pd.Series, fmt: str | None) -> Parsed:
    pattern = re.compile(_EMAIL)
    valid, values = _each(column, lambda c: (pattern.fullmatch(c) is not None, c.lower()))
    return Parsed(pd.Series(valid, index=column.index), pd.Series(values, index=column.index, dtype=object))


def _money(column: pd.Series, fmt: str | None) -> Parsed:
    """Plain numbers are read in C; a decimal comma in one more pass; spaces and «₽» cell by cell."""
    value = pd.to_numeric(column, errors="coerce").astype(float)
    plain = value.notna()
    todo = ~plain & (column != "")
    if todo.any():
        value[todo] = pd.to_numeric(column[todo].str.replace(",", ".", regex=False), errors="coerce")
        todo = value.isna() & (column != "")
    if todo.any():
        noise = re.compile(_MONEY_NOISE)
        value[todo] = pd.to_numeric(column[todo].map(lambda c: noise.sub("", c).replace(",", ".")),
                                    errors="coerce")
    if fmt == "integer_kopecks":
        valid = value.notna() & (value == value.round()) & ~column.str.contains(r"[.,]", regex=True)
        value = value / 100
    else:
        cents = value * 100  # whole kopecks, up to the float's own error at large amounts
        valid = value.notna() & ((cents - cents.round()).abs() < 1e-3)
    valid &= ~column.str.contains(r"[eE]|inf|nan", regex=True)
    return Parsed(valid.astype(bool), value.round(2))


def _number(column: pd.Series, fmt: str | None) -> Parsed:
    clean = column.str.replace(r"[\s\u00a0]", "", regex=True).str.replace(",", ".", regex=False)
    value = pd.to_numeric(clean.where(clean.str.fullmatch(r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"), None),
                          errors="coerce")
    return Parsed(value.notna(), value)


def _dates(column: pd.Series, fmt: str | None) -> pd.Series:
    """Wall-clock timestamps as written (a time-zone offset is dropped, so a day is the day as written)."""
    stripped = column.str.strip()
    if fmt == "unix_time":
        seconds = pd.to_numeric(stripped.where(stripped.str.fullmatch(r"[0-9]{1,12}"), None), errors="coerce")
        return pd.to_datetime(seconds, unit="s", errors="coerce")
    out = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns]")
    filled = stripped[stripped != ""]
    if fmt is None and len(filled) and not re.match(r"[0-9]{4}-", str(filled.iloc[0])):
        fmt = "ddmmyyyy_first"  # day first, as the first value is written; ISO 8601 still read after
    if fmt in (None, "iso8601"):
        # the wall clock as written: "2026-10-01T14:32:00+03:00" -> "2026-10-01T14:32:00"
        local = stripped.str.slice(0, 19).str.rstrip("Z")
        out = pd.to_datetime(local, format="ISO8601", errors="coerce").astype("datetime64[ns]")
        out = out.where(stripped.str.len() >= 10)
    if fmt in (None, "ddmmyyyy", "ddmmyyyy_first"):
        for pattern in _DAY_FIRST:
            todo = out.isna() & (stripped != "")
            if not todo.any():
                break
            out[todo] = pd.to_datetime(stripped[todo], format=pattern, errors="coerce").astype("datetime64[ns]")
    if fmt == "ddmmyyyy_first":
        todo = out.isna() & (stripped.str.len() >= 10)
        if todo.any():
            local = stripped[todo].str.slice(0, 19).str.rstrip("Z")
            out[todo] = pd.to_datetime(local, format="ISO8601", errors="coerce").astype("datetime64[ns]")
    return out


def _date(column: pd.Series, fmt: str | None) -> Parsed:
    value = _dates(column, fmt)
    return Parsed(value.notna(), value)


def _identifier(column: pd.Series, fmt: str | None) -> Parsed:
    cells = column.to_numpy(dtype=object)
    if not re.search(r"\s", "\x00".join(cells)):  # the usual case, found in one scan of the joined text
        return Parsed(pd.Series(True, index=column.index), column)
    valid = np.fromiter((len(c.split()) == 1 for c in cells), dtype=bool, count=len(cells))
    return Parsed(pd.Series(valid, index=column.index), column)


def _text(column: pd.Series, fmt: str | None) -> Parsed:
    values = [" ".join(c.split()) for c in column.to_numpy(dtype=object)]
    return Parsed(pd.Series(True, index=column.index), pd.Series(values, index=column.index, dtype=object))


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
    shaped = column.str.fullmatch(pattern).fillna(False).astype(bool)
    return Parsed(parsed.valid & shaped, parsed.value)


def days(value: pd.Series) -> pd.Series:
    """The calendar day of each timestamp, as ``YYYY-MM-DD`` text (NaT stays missing)."""
    return value.dt.strftime("%Y-%m-%d")


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


__all__ = ["FORMAT_CHECKED", "PARSERS", "Parsed", "comparable", "days", "empty", "mask", "parse"]
