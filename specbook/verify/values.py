"""What a value of each field kind looks like in each format, over whole columns at once.

``parse(kind, fmt, column)`` gives, for a column of strings, which non-empty cells are valid and a
normalised value per cell (a number, a timestamp, digits of a phone, a stripped text) that two systems can
compare after the flow's conversion. A format of ``None`` means "as the kind is commonly written".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

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


def _phone(column: pd.Series, fmt: str | None) -> Parsed:
    compact = column.str.replace(_PHONE_NOISE, "", regex=True)
    if fmt == "free_text":
        valid = compact.str.len() > 0
    else:
        valid = compact.str.fullmatch(PHONE_PATTERNS.get(fmt, PHONE_PATTERNS[None]))
    digits = compact.str.lstrip("+")
    national = (digits.str.len() == 11) & digits.str.startswith("8")
    digits = digits.where(~national, "7" + digits.str.slice(1))
    value = pd.to_numeric(digits.where(digits.str.fullmatch(r"[0-9]{1,18}"), None), errors="coerce")
    return Parsed(valid.fillna(False).astype(bool), value)


def _email(column: pd.Series, fmt: str | None) -> Parsed:
    stripped = column.str.strip()
    return Parsed(stripped.str.fullmatch(_EMAIL).fillna(False).astype(bool), stripped.str.lower())


def _money(column: pd.Series, fmt: str | None) -> Parsed:
    clean = column.str.replace(_MONEY_NOISE, "", regex=True).str.replace(",", ".", regex=False)
    if fmt == "integer_kopecks":
        valid = clean.str.fullmatch(r"-?[0-9]+")
        value = pd.to_numeric(clean.where(valid, None), errors="coerce") / 100
    else:
        valid = clean.str.fullmatch(r"-?[0-9]+(?:\.[0-9]{1,2})?")
        value = pd.to_numeric(clean.where(valid, None), errors="coerce")
    return Parsed(valid.fillna(False).astype(bool), value.round(2))


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
    if fmt in (None, "iso8601"):
        local = stripped.str.replace(_OFFSET, "", regex=True)
        iso = local.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")
        if iso.any():
            out[iso] = pd.to_datetime(local[iso], format="ISO8601", errors="coerce").astype("datetime64[ns]")
    if fmt in (None, "ddmmyyyy"):
        for pattern in _DAY_FIRST:
            todo = out.isna() & (stripped != "")
            if not todo.any():
                break
            out[todo] = pd.to_datetime(stripped[todo], format=pattern, errors="coerce").astype("datetime64[ns]")
    return out


def _date(column: pd.Series, fmt: str | None) -> Parsed:
    value = _dates(column, fmt)
    return Parsed(value.notna(), value)


def _identifier(column: pd.Series, fmt: str | None) -> Parsed:
    stripped = column.str.strip()
    return Parsed(~stripped.str.contains(r"\s", regex=True).fillna(True).astype(bool), stripped)


def _text(column: pd.Series, fmt: str | None) -> Parsed:
    value = column.str.strip().str.replace(r"\s+", " ", regex=True)
    return Parsed(pd.Series(True, index=column.index), value)


def _choice(column: pd.Series, fmt: str | None) -> Parsed:
    value = column.str.strip()
    return Parsed(pd.Series(True, index=column.index), value)


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
    return PARSERS.get(kind, _text)(column, fmt)


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


__all__ = ["FORMAT_CHECKED", "PARSERS", "Parsed", "comparable", "days", "empty", "mask", "np", "parse"]
