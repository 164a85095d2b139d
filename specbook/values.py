"""One converter per kind of value a column or an answer holds.

Each :class:`Kind` knows, for its values, how to read what a person typed (:meth:`Kind.from_text`), how to
read a scalar of the spec file (:meth:`Kind.from_file`), how the file writes it (:meth:`Kind.to_file`), how a
form and the handout show it in the spec's language (:meth:`Kind.display`), its JSON Schema
(:meth:`Kind.json_schema`), its empty value and its limits. The file reader, the forms, the handout and the
schema all use these objects, so a value the form accepts is always one the file accepts again.

A refused value raises :class:`Refused` with a neutral reason (``not_int``, ``too_big``, ``not_bool``,
``not_choice``, ``empty``, ``not_list``, ``not_text``); the file reader and the forms turn it into their own
words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specbook import lang
from specbook.definitions import CHOICES, ColumnKind

MAX_INT = 1_000_000_000  # minutes or records per day; anything larger is a typo

# Flags a spec file may spell (any case); a form also takes the yes/no words of the spec's language.
FILE_BOOLEANS: Mapping[str, bool] = {"true": True, "yes": True, "да": True, "1": True,
                                     "false": False, "no": False, "нет": False, "0": False}
_SPACES = (" ", "\u00a0", "\u202f", "\u2009")


class Refused(ValueError):
    """A value that is not one of its kind. ``reason`` is a neutral word, ``details`` fill a message."""

    def __init__(self, reason: str, /, **details: Any) -> None:
        super().__init__(reason, details)
        self.reason = reason
        self.details = details


def _is_nested(value: object) -> bool:
    return isinstance(value, dict | list | tuple)


class Kind:
    """Text: taken as it is."""

    name: ColumnKind = "text"
    empty: Any = ""

    def from_text(self, text: Any, *, language: str, choices: str | None = None) -> Any:
        return "" if text is None else str(text)

    def from_file(self, value: Any, *, choices: str | None = None) -> Any:
        if _is_nested(value):
            raise Refused("not_text")
        return "" if value is None else str(value)

    def to_file(self, value: Any) -> Any:
        return "" if value is None else str(value)

    def display(self, value: Any, language: str, *, choices: str | None = None) -> str:
        return "" if value is None else str(value)

    def json_schema(self, *, choices: str | None = None) -> dict[str, Any]:
        return {"type": ["string", "number", "boolean", "null"]}


class NameKind(Kind):
    """The name of a row: text that may not be empty, kept without surrounding spaces when typed."""

    name: ColumnKind = "name"

    def from_text(self, text: Any, *, language: str, choices: str | None = None) -> Any:
        stripped = ("" if text is None else str(text)).strip()
        if not stripped:
            raise Refused("empty")
        return stripped

    def from_file(self, value: Any, *, choices: str | None = None) -> Any:
        text = super().from_file(value)
        if not text.strip():
            raise Refused("empty", value=text)
        return text

    def json_schema(self, *, choices: str | None = None) -> dict[str, Any]:
        return {"type": ["string", "number", "boolean"], "minLength": 1}


class RefKind(Kind):
    """A reference to a declared name; whether it is declared is the edit layer's and the checks' concern."""

    name: ColumnKind = "ref"

    def from_text(self, text: Any, *, language: str, choices: str | None = None) -> Any:
        return ("" if text is None else str(text)).strip()


class IntKind(Kind):
    """A whole number from 0 to :data:`MAX_INT`, or nothing. A person may group digits with spaces."""

    name: ColumnKind = "int"
    empty: Any = None
    minimum = 0
    maximum = MAX_INT

    def check(self, number: int) -> int:
        if not self.minimum <= number <= self.maximum:
            raise Refused("too_big", value=number, limit=self.maximum)
        return number

    def _digits(self, text: str) -> int | None:
        if not text:
            return None
        if not (text.isdecimal() and text.isascii()):
            raise Refused("not_int", value=text)
        if len(text) > len(str(self.maximum)):  # never turn a huge run of digits into a number
            raise Refused("too_big", value=text, limit=self.maximum)
        self.check(int(text))
        return int(text)

    def from_text(self, text: Any, *, language: str, choices: str | None = None) -> Any:
        stripped = ("" if text is None else str(text)).strip()
        digits = stripped
        for space in _SPACES:
            digits = digits.replace(space, "")
        try:
            return self._digits(digits)
        except Refused as refused:
            raise Refused(refused.reason, **{**refused.details, "value": stripped}) from None

    def from_file(self, value: Any, *, choices: str | None = None) -> Any:
        if _is_nested(value):
            raise Refused("not_int", value=value)
        if value is None or value == "":
            return None
        return self._digits(str(value).strip())

    def to_file(self, value: Any) -> Any:
        return None if value is None else int(value)

    def display(self, value: Any, language: str, *, choices: str | None = None) -> str:
        """Digits as a form edits them (no grouping): ``12000``."""
        return "" if _missing(value) else str(int(value))

    def json_schema(self, *, choices: str | None = None) -> dict[str, Any]:
        return {"anyOf": [{"type": "integer", "minimum": self.minimum, "maximum": self.maximum},
                          {"type": "string", "pattern": r"^\s*[0-9]*\s*$"},
                          {"type": "null"}]}


class BoolKind(Kind):
    name: ColumnKind = "bool"
    empty: Any = False

    def from_text(self, text: Any, *, language: str, choices: str | None = None) -> Any:
        if isinstance(text, bool):
            return text
        stripped = ("" if text is None else str(text)).strip()
        if not stripped:
            return False
        yes, no = yes_no(language)
        flag = match_word(stripped, {yes: True, no: False, "yes": True, "no": False, "true": True, "false": False})
        if flag is None:
            raise Refused("not_bool", value=stripped)
        return bool(flag)

    def from_file(self, value: Any, *, choices: str | None = None) -> Any:
        if _is_nested(value):
            raise Refused("not_bool", value=value)
        if value is None or value == "":
            return False
        flag = FILE_BOOLEANS.get(str(value).strip().lower())
        if flag is None:
            raise Refused("not_bool", value=value)
        return flag

    def to_file(self, value: Any) -> Any:
        return bool(value)

    def display(self, value: Any, language: str, *, choices: str | None = None) -> str:
        return yes_no(language)[0 if value else 1]

    def json_schema(self, *, choices: str | None = None) -> dict[str, Any]:
        return {"anyOf": [{"type": ["boolean", "null"]},
                          {"type": "string", "pattern": "^(?i:true|false|yes|no|да|нет|0|1|)$"}]}


class ChoiceKind(Kind):
    """One of a choice list's stable values; a person may type its words (or the start of them)."""

    name: ColumnKind = "choice"

    def from_text(self, text: Any, *, language: str, choices: str | None = None) -> Any:
        stripped = ("" if text is None else str(text)).strip()
        if not stripped or choices is None:
            return stripped
        if stripped in CHOICES[choices]:
            return stripped
        words = {lang.choice(language, choices, v): v for v in CHOICES[choices]}
        value = match_word(stripped, words)
        if value is None:
            raise Refused("not_choice", value=stripped, choices=choices)
        return value

    def from_file(self, value: Any, *, choices: str | None = None) -> Any:
        text = super().from_file(value)
        if text and choices and text not in CHOICES[choices]:
            raise Refused("not_choice", value=text, choices=choices)
        return text

    def display(self, value: Any, language: str, *, choices: str | None = None) -> str:
        return lang.choice(language, choices, str(value)) if value and choices else ""

    def json_schema(self, *, choices: str | None = None) -> dict[str, Any]:
        return {"enum": [*CHOICES[choices], "", None]} if choices else super().json_schema()


