"""The forms, driven as a person would: set ``.value``, ``.click()``, send grid edits as the grid's page does
(``Sheet.handle``). Each test looks at the model and at the spec file on disk."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as W
import pytest
from traitlets import TraitError
from workbook_support import PARTIAL_RU, add_named, generate_spec, make_workbook, on_disk, row_action, type_cell, words

from specbook import check, edits, lang, save
from specbook.checks import describe_location
from specbook.definitions import SCALARS, SECTION, SECTIONS, TABLES
from specbook.forms import build_readiness, build_section, build_title, readiness_panel, section_form
from specbook.model import NO_EQUIVALENT, Figures, flow_figures, location
from specbook.workbook import Workbook

KEYS = [s.key for s in SECTIONS]


@pytest.fixture
def wb(tmp_path: Path) -> Workbook:
    return make_workbook(tmp_path / "acme")


@pytest.fixture
def wb_ru(tmp_path: Path) -> Workbook:
    return make_workbook(tmp_path / "romashka", PARTIAL_RU)


def records(spec, table: str) -> list[dict]:
    from specbook.model import table_records

    return table_records(spec[table])


# --------------------------------------------------------------------------- every section, in words


@pytest.mark.parametrize("key", KEYS)
def test_each_section_shows_its_question_why_and_example(wb: Workbook, key: str) -> None:
    shown = "\n".join(words(build_section(wb, key)))
    for part in ("title", "question"):
        assert lang.text("en", f"sections.{key}.{part}") in shown
    assert lang.text("en", f"sections.{key}.example").split("«")[0][:20] in shown.replace("&lt;", "<")


IDENTIFIERS = sorted(
    {c.name for t in TABLES for c in t.columns if "_" in c.name}
    | {t.name for t in TABLES if "_" in t.name}
    | {s.name for s in SCALARS if "_" in s.name}
    | {"online_shop", "create_or_update", "every_5_min", "no_manual_entry", "client_status", "fewer_errors"}
)


@pytest.mark.parametrize("fixture", ["wb", "wb_ru"])
def test_no_column_identifier_is_visible(fixture: str, request: pytest.FixtureRequest) -> None:
    wb = request.getfixturevalue(fixture)
    shown = [build_title(wb), build_readiness(wb), *(build_section(wb, k) for k in KEYS)]
    text = "\n".join(w for widget in shown for w in words(widget))
    visible = [i for i in IDENTIFIERS if i in text]
    assert not visible


def test_a_russian_spec_gets_russian_forms(wb_ru: Workbook) -> None:
    flows = section_form(wb_ru, "flows")
    text = "\n".join(words(flows.widget))
    assert lang.text("ru", "sections.flows.question") in text
    assert lang.label("ru", "flows", "max_delay_minutes") in text
    entities = section_form(wb_ru, "entities")
    assert next(iter(entities.fields.frame.columns)) == lang.label("ru", "fields", "name")
    delay = flows.details.fields["max_delay_minutes"]
    delay.input.value = "завтра"
    assert delay.message.text == lang.text("ru", "forms.errors.not_minutes", value="завтра")


# --------------------------------------------------------------------------- goal and title


def test_goal_answers_reach_the_model_and_the_file(wb: Workbook) -> None:
    goal = section_form(wb, "goal")
    goal.primary.input.value = "fewer_errors"
    goal.problem.input.value = "Orders are typed twice."
    goal.other.input.value = "Nothing else"
    assert wb.spec.goal.primary == "fewer_errors"
    disk = on_disk(wb)
    assert (disk.goal.primary, disk.goal.problem, disk.goal.other) == ("fewer_errors", "Orders are typed twice.",
                                                                      "Nothing else")


def test_title_edits_the_project(wb: Workbook) -> None:
    title = section_form(wb, "project")
    title.inputs["project.name"].input.value = "Shop ↔ CRM"
    assert on_disk(wb).project.name == "Shop ↔ CRM"
    assert "Shop ↔ CRM" in title.heading.value


def test_indicators_grid_adds_edits_and_refuses_bad_names(wb: Workbook) -> None:
    goal = section_form(wb, "goal")
    tools, grid = goal.indicator_tools, goal.indicators
    add_named(tools.editor, "Lost orders a month")
    assert on_disk(wb).names("indicators") == ["Time from order to CRM", "Lost orders a month"]
    assert type_cell(grid, grid.label("baseline"), 1, "5")
    assert records(on_disk(wb), "indicators")[1]["baseline"] == "5"
    add_named(tools.editor, "Lost orders a month")
    assert grid.message.text == lang.text("en", "forms.errors.duplicate", value="Lost orders a month")
    add_named(tools.editor, "   ")
    assert grid.message.text == lang.text("en", "forms.errors.empty", label="Indicator")
    assert on_disk(wb).names("indicators") == ["Time from order to CRM", "Lost orders a month"]


def test_renaming_an_indicator_follows_its_reconciliation(wb: Workbook) -> None:
    grid = section_form(wb, "goal").indicators
    type_cell(grid, grid.label("name"), 0, "Order reaches CRM")
    disk = on_disk(wb)
    assert disk.names("indicators") == ["Order reaches CRM"]
    assert [r["covers"] for r in records(disk, "reconciliations")] == ["Payments to CRM", "Order reaches CRM"]


# --------------------------------------------------------------------------- systems


def test_renaming_a_system_updates_every_reference(wb: Workbook) -> None:
    save_mark(wb, "systems[Shop].owner", "Head of e-commerce")
    form = section_form(wb, "systems")
    assert type_cell(form.systems, form.systems.label("name"), 0, "Web shop")
    disk = on_disk(wb)
    assert disk.names("systems") == ["Web shop", "CRM", "Payment provider"]
    assert records(disk, "flows")[0]["source"] == "Web shop"
    assert {r["system"] for r in records(disk, "ownership")} == {"Web shop", "CRM", "Payment provider"}
    assert {r["system"] for r in records(disk, "statuses")} == {"Web shop", "CRM"}
    assert records(disk, "steps")[0]["system"] == "Web shop"
    assert records(disk, "open_points")[0]["location"] == "systems[Web shop].owner"
    assert "Shop" not in {v for t in ("flows", "ownership", "statuses", "steps") for r in records(disk, t)
                          for v in r.values()}
    # every other form shows the new name at once
    flows = section_form(wb, "flows")
    assert ("Web shop", "Web shop") in flows.details.fields["source"].input.options


def save_mark(wb: Workbook, where: str, who: str) -> None:
    from specbook import edits

    edits.mark(wb.spec, where, who)
    wb.changed("open_points")


def test_removing_a_system_in_use_is_refused_with_the_places(wb: Workbook) -> None:
    form = section_form(wb, "systems")
    answer = row_action(form.systems, "remove", 1)  # CRM
    message = form.systems.message.text
    assert answer["message"] == message  # the grid says it too, under the row's own button
    assert message.startswith("«CRM» cannot be removed")
    for place in ("Flow «Orders to CRM» — To", "Scenario «Order paid online», step 2 — System",
                  "Business status «Order / New»"):
        assert place in message
    assert on_disk(wb).names("systems") == ["Shop", "CRM", "Payment provider"]


def test_a_new_system_can_be_added_and_removed(wb: Workbook) -> None:
    form = section_form(wb, "systems")
    add_named(form.tools.editor, "ERP")
    grid = form.systems
    assert type_cell(grid, "Kind", 3, "ERP")
    assert type_cell(grid, "Owner", 3, "Finance")
    assert records(on_disk(wb), "systems")[3] == {"name": "ERP", "kind": "erp", "owner": "Finance", "contact": "",
                                                   "notes": ""}
    assert type_cell(grid, "Kind", 3, "mainframe")["refused"]  # the model does not take it
    assert records(on_disk(wb), "systems")[3]["kind"] == "erp"
    assert "«mainframe» is not one of" in grid.message.text
    assert grid.frame.iloc[3]["Kind"] == "ERP"  # the cell shows the model's value again
    row_action(grid, "remove", 3)
    assert on_disk(wb).names("systems") == ["Shop", "CRM", "Payment provider"]


def test_each_row_carries_its_own_remove_button_named_with_its_words(wb: Workbook) -> None:
    form = section_form(wb, "systems")
    assert form.systems.grid.row_actions == ["remove"]
    assert [r.name for r in form.systems.grid.data] == ["Shop", "CRM", "Payment provider"]
    texts = form.systems.grid.texts
    assert texts["row_remove"].format(name="CRM") == "Remove the row «CRM»"
    assert "row_choice" not in words(form.widget)  # no list of rows outside the grid


# --------------------------------------------------------------------------- entities and fields


def test_entity_rename_cascades_and_duplicates_are_refused(wb: Workbook) -> None:
    form = section_form(wb, "entities")
    grid = form.entities
    type_cell(grid, "Entity", 0, "Web order")
    disk = on_disk(wb)
    assert disk.names("entities") == ["Web order", "Payment"]
    for table in ("fields", "ownership", "statuses", "duplicates"):
        assert "Order" not in {r["entity"] for r in records(disk, table)}, table
    assert records(disk, "flows")[0]["entity"] == "Web order"
    assert form.picker.dropdown.value == "Web order"
    type_cell(grid, "Entity", 1, "Web order")
    assert grid.message.text == lang.text("en", "forms.errors.duplicate", value="Web order")
    assert grid.frame.iloc[1]["Entity"] == "Payment"
    type_cell(grid, "Entity", 1, "")
    assert grid.message.text == lang.text("en", "forms.errors.empty", label="Entity")
    assert on_disk(wb).names("entities") == ["Web order", "Payment"]


def test_fields_grid_per_entity(wb: Workbook) -> None:
    form = section_form(wb, "entities")
    fields = form.fields
    assert list(fields.frame["Field"]) == ["Order number", "Amount", "Client phone"]
    form.picker.dropdown.value = "Payment"
    assert list(fields.frame["Field"]) == ["Payment ID", "Order number", "Amount"]
    add_named(form.field_tools.editor, "Paid at")
    type_cell(fields, "Kind", 3, "Date")
    type_cell(fields, "Required", 3, "Yes")
    type_cell(fields, "Meaning", 3, "When the provider charged the card")
    paid = next(r for r in records(on_disk(wb), "fields") if r["name"] == "Paid at")
    assert paid == {"entity": "Payment", "name": "Paid at", "meaning": "When the provider charged the card",
                    "kind": "date", "required": True, "example": "", "personal": False}
    type_cell(fields, "Personal data", 3, "perhaps")
    assert fields.message.text == lang.text("en", "forms.errors.not_yes_no", value="perhaps")
    assert fields.frame.iloc[3]["Personal data"] == "No"


def test_removing_a_key_field_is_refused_and_renaming_it_follows(wb: Workbook) -> None:
    form = section_form(wb, "entities")
    fields = form.fields
    row_action(fields, "remove", 0)  # Order number: a duplicates key
    assert "«Order number» cannot be removed" in fields.message.text
    type_cell(fields, "Field", 0, "Order no.")
    disk = on_disk(wb)
    assert records(disk, "duplicates")[0]["key_fields"] == ["Order no."]
    assert "Order number" in disk.fields_of("Payment")  # the other entity's field of that name is untouched
    # the flow's mapping follows the new name
    assert next(r["field"] for r in records(disk, "mappings") if r["flow"] == "Orders to CRM") == "Order no."
    row_action(fields, "remove", 2)  # Client phone: the flow «Orders to CRM» carries it
    assert "«Client phone» cannot be removed" in fields.message.text
    assert on_disk(wb).fields_of("Order") == ["Order no.", "Amount", "Client phone"]
    flows = section_form(wb, "flows")
    flows.picker.dropdown.value = "Orders to CRM"
    row_action(flows.mapping, "remove", 2)  # the phone's row of the flow's mapping
    row_action(fields, "remove", 2)  # its names in each system go with it
    disk = on_disk(wb)
    assert disk.fields_of("Order") == ["Order no.", "Amount"]
    assert [r["field"] for r in records(disk, "system_fields") if r["entity"] == "Order"] == [
        "Order no.", "Order no.", "Amount", "Amount"]


def test_removing_an_entity_in_use_is_refused(wb: Workbook) -> None:
    form = section_form(wb, "entities")
    row_action(form.entities, "remove", 0)
    assert "«Order» cannot be removed" in form.entities.message.text
    add_named(form.entity_tools.editor, "Stock")
    form.picker.dropdown.value = "Stock"
    add_named(form.field_tools.editor, "Quantity")
    assert on_disk(wb).fields_of("Stock") == ["Quantity"]
    row_action(form.entities, "remove", 2)  # its own fields go with it
    disk = on_disk(wb)
    assert disk.names("entities") == ["Order", "Payment"]
    assert disk.fields_of("Stock") == []


# --------------------------------------------------------------------------- ownership and statuses


def test_ownership_matrix_shows_more_than_one_master_right_there(wb: Workbook) -> None:
    form = section_form(wb, "ownership")
    matrix = form.matrix
    assert list(matrix.frame.columns) == ["Shop", "CRM", "Payment provider", "When systems disagree"]
    assert type_cell(matrix, "CRM", "Order", "Master")
    assert next(r for r in records(on_disk(wb), "ownership") if r["entity"] == "Order" and r["system"] == "CRM")[
        "role"] == "master"
    assert "«Order» has 2 masters (Shop, CRM)" in form.findings.widget.value
    type_cell(matrix, "CRM", "Order", "")
    assert [r["system"] for r in records(on_disk(wb), "ownership") if r["entity"] == "Order"] == ["Shop"]
    assert "masters" not in form.findings.widget.value
    type_cell(matrix, "Shop", "Order", "")
    assert "Nobody is the master of «Order»" in form.findings.widget.value
    type_cell(matrix, "When systems disagree", "Payment", "The provider wins")
    assert records(on_disk(wb), "entities")[1]["on_conflict"] == "The provider wins"


def test_ownership_of_one_field(wb: Workbook) -> None:
    form = section_form(wb, "ownership")
    form.entity.value = "Order"
    form.field_choice.value = "Client phone"
    form.add_button.click()
    row = "Order · Client phone"
    assert row in list(form.matrix.frame.index)
    type_cell(form.matrix, "CRM", row, "Master")
    assert {"entity": "Order", "field": "Client phone", "system": "CRM", "role": "master"} in records(
        on_disk(wb), "ownership")
    type_cell(form.matrix, "When systems disagree", row, "x")
    assert form.matrix.message.text.startswith("«When systems disagree» is answered for the whole entity")
    offered = {r.cells[0]: r.actions for r in form.matrix.grid.data}
    assert offered[row] == ("remove",) and offered["Order"] == ()  # an entity's own row is not removed here
    row_action(form.matrix, "remove", row)
    assert all(r["field"] == "" for r in records(on_disk(wb), "ownership"))


def test_status_mapping_side_by_side(wb: Workbook) -> None:
    form = section_form(wb, "statuses")
    grid = form.mapping
    assert list(grid.frame.columns) == ["Business status", "Shop", "CRM"]  # the systems that hold orders
    assert list(grid.frame["CRM"]) == ["New", "Payment received"]
    add_named(form.mapping, "Cancelled")
    type_cell(grid, "Shop", 2, "cancelled")
    type_cell(grid, "CRM", 2, "Cancelled")
    rows = [r for r in records(on_disk(wb), "statuses") if r["status"] == "Cancelled"]
    assert {r["system"]: r["value"] for r in rows} == {"Shop": "cancelled", "CRM": "Cancelled"}
    type_cell(grid, "Business status", 2, "Canceled")
    assert "Cancelled" not in {r["status"] for r in records(on_disk(wb), "statuses")}
    type_cell(grid, "Business status", 2, "New")
    assert grid.message.text == lang.text("en", "forms.errors.duplicate", value="New")
    row_action(grid, "remove", 2)
    assert {r["status"] for r in records(on_disk(wb), "statuses")} == {"New", "Paid"}


def test_an_entity_whose_status_lives_in_two_systems_closes_question_2_with_those_two_mapped(wb: Workbook) -> None:
    from specbook import render

    form = section_form(wb, "statuses")
    form.picker.dropdown.value = "Payment"
    grid = form.mapping
    # Payment is held by the CRM and the payment provider (ownership), not by the shop: nothing else is asked
    assert list(grid.frame.columns) == ["Business status", "CRM", "Payment provider"]

    def question_2() -> bool:
        return next(q for q in check(on_disk(wb)).questions if q.number == 2).closed

    assert question_2()
    assert not add_named(grid, "Paid")["refused"]
    assert not question_2()
    type_cell(grid, "CRM", 0, "Paid")
    type_cell(grid, "Payment provider", 0, "succeeded")
    assert question_2()
    add_named(grid, "Refunded")
    type_cell(grid, "CRM", 1, "Refunded")
    assert not question_2()
    type_cell(grid, "Payment provider", 1, "No such status")  # said in words: the system has none
    assert question_2()
    rows = {r["system"]: r["value"] for r in records(on_disk(wb), "statuses") if r["status"] == "Refunded"}
    assert rows == {"CRM": "Refunded", "Payment provider": NO_EQUIVALENT}
    assert grid.frame.iloc[1]["Payment provider"] == lang.text("en", "forms.statuses.none")
    html = render.section_html(on_disk(wb), "statuses", check(on_disk(wb)))
    assert "<td>no equivalent</td>" in html and NO_EQUIVALENT not in html
    # an entity no system holds yet gets no status attached to a system silently
    add_named(section_form(wb, "entities").entities, "Stock")
    form.picker.dropdown.value = "Stock"
    answer = add_named(grid, "In stock")
    assert "First say which systems hold «Stock»" in answer["message"]
    assert "In stock" not in {r["status"] for r in records(on_disk(wb), "statuses")}


# --------------------------------------------------------------------------- flows and their answers


def test_flow_choices_are_limited_to_declared_names(wb: Workbook) -> None:
    flows = section_form(wb, "flows")
    fields = flows.details.fields
    assert [v for _w, v in fields["entity"].input.options] == ["", "Order", "Payment"]
    assert [v for _w, v in fields["source"].input.options] == ["", "Shop", "CRM", "Payment provider"]
    add_named(section_form(wb, "systems").systems, "ERP")
    assert "ERP" in [v for _w, v in fields["target"].input.options]


def test_adding_a_flow_and_answering_it(wb: Workbook) -> None:
    flows = section_form(wb, "flows")
    flows.picker.add_box.submit("Refunds to CRM")
    assert flows.picker.current == "Refunds to CRM"
    fields = flows.details.fields
    fields["entity"].input.value = "Payment"
    fields["source"].input.value = "Payment provider"
    fields["target"].input.value = "CRM"
    fields["action"].input.value = "create"
    fields["trigger"].input.value = "hourly"
    fields["volume_per_day"].input.value = "48"
    fields["max_delay_minutes"].input.value = "120"
    fields["why"].input.value = "Refunds are rare"
    refund = records(on_disk(wb), "flows")[2]
    assert {k: refund[k] for k in ("name", "entity", "source", "target", "action", "trigger", "volume_per_day",
                                   "max_delay_minutes", "why")} == {
        "name": "Refunds to CRM", "entity": "Payment", "source": "Payment provider", "target": "CRM",
        "action": "create", "trigger": "hourly", "volume_per_day": 48, "max_delay_minutes": 120,
        "why": "Refunds are rare"}
    assert "Transfers per day: 24 (about 2 records each)" in flows.figures.value
    assert "Worst-case staleness: 1 h" in flows.figures.value
    fields["trigger"].input.value = "daily"
    assert "Transfers per day: 1 (about 48 records each)" in flows.figures.value
    assert "«Refunds to CRM» runs daily but may be at most 2 h late" in flows.findings.widget.value
    fields["trigger"].input.value = "on_demand"
    assert lang.text("en", "forms.figures.staleness_on_demand") in flows.figures.value


@pytest.mark.parametrize(("column", "typed", "key"), [
    ("max_delay_minutes", "tomorrow", "not_minutes"),
    ("volume_per_day", "lots", "not_number"),
    ("volume_per_day", "-5", "not_number"),
])
def test_bad_numbers_are_shown_beside_the_field_and_not_saved(wb: Workbook, column: str, typed: str,
                                                              key: str) -> None:
    flows = section_form(wb, "flows")
    before = wb.path.read_bytes()
    bound = flows.details.fields[column]
    bound.input.value = typed
    assert bound.message.text == lang.text("en", f"forms.errors.{key}", value=typed)
    assert wb.path.read_bytes() == before
    assert bound.input.value == typed  # what was typed stays, to be corrected
    flows.details.fields["why"].input.value = "Still works"  # everything else keeps working
    disk = on_disk(wb)
    assert records(disk, "flows")[0]["why"] == "Still works"
    assert records(disk, "flows")[0][column] == records(disk, "flows")[0][column]  # unchanged, not garbage
    bound.input.value = "45"
    assert bound.message.text == ""
    assert records(on_disk(wb), "flows")[0][column] == 45


def test_a_number_the_file_would_refuse_is_refused_by_the_form(wb: Workbook) -> None:
    """The form and the file read numbers with one converter: what the form saves, the file loads again."""
    flows = section_form(wb, "flows")
    before = wb.path.read_bytes()
    bound = flows.details.fields["volume_per_day"]
    bound.input.value = "99999999999"
    assert bound.message.text == lang.text("en", "forms.errors.too_big", value="99999999999", limit=1_000_000_000)
    assert wb.path.read_bytes() == before
    bound.input.value = "1 000 000 000"  # the largest allowed, grouped as people write it
    assert bound.message.text == ""
    assert records(on_disk(wb), "flows")[0]["volume_per_day"] == 1_000_000_000


def test_renaming_a_flow_follows_steps_reconciliations_and_marks(wb: Workbook) -> None:
    save_mark(wb, "flows[Payments to CRM].stuck_after_minutes", "Finance director")
    flows = section_form(wb, "flows")
    flows.picker.dropdown.value = "Payments to CRM"
    flows.picker.rename.input.submit("Payments into CRM")
    disk = on_disk(wb)
    assert disk.names("flows") == ["Orders to CRM", "Payments into CRM"]
    assert records(disk, "steps")[3]["covers"] == "Payments into CRM"
    assert records(disk, "reconciliations")[0]["covers"] == "Payments into CRM"
    assert records(disk, "open_points")[0]["location"] == "flows[Payments into CRM].stuck_after_minutes"
    assert flows.picker.current == "Payments into CRM"
    flows.picker.rename.input.submit("Orders to CRM")
    assert flows.picker.rename.message.text == lang.text("en", "forms.errors.duplicate", value="Orders to CRM")
    flows.picker.remove_button.click()
    assert "cannot be removed" in flows.picker.message.text


def test_a_mark_on_a_flow_whose_name_holds_a_slash_follows_its_rename(wb: Workbook) -> None:
    flows = section_form(wb, "flows")
    flows.picker.dropdown.value = "Payments to CRM"
    flows.picker.rename.input.submit("Card/payments")
    save_mark(wb, location("flows", ("Card/payments",), "trigger"), "Finance director")
    flows.picker.rename.input.submit("Payments into CRM")
    assert records(on_disk(wb), "open_points")[0]["location"] == "flows[Payments into CRM].trigger"


def test_success_and_runbook_grids(wb: Workbook) -> None:
    success = section_form(wb, "success").answers
    assert list(success.frame.index) == ["Orders to CRM", "Payments to CRM"]
    type_cell(success, "Visible result", "Payments to CRM", "The order shows Payment received")
    errors = section_form(wb, "errors").answers
    type_cell(errors, "Stuck after (minutes)", "Orders to CRM", "half an hour")
    assert errors.message.text == lang.text("en", "forms.errors.not_minutes", value="half an hour")
    type_cell(errors, "Stuck after (minutes)", "Orders to CRM", "20")
    type_cell(errors, "Manual workaround", "Payments to CRM", "Mark it paid by hand")
    flows = records(on_disk(wb), "flows")
    assert flows[1]["success"] == "The order shows Payment received"
    assert flows[0]["stuck_after_minutes"] == 20
    assert flows[1]["workaround"] == "Mark it paid by hand"


def test_duplicates_key_fields_come_from_the_entity(wb: Workbook) -> None:
    form = section_form(wb, "duplicates")
    keys = form.rule.fields["key_fields"]
    assert keys.input.value == ["Order number"]
    assert list(keys.input.allowed_tags) == ["Order number", "Amount", "Client phone"]
    keys.input.value = ["Order number", "Client phone"]
    assert records(on_disk(wb), "duplicates")[0]["key_fields"] == ["Order number", "Client phone"]
    with pytest.raises(TraitError):  # the tag box offers and takes only the entity's fields
        keys.input.value = ["Colour"]
    assert records(on_disk(wb), "duplicates")[0]["key_fields"] == ["Order number", "Client phone"]
    with pytest.raises(edits.EditError) as refused:  # and the model would refuse it too
        edits.parse(wb.spec, "duplicates", "key_fields", ["Colour"], entity="Order")
    assert refused.value.message("en") == lang.text("en", "forms.errors.not_field", value="Colour", entity="Order")
    form.picker.dropdown.value = "Payment"
    form.remove_button.click()
    assert [r["entity"] for r in records(on_disk(wb), "duplicates")] == ["Order"]
    assert "nothing says what makes two of them the same" in form.findings.widget.value
    form.rule.fields["on_repeat"].input.value = "ignore"
    form.rule.fields["key_fields"].input.value = ["Payment ID"]
    assert records(on_disk(wb), "duplicates")[1] == {"entity": "Payment", "key_fields": ["Payment ID"],
                                                     "on_repeat": "ignore", "note": ""}


def test_acceptance_scenarios_with_ordered_steps(wb: Workbook) -> None:
    form = section_form(wb, "acceptance")
    form.picker.add_box.submit("Payment fails")
    assert form.picker.current == "Payment fails"
    assert form.steps.row_ids == []
    for action in ("Pay with a declined card", "Open the order in the CRM", "Check the log"):
        add_named(form.steps, action)
    type_cell(form.steps, "System", 0, "Payment provider")
    type_cell(form.steps, "Checks", 1, "Payments to CRM")
    type_cell(form.steps, "System", 2, "Mainframe")
    assert "«Mainframe» is not declared" in form.steps.message.text

    def actions() -> list[str]:
        return [r["action"] for r in records(on_disk(wb), "steps") if r["scenario"] == "Payment fails"]

    assert actions() == ["Pay with a declined card", "Open the order in the CRM", "Check the log"]
    assert form.steps.grid.row_actions == ["remove", "up", "down"]
    assert form.steps.grid.data[0].name == "1. Pay with a declined card"
    form.steps.select(2)
    row_action(form.steps, "up", 2)
    assert actions() == ["Pay with a declined card", "Check the log", "Open the order in the CRM"]
    assert form.steps.selected()[0] == form.steps.row_ids[1]  # the selection follows the step
    row_action(form.steps, "up", 1)
    row_action(form.steps, "up", 0)  # already first: stays
    assert actions() == ["Check the log", "Pay with a declined card", "Open the order in the CRM"]
    row_action(form.steps, "down", 0)
    assert actions() == ["Pay with a declined card", "Check the log", "Open the order in the CRM"]
    row_action(form.steps, "remove", 1)
    assert actions() == ["Pay with a declined card", "Open the order in the CRM"]
    assert len([r for r in records(on_disk(wb), "steps") if r["scenario"] == "Order paid online"]) == 4
    add_named(form.reconciliation_tools.editor, "Refunds add up")
    type_cell(form.reconciliations, "What must add up", 2, "Refunds equal returns")
    assert records(on_disk(wb), "reconciliations")[2]["rule"] == "Refunds equal returns"


def test_signoff(wb: Workbook) -> None:
    form = section_form(wb, "signoff")
    add_named(form.tools.editor, "Finance")
    type_cell(form.signatures, "Signed", 2, "Yes")
    type_cell(form.signatures, "Date", 2, "2026-02-01")
    assert records(on_disk(wb), "signoff")[2] == {"role": "Finance", "name": "", "organisation": "",
                                                  "date": "2026-02-01", "signed": True}


# --------------------------------------------------------------------------- "to be confirmed" and readiness


def test_mark_an_answer_to_be_confirmed_and_confirm_it(wb: Workbook) -> None:
    flows = section_form(wb, "flows")
    mark = flows.mark
    where = location("flows", ("Orders to CRM",), "max_delay_minutes")
    assert (f"Flow «Orders to CRM» — {lang.label('en', 'flows', 'max_delay_minutes')}", where) in mark.answer.options
    mark.answer.value = where
    mark.mark_button.click()
    assert mark.message.text == lang.text("en", "forms.errors.who_missing")
    assert records(on_disk(wb), "open_points") == []
    mark.who.value = "Head of sales"
    mark.mark_button.click()
    assert records(on_disk(wb), "open_points") == [{"location": where, "who": "Head of sales", "note": ""}]
    assert "to be confirmed by Head of sales" in mark.listing.value
    panel = readiness_panel(wb)
    assert panel.headline == "7 of 8 questions closed"
    points = section_form(wb, "open_points").points
    assert list(points.frame.index) == ["Flow «Orders to CRM» — Longest acceptable delay (minutes)"]
    type_cell(points, "Note", 0, "Asked on Monday")
    assert records(on_disk(wb), "open_points")[0]["note"] == "Asked on Monday"
    mark.confirmed_button.click()
    assert records(on_disk(wb), "open_points") == []
    assert panel.headline == "8 of 8 questions closed"


def test_marks_follow_the_grid_selection(wb: Workbook) -> None:
    form = section_form(wb, "systems")
    form.systems.grid.selection = {"row": form.systems.row_id(1), "column": "kind"}  # a click on a cell
    assert form.mark.answer.value == "systems[CRM].kind"
    form.systems.select(2, "owner")
    assert form.mark.answer.value == "systems[Payment provider].owner"
    form.mark.who.value = "CFO"
    form.mark.mark_button.click()
    assert records(on_disk(wb), "open_points")[0]["location"] == "systems[Payment provider].owner"
    points = section_form(wb, "open_points")
    assert points.points.grid.action_texts["remove"] == lang.text("en", "forms.open_points.remove_row")
    row_action(points.points, "remove", 0)
    assert records(on_disk(wb), "open_points") == []


def test_readiness_panel_updates_as_answers_change(wb: Workbook) -> None:
    panel = readiness_panel(wb)
    assert panel.headline == check(wb.spec).readiness() == "8 of 8 questions closed"
    success = section_form(wb, "success").answers
    type_cell(success, "Visible result", "Orders to CRM", "")
    assert panel.headline == "7 of 8 questions closed"
    titles = panel.titles()
    assert titles[4].startswith("✗ 5. What counts as success — open")
    assert "Flow «Orders to CRM»: its visible result is not described." in panel.details[4].value
    assert panel.headline == check(on_disk(wb)).readiness()


# --------------------------------------------------------------------------- scale and state


def _build_all(wb: Workbook) -> float:
    start = time.perf_counter()
    build_title(wb)
    build_readiness(wb)
    for key in KEYS:
        build_section(wb, key)
    return time.perf_counter() - start


def _widgets() -> int:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return len(W.Widget.widgets)


def test_widgets_do_not_grow_with_rows(tmp_path: Path) -> None:
    """The forms of 2,000 fields are as many widgets as those of 20: the work of building them does not grow
    with the rows (the time it takes is measured in benchmarks/bench_forms.py, not raced here)."""
    counts = {}
    for n in (20, 2000):
        folder = tmp_path / str(n)
        folder.mkdir()
        save(generate_spec(n), folder / "spec.yaml")
        wb = Workbook(folder)
        before = _widgets()
        _build_all(wb)
        counts[n] = _widgets() - before
    assert counts[20] == counts[2000] > 0


def test_importing_the_forms_creates_no_widget() -> None:
    code = ("import warnings; warnings.simplefilter('ignore');"
            "import ipywidgets as W; n = len(W.Widget.widgets);"
            "import specbook.forms, specbook.forms.sections, specbook.forms.readiness;"
            "print(len(W.Widget.widgets) - n)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_forms_are_built_once_per_workbook(wb: Workbook) -> None:
    assert build_section(wb, "flows") is build_section(wb, "flows")
    with pytest.raises(KeyError, match="No section named 'flow'; sections are: project, goal"):
        build_section(wb, "flow")


# --------------------------------------------------------------------------- grids: choices and the browser's path


def test_choice_and_reference_cells_offer_only_valid_words_in_the_cell(wb: Workbook) -> None:
    form = section_form(wb, "systems")
    grid = form.systems

    def column(editor: Any, name: str) -> dict[str, Any]:
        return next(c for c in editor.grid.columns if c["name"] == name)

    kind = column(grid, "kind")
    assert kind["kind"] == "choice"
    assert [value for value, _label in kind["choices"]][:3] == ["", "Online shop", "CRM"]
    assert column(grid, "owner")["kind"] != "choice"  # free text: no list
    type_cell(grid, "Kind", 1, "ERP")
    assert records(on_disk(wb), "systems")[1]["kind"] == "erp"
    assert grid.frame.iloc[1]["Kind"] == "ERP"
    steps = section_form(wb, "acceptance").steps
    systems = [value for value, _label in column(steps, "system")["choices"] if value]
    assert systems == ["Shop", "CRM", "Payment provider"]
    add_named(grid, "ERP")
    assert "ERP" in [value for value, _label in column(steps, "system")["choices"]]
    required = column(section_form(wb, "entities").fields, "required")
    assert [label for _value, label in required["choices"] if _value] == ["Yes", "No"]


def test_typing_the_beginning_of_a_choice_is_enough(wb: Workbook) -> None:
    grid = section_form(wb, "systems").systems
    type_cell(grid, "Kind", 0, "ware")
    assert records(on_disk(wb), "systems")[0]["kind"] == "warehouse"
    assert grid.frame.iloc[0]["Kind"] == "Warehouse"
    type_cell(grid, "Kind", 0, "m")  # «Marketplace»? ambiguous with nothing else, so it is taken
    assert records(on_disk(wb), "systems")[0]["kind"] == "marketplace"
    type_cell(grid, "Kind", 0, "o")  # «Online shop» or «Other»: ambiguous, refused
    assert "«o» is not one of" in grid.message.text
    assert records(on_disk(wb), "systems")[0]["kind"] == "marketplace"


def test_an_edit_from_the_browser_that_does_not_fit_the_model_is_not_lost(wb: Workbook) -> None:
    """The message the grid's page sends for an edited cell: the grid holds text, the model converts, and a
    value that does not fit is refused for its cell with the reason."""
    errors = section_form(wb, "errors").answers

    def browser_edit(value: str) -> None:
        answer = type_cell(errors, "Stuck after (minutes)", 0, value)
        if value == "seven":
            assert answer["refused"][0]["message"] == lang.text("en", "forms.errors.not_minutes", value="seven")

    browser_edit("7")
    assert records(on_disk(wb), "flows")[0]["stuck_after_minutes"] == 7
    browser_edit("seven")
    assert errors.message.text == lang.text("en", "forms.errors.not_minutes", value="seven")
    assert records(on_disk(wb), "flows")[0]["stuck_after_minutes"] == 7
    assert errors.frame.iloc[0]["Stuck after (minutes)"] == "7"
    assert all(str(dtype) == "object" for dtype in errors.frame.dtypes)


def test_locations_in_words_and_the_cost_of_a_frequency() -> None:
    assert describe_location("en", "flows[Orders to CRM].trigger") == "Flow «Orders to CRM» — When"
    assert describe_location("en", "fields[Order/Amount].kind") == "Field «Order / Amount» — Kind"
    assert describe_location("en", "steps[Paid online/2].expected") == (
        "Scenario «Paid online», step 2 — Expected result")
    assert describe_location("en", "goal.primary") == "Main goal"
    assert describe_location("ru", "signoff") == lang.text("ru", "sections.signoff.title")
    assert flow_figures("every_15_min", 960) == Figures("every_15_min", 96, 10.0, 15)
    assert flow_figures("event", None) == Figures("event", None, None, 0)
    assert flow_figures("on_demand", 5) == Figures("on_demand", None, None, None)
    assert flow_figures("", 5) is None


# --------------------------------------------------------------------------- a column added to the definitions


@pytest.fixture
def with_region(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The systems table of the definitions with one more column, «region», and its two labels: the only
    edits a new column needs."""
    from specbook.definitions import TABLE, Column

    table = TABLE["systems"]
    columns = table.columns
    object.__setattr__(table, "columns", (*columns, Column("region", width=12)))
    table.__dict__.pop("file_columns", None)
    for language, label in (("en", "Region"), ("ru", "Регион")):
        monkeypatch.setitem(lang.table(language)["columns"]["systems"], "region",
                            {"label": label, "help": label})
    yield
    object.__setattr__(table, "columns", columns)
    table.__dict__.pop("file_columns", None)


