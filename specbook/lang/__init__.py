"""Per-language tables of every user-facing word.

``text(lang, "sections.goal.title")`` looks a dotted key up in the table of ``lang``; the tables are
YAML files beside this module, one per language, with the same keys.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

LANGUAGES: tuple[str, ...] = ("ru", "en")
DEFAULT_LANGUAGE = "en"


class UnknownLanguageError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No language named {name!r}; specbook speaks: {', '.join(LANGUAGES)}")
        self.name = name


@functools.cache
def table(lang: str) -> dict[str, Any]:
    """The whole language table of ``lang``."""
    if lang not in LANGUAGES:
        raise UnknownLanguageError(lang)
    source = resources.files(__package__).joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def lookup(lang: str, key: str) -> Any:
    node: Any = table(lang)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"language table {lang!r} has no entry {key!r}")
        node = node[part]
    return node


def text(lang: str, key: str, /, **values: object) -> str:
    """The string at ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    template = lookup(lang, key)
    if isinstance(template, dict):
        template = template["label"]
    return str(template).format(**values) if values else str(template)


def choice(lang: str, choices: str, value: str) -> str:
    """The words for a stored choice value; an unknown value is shown as it is."""
    options: dict[str, str] = lookup(lang, f"choices.{choices}")
    return options.get(value, value)


def label(lang: str, table_name: str, column: str) -> str:
    return str(lookup(lang, f"columns.{table_name}.{column}.label"))


def help_text(lang: str, table_name: str, column: str) -> str:
    return str(lookup(lang, f"columns.{table_name}.{column}.help"))


def rule_message(lang: str, code: str, /, **values: object) -> str:
    """The message of check rule ``code`` (codes contain dots, so they are looked up whole)."""
    rules: dict[str, str] = lookup(lang, "rules")
    if code not in rules:
        raise KeyError(f"language table {lang!r} has no message for rule {code!r}")
    return rules[code].format(**values)


def duration(lang: str, minutes: int) -> str:
    """A span of minutes in words: ``90`` → «90 min», ``120`` → «2 h», ``2880`` → «2 d»."""
    if minutes and minutes % 1440 == 0:
        return text(lang, "ui.days", n=minutes // 1440)
    if minutes and minutes % 60 == 0:
        return text(lang, "ui.hours", n=minutes // 60)
    return text(lang, "ui.minutes", n=minutes)