class ListKind(Kind):
    """Several names, typed separated by commas, kept once each in the order given."""

    name: ColumnKind = "list"
    empty: Any = ()

    def from_text(self, text: Any, *, language: str, choices: str | None = None) -> Any:
        items = text if isinstance(text, list | tuple) else str(text or "").split(",")
        return list(dict.fromkeys(s for s in (str(v).strip() for v in items) if s))

    def from_file(self, value: Any, *, choices: str | None = None) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or any(_is_nested(v) or v is None for v in value):
            raise Refused("not_list", value=value)
        return [str(v) for v in value]

    def to_file(self, value: Any) -> Any:
        return [str(v) for v in value or ()]

    def display(self, value: Any, language: str, *, choices: str | None = None) -> str:
        return ", ".join(str(v) for v in (value or ()))

    def json_schema(self, *, choices: str | None = None) -> dict[str, Any]:
        return {"type": ["array", "null"], "items": {"type": ["string", "number", "boolean"]}}


KINDS: dict[str, Kind] = {k.name: k for k in (Kind(), NameKind(), RefKind(), IntKind(), BoolKind(), ChoiceKind(),
                                                ListKind())}
assert set(KINDS) == set(ColumnKind.__args__), "every column kind has its converter"  # type: ignore[attr-defined]


def kind(name: str) -> Kind:
    """The converter of a column kind."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"No value kind named {name!r}; kinds are: {', '.join(KINDS)}") from None


def _missing(value: Any) -> bool:
    return value is None or (type(value).__name__ == "NAType")


def empty(name: str) -> Any:
    """The empty value of a kind (a fresh list for lists)."""
    value = kind(name).empty
    return list(value) if isinstance(value, tuple) else value


# --------------------------------------------------------------------------- words and numbers


def yes_no(language: str) -> tuple[str, str]:
    return lang.text(language, "forms.yes"), lang.text(language, "forms.no")


def match_word(typed: str, words: Mapping[str, Any]) -> Any:
    """The value of the word ``typed`` names: the word itself (any case), else the one word it begins."""
    lowered = typed.strip().lower()
    exact = [v for w, v in words.items() if w.lower() == lowered]
    if exact:
        return exact[0]
    starting = {v for w, v in words.items() if lowered and w.lower().startswith(lowered)}
    return starting.pop() if len(starting) == 1 else None


_DECIMAL_MARK = {"ru": ",", "en": "."}


def format_count(n: int) -> str:
    """A whole number for reading, its thousands apart by a narrow space: ``12 000``."""
    return f"{n:,}".replace(",", "\u202f")


def format_decimal(x: float, language: str, places: int = 1) -> str:
    """A number with ``places`` decimals in the spec's language (``2,5`` in Russian, ``2.5`` in English);
    a whole number or one of ten and more is shown without decimals."""
    if x >= 10 or x == int(x):
        return f"{x:.0f}"
    return f"{x:.{places}f}".replace(".", _DECIMAL_MARK.get(language, "."))

