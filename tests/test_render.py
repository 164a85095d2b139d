"""The static HTML of the views: every section in the spec's language, nothing unescaped, no identifiers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import COMPLETE

from specbook import check, load, render
from specbook.definitions import CHOICES, SECTIONS, TABLES
from specbook.export.diagram import circle_svg, diagram_svg
from specbook.model import Spec, flow_figures, make_table

ROOT = Path(__file__).resolve().parent.parent
SPECS = {"complete": COMPLETE, **{p.parent.name: p for p in sorted((ROOT / "examples").glob("*/spec.yaml"))}}


def whole(spec: Spec) -> str:
    report = check(spec)
    return (render.title_html(spec, report) + render.readiness_html(report)
            + "".join(render.section_html(spec, s.key, report) for s in SECTIONS))


@pytest.fixture(scope="module", params=sorted(SPECS))
def spec(request: pytest.FixtureRequest) -> Spec:
    return load(SPECS[request.param])


def test_every_section_has_its_title_question_and_anchor(spec: Spec) -> None:
    from specbook import lang

    html = whole(spec)
    for s in SECTIONS:
        title = lang.text(spec.language, f"sections.{s.key}.title")
        assert f'<h2 class="sb-h2" id="sb-{s.key}">{render.esc(title)}</h2>' in html
        assert render.esc(lang.text(spec.language, f"sections.{s.key}.question")) in html


def test_every_name_in_the_spec_appears(spec: Spec) -> None:
    html = whole(spec)
    for table in ("systems", "entities", "fields", "flows", "scenarios", "reconciliations", "indicators"):
        for name in spec.names(table):
            assert render.esc(name) in html, (table, name)
    assert render.esc(spec.project.name) in html


def test_no_column_identifiers_or_stored_choice_values(spec: Spec) -> None:
    text = re.sub(r"<[^>]+>", " ", whole(spec))  # words only, not class names
    identifiers = {c.name for t in TABLES for c in t.columns if "_" in c.name}
    identifiers |= {v for values in CHOICES.values() for v in values if "_" in v}
    for word in identifiers:
        assert word not in text, word


def test_cover_shows_parties_systems_and_readiness(spec: Spec) -> None:
    report = check(spec)
    html = render.title_html(spec, report)
    for value in (spec.project.customer, spec.project.contractor, spec.project.version, spec.project.date,
                  *spec.names("systems"), report.readiness()):
        assert render.esc(value) in html
    assert f"{report.closed}" in report.readiness() and f"{report.total}" in report.readiness()


def test_ownership_marks_masters_and_acceptance_is_a_checklist(spec: Spec) -> None:
    report = check(spec)
    ownership = render.section_html(spec, "ownership", report)
    masters = (spec["ownership"]["role"] == "master").sum()
    assert ownership.count('class="sb-master">★') == masters
    acceptance = render.section_html(spec, "acceptance", report)
    boxes = len(spec["steps"]) + len(spec["reconciliations"])
    assert acceptance.count('<span class="sb-box">☐</span>') == boxes


def test_open_points_list_every_finding_and_mark(spec: Spec) -> None:
    report = check(spec)
    html = render.section_html(spec, "open_points", report)
    for finding in report.findings:
        assert render.esc(finding.message) in html
    for who in spec["open_points"]["who"].tolist():
        assert render.esc(who) in html


@pytest.mark.parametrize(
    ("trigger", "volume", "expected"),
    [("event", 300, (300, 0)), ("event", None, (None, 0)), ("every_5_min", 10, (288, 5)),
     ("every_15_min", None, (96, 15)), ("hourly", 1, (24, 60)), ("daily", 5000, (1, 1440)),
     ("on_demand", 7, (None, None))],
)
def test_flow_figures(trigger: str, volume: int | None, expected: tuple[int | None, int | None]) -> None:
    figures = flow_figures(trigger, volume)
    assert figures is not None
    assert (figures.transfers_per_day, figures.staleness_minutes) == expected
    assert flow_figures("", 7) is None


def test_flow_figures_are_shown_and_a_too_slow_trigger_is_flagged() -> None:
    spec = load(COMPLETE)
    spec["flows"].loc[0, "trigger"] = "daily"
    spec["flows"].loc[0, "max_delay_minutes"] = 60
    html = render.section_html(spec, "flows", check(spec))
    assert "⚠ 1 d, longer than the acceptable 1 h" in html


def test_places_read_as_words() -> None:
    assert render.place("en", "flows[Orders to CRM].stuck_after_minutes") == (
        "6. Errors and delays › Orders to CRM › Stuck after (minutes)")
    assert render.place("ru", "goal.primary") == "1. Цель › Главная цель"
    assert render.place("en", "ownership[Order]") == "3. Who is the master of the data › Order"
    assert render.place("en", "not a location!") == "not a location!"


def test_escape_keeps_text_and_breaks_long_words() -> None:
    assert render.esc('<b a="1">&\n') == "&lt;b a=&quot;1&quot;&gt;&amp;<br>"
    long = render.esc("x" * 60)
    assert long.count("<wbr>") == 2 and re.sub(r"<[^>]+>", "", long) == "x" * 60
    assert render.esc("priya.shah@halden-electrical.co.uk") == (
        "priya<wbr>.shah@<wbr>halden-<wbr>electrical<wbr>.co<wbr>.uk")  # natural points only, never cut


def test_unknown_section_names_the_known_ones() -> None:
    spec = load(COMPLETE)
    with pytest.raises(KeyError, match="sections are: project, goal"):
        render.section_html(spec, "nope", check(spec))


def test_an_empty_spec_renders_every_section() -> None:
    spec = Spec(language="ru")
    html = whole(spec)
    assert html.count("Пока не заполнено.") >= 8


def test_diagram_is_well_formed_svg_with_every_system() -> None:
    spec = load(COMPLETE)
    svg = diagram_svg(spec)
    root = ET.fromstring(svg)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for name in spec.names("systems"):
        assert name in texts
    arrows = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge"]
    assert len(arrows) == len({(s, t) for s, t in zip(spec["flows"]["source"], spec["flows"]["target"], strict=True)})


def test_diagram_escapes_and_cuts_names() -> None:
    spec = load(COMPLETE)
    systems = spec["systems"].copy()
    systems.loc[0, "name"] = '<script>alert(1)</script>"&' + "W" * 500
    spec["systems"] = make_table("systems", systems.to_dict("records"))
    svg = diagram_svg(spec)
    ET.fromstring(svg)  # still well-formed
    assert "<script" not in svg and "W" * 30 not in svg


@pytest.mark.parametrize("n", [0, 1, 2, 3, 12])
def test_diagram_of_any_number_of_systems(n: int) -> None:
    spec = Spec(tables={"systems": make_table("systems", [{"name": f"S{i}"} for i in range(n)]),
                        "flows": make_table("flows", [{"name": f"F{i}", "source": f"S{i}", "target": f"S{i + 1}"}
                                                      for i in range(n - 1)])})
    for svg in (diagram_svg(spec), circle_svg(spec)):  # Graphviz's layout, and the one without it
        root = ET.fromstring(svg)
        boxes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
        assert len(boxes or root.findall("{http://www.w3.org/2000/svg}rect")) >= n


# --------------------------------------------------------------------------- «data differ»: names, formats, mappings


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_flow_has_its_mapping_table_and_decisions(name: str) -> None:
    spec = load(SPECS[name])
    flows = render.section_html(spec, "flows", check(spec))
    assert len(re.findall(r'class="sb-table sb-mapping[ "]', flows)) == len(spec["flows"])
    assert flows.count('class="sb-decisions"') == len(spec["flows"])
    entities = render.section_html(spec, "entities", check(spec))
    holding = set(spec["system_fields"]["entity"].tolist())
    assert len(re.findall(r'class="sb-table sb-system-fields[ "]', entities)) >= len(holding) > 0


def test_the_customer_reads_the_phone_decision_in_plain_words() -> None:
    spec = load(SPECS["shop-crm"])
    text = re.sub(r"<[^>]+>", "", render.mapping_html(spec, "Клиенты в CRM"))
    assert ("Телефон: Интернет-магазин присылает в формате «8 (XXX) XXX-XX-XX», CRM хранит в формате "
            "«+7XXXXXXXXXX» — переводим при передаче: оставить цифры и заменить ведущую 8 на +7.") in text
    assert "PHONE[0].VALUE" in text


def test_names_given_for_a_system_stay_text_in_the_mapping() -> None:
    spec = load(COMPLETE)
    df = spec["system_fields"].copy()
    df.loc[df.index[5], "name"] = "<img src=x onerror=alert(1)>"
    df.loc[df.index[5], "note"] = "<script>alert(2)</script>"
    spec["system_fields"] = df
    flows = render.mapping_html(spec, "Orders to CRM")
    entities = render.system_fields_html(spec, "Order")
    for html in (flows, entities):
        assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in flows
