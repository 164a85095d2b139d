"""The language tables: every word the user sees exists in each language, with the same placeholders."""

from __future__ import annotations

import string
from typing import Any

import pytest

from specbook import lang
from specbook.checks import RULES
from specbook.definitions import CHOICES, SCALARS, SECTIONS, TABLES


def _leaves(node: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        out: dict[str, str] = {}
        for key, value in node.items():
            out.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: str(node)}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_languages_have_the_same_keys_and_placeholders() -> None:
    tables = {code: _leaves(lang.table(code)) for code in lang.LANGUAGES}
    reference = tables[lang.DEFAULT_LANGUAGE]
    for code, leaves in tables.items():
        assert set(leaves) == set(reference), (code, sorted(set(leaves) ^ set(reference)))
        for key, text in leaves.items():
            assert _placeholders(text) == _placeholders(reference[key]), (code, key)
            assert text.strip() or key.endswith(".help"), (code, key)


@pytest.mark.parametrize("code", lang.LANGUAGES)
def test_every_definition_has_words(code: str) -> None:
    for section in SECTIONS:
        for part in ("title", "question", "why", "example"):
            assert lang.text(code, f"sections.{section.key}.{part}")
    for table in TABLES:
        for column in table.columns:
            assert lang.label(code, table.name, column.name)
            lang.help_text(code, table.name, column.name)
    for scalar in SCALARS:
        assert lang.lookup(code, f"scalars.{scalar.group}.{scalar.name}.label")
    for choices, values in CHOICES.items():
        for value in values:
            assert lang.choice(code, choices, value) != value, (choices, value)
    for rule in RULES:
        assert lang.lookup(code, "rules")[rule]


def test_russian_reads_as_russian() -> None:
    assert lang.text("ru", "ui.readiness", closed=3, total=8) == "3 из 8 вопросов закрыто"
    assert lang.text("ru", "sections.goal.title") != lang.text("en", "sections.goal.title")


def test_unknown_language_lists_the_known_ones() -> None:
    with pytest.raises(lang.UnknownLanguageError, match="ru, en"):
        lang.table("de")
