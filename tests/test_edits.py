"""The edit layer, driven by data (tests/data/edits.yaml), with undo and redo of every case, and the
promise that a value a form accepts is one the spec file gives back."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import COMPLETE, DATA, patch_spec, read_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specbook
from specbook import edits
from specbook.address import Address
from specbook.definitions import TABLES
from specbook.model import table_records

CASES: list[dict[str, Any]] = read_yaml(DATA / "edits.yaml")
OPS = {"set_cell", "paste", "add_row", "remove_row", "move_row", "rename", "set_role", "add_status",
       "set_status_value", "remove_status", "set_duplicate_rule", "remove_duplicate_rule", "mark", "unmark",
       "set_scalar"}


def _start(case: dict[str, Any]) -> specbook.Spec:
    return patch_spec(specbook.load(COMPLETE), case.get("given", []))


def _patched(spec: specbook.Spec, operations: list[dict[str, Any]]) -> specbook.Spec:
    """``patch_spec`` that also sets the project's and the goal's answers (``{set: goal.primary, ...}``)."""
    scalars = [op for op in operations if str(op.get("set", "")).split(".")[0] in ("project", "goal")]
    spec = patch_spec(spec, [op for op in operations if op not in scalars])
    for op in scalars:
        spec.set_scalar(op["set"], op["value"])
    return spec


def _differences(a: specbook.Spec, b: specbook.Spec) -> dict[str, Any]:
    out: dict[str, Any] = {t.name: (table_records(a[t.name]), table_records(b[t.name])) for t in TABLES
                           if table_records(a[t.name]) != table_records(b[t.name])}
    for group in ("project", "goal"):
        if getattr(a, group) != getattr(b, group):
            out[group] = (getattr(a, group), getattr(b, group))
    return out


def _run(spec: specbook.Spec, history: edits.History, step: dict[str, Any]) -> Any:
    args = {k: v for k, v in step.items() if k != "op"}
    fn = getattr(edits, step["op"])
    return history.do(spec, lambda: fn(spec, **args))


def test_cases_are_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert set(case) <= {"id", "given", "do", "expect", "refused", "cells"}, case
        assert ("expect" in case) != ("refused" in case), case
        assert all(step["op"] in OPS for step in case["do"]), case


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_edit(case: dict[str, Any]) -> None:
    spec = _start(case)
    start = spec.copy()
    history = edits.History()
    *steps, last = case["do"]
    for step in steps:
        _run(spec, history, step)
    if "refused" in case:
        before = spec.copy()
        with pytest.raises(edits.EditError) as refused:
            _run(spec, history, last)
        assert refused.value.key == case["refused"]
        assert refused.value.message("en") and refused.value.message("ru")
        assert _differences(spec, before) == {}, "a refused edit changed the spec"
        return
    result = _run(spec, history, last)
    expected = _patched(start, case["expect"])
    assert _differences(spec, expected) == {}
    if last["op"] == "paste":
        assert [[r.row, r.column, r.error.key] for r in result.refused] == case.get("cells", [])
    assert specbook.loads(specbook.dumps(spec)) == spec, "an edited spec survives save and load"
    while history.can_undo:
        history.undo(spec)
    assert _differences(spec, start) == {}, "undoing every edit gives the spec back"
    while history.can_redo:
        history.redo(spec)
    assert _differences(spec, expected) == {}, "redoing every edit gives the edited spec again"


def test_set_cell_returns_what_inverts_it() -> None:
    spec = specbook.load(COMPLETE)
    change = edits.set_cell(spec, "systems", 1, "name", "Sales CRM")
    assert set(change.tables) == {"systems", "flows", "ownership", "statuses", "steps", "system_fields"}
    change.undo(spec)
    assert spec == specbook.load(COMPLETE)
    change.redo(spec)
    assert spec.names("systems") == ["Shop", "Sales CRM", "Payment provider"]
    assert not edits.set_cell(spec, "systems", 1, "name", "Sales CRM"), "writing the same value changes nothing"


def test_a_new_edit_after_undo_drops_the_redo() -> None:
    spec = specbook.load(COMPLETE)
    history = edits.History()
    history.keep(edits.set_cell(spec, "flows", 0, "volume_per_day", "10"))
    history.undo(spec)
    assert history.can_redo
    history.keep(edits.set_cell(spec, "flows", 0, "volume_per_day", "20"))
    assert not history.can_redo
    assert history.redo(spec) is None
    assert spec["flows"]["volume_per_day"].iat[0] == 20


def test_marks_written_before_slashes_were_escaped_are_migrated_on_load() -> None:
    text = (COMPLETE.read_text(encoding="utf-8")
            .replace("- name: Payments to CRM", "- name: Card/payments")
            .replace("covers: Payments to CRM", "covers: Card/payments")
            .replace("open_points: []", "open_points:\n- location: flows[Card/payments].trigger\n  who: Finance\n"
                     "  note: ''\n- location: fields[Order/Amount].kind\n  who: Sales\n  note: ''"))
    spec = specbook.loads(text)
    marks = spec.names("open_points", "location")
    assert marks == [r"flows[Card\/payments].trigger", "fields[Order/Amount].kind"]
    edits.set_cell(spec, "flows", 1, "name", "Payments into CRM")
    assert spec.names("open_points", "location")[0] == "flows[Payments into CRM].trigger"
    assert specbook.loads(specbook.dumps(spec)) == spec


@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=6), min_size=1, max_size=4),
       st.sampled_from(["", "name", "kind"]))
@settings(max_examples=150, deadline=None, derandomize=True, database=None)
def test_an_address_formats_and_parses_itself(parts: list[str], column: str) -> None:
    address = Address("flows", tuple(parts), column or None)
    if not any(parts):
        return
    assert Address.parse(str(address)) == address


# --------------------------------------------------------------------------- form values survive the file

_TYPED = st.one_of(
    st.text(max_size=12),
    st.integers(-10, 10**12).map(str),
    st.integers(0, 10**10).map(lambda n: f"{n:,}".replace(",", " ")),
    st.sampled_from(["yes", "no", "Yes", "да", "нет", "true", "n", "hourly", "Every 5", "erp", "CRM", "Shop",
                     "Order number, Amount", " Amount ,, Amount", "99999999999", "1000000000", "0", " 7 "]),
)
_CELLS = [(t.name, c.name) for t in TABLES for c in t.columns if t.name != "open_points"]


@given(st.sampled_from(_CELLS), _TYPED, st.sampled_from(["en", "ru"]))
@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
def test_any_value_a_form_accepts_survives_save_and_load(cell: tuple[str, str], typed: str, language: str) -> None:
    table, column = cell
    spec = specbook.load(COMPLETE)
    spec.language = language
    rows = table_records(spec[table])
    row = 0 if rows else None
    try:
        if row is None:
            return
        edits.set_cell(spec, table, row, column, typed)
    except edits.EditError as error:
        assert error.message(language)
        return
    again = specbook.loads(specbook.dumps(spec))
    assert table_records(again[table])[row][column] == table_records(spec[table])[row][column]
    assert again == spec


# --------------------------------------------------------------------------- one converter per kind

_SAMPLES: dict[str, list[Any]] = {
    "text": ["", "  spaced  ", "Line\nbreak", "42"],
    "name": ["Order", "Заказ №1", "A/B"],
    "ref": ["", "CRM"],
    "int": [None, 0, 7, 1_000_000_000],
    "bool": [True, False],
    "list": [[], ["Order number"], ["a", "b"]],
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_what_a_form_shows_it_reads_back_and_the_file_gives_back(language: str) -> None:
    """The form path (display, then read what is shown) and the file path (write, then read) agree on every
    value of every kind, choices included."""
    from specbook import values
    from specbook.definitions import CHOICES

    samples = [(kind, None, v) for kind, vs in _SAMPLES.items() for v in vs]
    samples += [("choice", name, v) for name, options in CHOICES.items() for v in ("", *options)]
    for kind, choices, value in samples:
        converter = values.kind(kind)
        shown = converter.display(value, language, choices=choices)
        typed_back = converter.from_text(shown, language=language, choices=choices)
        if kind not in ("text", "name"):  # text is kept as typed; a name loses surrounding spaces only
            assert typed_back == value, (kind, choices, value, shown)
        assert converter.from_file(converter.to_file(value), choices=choices) == value, (kind, value)


def test_the_largest_number_is_one_limit_for_form_file_and_schema() -> None:
    from specbook import values
    from specbook.schema import json_schema

    converter = values.kind("int")
    assert converter.from_text(str(values.MAX_INT), language="en") == values.MAX_INT
    for refused in (str(values.MAX_INT + 1), "9" * 40):
        with pytest.raises(values.Refused):
            converter.from_text(refused, language="en")
        with pytest.raises(values.Refused):
            converter.from_file(refused)
    volume = json_schema()["properties"]["flows"]["items"]["properties"]["volume_per_day"]
    assert volume["anyOf"][0]["maximum"] == values.MAX_INT


def test_decimals_follow_the_spec_language() -> None:
    from specbook.values import format_decimal

    assert format_decimal(2.5, "ru") == "2,5"
    assert format_decimal(2.5, "en") == "2.5"
    assert format_decimal(12.4, "ru") == "12"