@pytest.mark.usefixtures("with_region")
def test_a_column_added_to_the_definitions_reaches_form_file_schema_and_handout(wb: Workbook) -> None:
    from specbook import dumps, render
    from specbook.schema import json_schema

    form = section_form(wb, "systems")
    assert "Region" in list(form.systems.frame.columns)
    assert type_cell(form.systems, form.systems.label("region"), 1, "Europe/West")
    disk = on_disk(wb)
    assert records(disk, "systems")[1]["region"] == "Europe/West"  # the file holds it, and reads it back
    assert "region: Europe/West" in dumps(disk)
    assert "region" in json_schema()["properties"]["systems"]["items"]["properties"]
    html = render.section_html(disk, "systems", check(disk))
    assert "<th>Region</th>" in html and "<td>Europe/West</td>" in html


def test_a_pasted_block_adds_rows_refuses_bad_cells_and_undo_takes_it_back_in_the_file(wb: Workbook) -> None:
    from workbook_support import grid_op

    grid = section_form(wb, "systems").systems
    before = records(on_disk(wb), "systems")
    block = [["System", "Kind", "Owner"], ["ERP", "ERP", "Finance"], ["Mainframe", "mainframe", "IT"],
             ["CRM", "", "Sales team"]]
    answer = grid_op(grid, "paste", anchor=None, block=block)
    after = {r["name"]: r for r in records(on_disk(wb), "systems")}
    assert after["ERP"]["kind"] == "erp" and after["ERP"]["owner"] == "Finance"
    assert after["CRM"]["owner"] == "Sales team"
    assert after["Mainframe"]["owner"] == "IT" and not after["Mainframe"].get("kind")  # the rest is kept
    assert "«mainframe» is not one of" in answer["message"]
    grid_op(grid, "undo")
    assert records(on_disk(wb), "systems") == before
    grid_op(grid, "redo")
    assert {r["name"] for r in records(on_disk(wb), "systems")} >= {"ERP", "CRM"}


# --------------------------------------------------------------------------- controls people find by their words


def _all_widgets(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _all_widgets(child)


@pytest.mark.parametrize("fixture", ["wb", "wb_ru"])
def test_every_input_has_a_visible_label_tied_to_it_and_every_button_a_unique_name(
        fixture: str, request: pytest.FixtureRequest) -> None:
    from specbook.forms.namebox import NameBox
    from specbook.forms.sheet import Sheet

    wb = request.getfixturevalue(fixture)
    names: list[str] = []
    for key in SECTION:
        form = section_form(wb, key)
        for w in _all_widgets(form.widget):
            if isinstance(w, W.Button) and w.layout.display != "none":
                names.append(w.description)
            elif isinstance(w, NameBox):
                assert w.label, key  # the box's visible label, tied to its text line in the page
                if w.button:
                    names.append(w.button)
            elif isinstance(w, Sheet):
                assert w.label, key
                if w.add_button:
                    names.append(w.add_button)
            elif isinstance(w, (W.Text, W.Textarea, W.Dropdown, W.SelectMultiple, W.Combobox, W.IntText)):
                assert w.description.strip(), (key, type(w).__name__, getattr(w, "placeholder", ""))
    adds = [n for n in names if n.startswith(lang.text(wb.spec.language, "forms.add"))]
    assert len(adds) == len(set(adds)), adds  # «Добавить систему», «Добавить поле в «Заказ»»…
    if wb.spec.language == "ru":
        assert "Добавить систему" in adds


def test_the_to_be_confirmed_control_preselects_nothing(wb_ru: Workbook) -> None:
    for key in SECTION:
        if key == "open_points":
            continue
        mark = section_form(wb_ru, key).mark
        assert mark.answer.value is None, key
    project = section_form(wb_ru, "project").mark
    project.who.value = "Директор"
    project.mark_button.click()
    assert project.message.text == lang.text("ru", "forms.errors.choose_answer")
    assert records(on_disk(wb_ru), "open_points") == records(wb_ru.spec, "open_points")


def test_numbers_use_the_spec_decimal_separator_and_prose_the_reading_font(wb_ru: Workbook) -> None:
    flows = section_form(wb_ru, "flows")
    fields = flows.details.fields
    fields["trigger"].input.value = "every_5_min"
    fields["volume_per_day"].input.value = "170"  # 288 runs a day: about 0,6 records each
    assert "0,6" in flows.figures.value and "0.6" not in flows.figures.value
    goal = section_form(wb_ru, "goal")
    assert "specbook-prose" in goal.problem.input._dom_classes
    styles = [w.value for w in _all_widgets(goal.widget) if isinstance(w, W.HTML) and "<style>" in w.value]
    assert any("textarea" in s and "font-family" in s for s in styles)
