"""Checks, driven by data: the complete spec, one case per rule, and whole specs with expected findings."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import COMPLETE, DATA, complete_document, dump_document, patch_document, patch_spec, read_yaml

import specbook
from specbook.checks import RULES, Report
from specbook.definitions import QUESTIONS

CASES: list[dict[str, Any]] = read_yaml(DATA / "rules.yaml")
SPECS = sorted(p for p in (DATA / "specs").glob("*.yaml") if not p.name.endswith(".expected.yaml"))
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _case_id(case: dict[str, Any]) -> str:
    return str(case["code"])


def _build(operations: list[dict[str, Any]], via: str) -> specbook.Spec:
    """complete.yaml with the operations applied: through the loader, or on the model's DataFrames."""
    if via == "model":
        return patch_spec(specbook.load(COMPLETE), operations)
    assert via == "file", via
    return specbook.loads(dump_document(patch_document(complete_document(), operations)), "<patched>")


def _pairs(report: Report, code: str | None = None) -> list[tuple[str, str]]:
    return [(f.code, f.location) for f in report.findings if code is None or f.code == code]


# --------------------------------------------------------------------------- the complete spec


def test_complete_spec_closes_every_question() -> None:
    report = specbook.check(specbook.load(COMPLETE))
    assert (report.closed, report.total) == (8, 8), [q.reasons for q in report.questions]
    assert report.count("error") == 0, _pairs(report)
    assert report.count("warning") == 0, _pairs(report)
    # the only notes: the client's phone travels from the shop to the CRM, which is worth knowing
    assert _pairs(report) == [("privacy.personal-travels", "entities[Order]"),
                              ("privacy.personal-mapped", "flows[Orders to CRM]")]
    assert report.ok


def test_complete_spec_is_canonical() -> None:
    text = COMPLETE.read_text(encoding="utf-8")
    assert specbook.dumps(specbook.loads(text)) == text


def test_complete_spec_russian_closes_every_question() -> None:
    spec = specbook.load(COMPLETE)
    spec.language = "ru"
    report = specbook.check(spec)
    assert report.closed == 8
    assert report.readiness() != specbook.check(specbook.load(COMPLETE)).readiness()


# --------------------------------------------------------------------------- one case per rule


def test_every_rule_has_a_case() -> None:
    codes = [c["code"] for c in CASES]
    assert sorted(set(RULES) - set(codes)) == [], "rules without a case in tests/data/rules.yaml"
    assert sorted(set(codes) - set(RULES)) == [], "cases for rules that do not exist"
    assert [c for c, n in Counter(codes).items() if n > 1] == []


def test_cases_are_well_formed() -> None:
    for case in CASES:
        assert set(case) <= {"code", "via", "patch", "location", "section", "clean"}, case
        assert case.get("via", "file") in ("file", "model"), case
        assert isinstance(case["patch"], list), case
        assert isinstance(case["clean"], list), case


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_fires(case: dict[str, Any]) -> None:
    code = case["code"]
    report = specbook.check(_build(case["patch"], case.get("via", "file")))
    found = [f for f in report.findings if f.code == code]
    assert found, f"{code} not found; findings: {_pairs(report)}"
    rule = RULES[code]
    for f in found:
        assert f.severity == rule.severity
        assert f.section == case.get("section", rule.section)
    if "location" in case:
        assert case["location"] in [f.location for f in found]
    if rule.severity == "error":
        question = found[0].question
        if question is not None:
            assert not report.questions[QUESTIONS.index(question)].closed


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_stays_quiet_on_near_miss(case: dict[str, Any]) -> None:
    report = specbook.check(_build(case["clean"], case.get("via", "file")))
    assert _pairs(report, case["code"]) == []


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_message_in_both_languages(case: dict[str, Any]) -> None:
    spec = _build(case["patch"], case.get("via", "file"))
    english = {(f.code, f.location): f.message for f in specbook.check(spec).findings}
    spec.language = "ru"
    russian = {(f.code, f.location): f.message for f in specbook.check(spec).findings}
    assert english.keys() == russian.keys()
    mine = [k for k in english if k[0] == case["code"]]
    assert mine
    for key in mine:
        for message in (english[key], russian[key]):
            assert message.strip(), key
            assert not PLACEHOLDER.search(message), message
            assert "None" not in message, message
        assert english[key] != russian[key], key
        assert re.search("[а-яё]", russian[key], re.IGNORECASE), russian[key]


# --------------------------------------------------------------------------- whole specs with expected findings


def _expected(path: Path) -> dict[str, Any]:
    expected: dict[str, Any] = read_yaml(path.with_name(path.name.replace(".yaml", ".expected.yaml")))
    return expected


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_findings(path: Path) -> None:
    expected = _expected(path)
    report = specbook.check(specbook.load(path))
    got = sorted(_pairs(report))
    want = sorted((f["code"], f["location"]) for f in expected["findings"])
    missing = [p for p in want if p not in got]
    extra = [p for p in got if p not in want]
    assert got == want, f"missing: {missing}\nextra: {extra}"
    assert report.closed == expected["closed"]
    open_questions = [q.number for q in report.questions if not q.closed]
    assert open_questions == expected["open_questions"]


def test_spec_data_present() -> None:
    assert {p.stem for p in SPECS} >= {"empty", "contradictory"}
    for path in SPECS:
        assert path.with_name(path.stem + ".expected.yaml").exists(), path


# --------------------------------------------------------------------------- known bugs, kept as failing cases


def test_open_point_without_confirmer_keeps_question_open() -> None:
    doc = patch_document(complete_document(), [
        {"append": "open_points", "value": {"location": "flows[Payments to CRM].stuck_after_minutes"}}])
    report = specbook.check(specbook.loads(dump_document(doc)))
    assert not report.questions[QUESTIONS.index(6)].closed


def test_step_reference_located_like_other_step_findings() -> None:
    spec = patch_spec(specbook.load(COMPLETE), [
        {"append": "scenarios", "value": {"name": "Order cancelled"}},
        {"append": "steps", "value": {"scenario": "Order cancelled", "action": "Cancel", "system": "Shop",
                                      "expected": "", "covers": "Refunds"}},
    ])
    report = specbook.check(spec)
    assert ("acceptance.step-incomplete", "steps[Order cancelled/1].expected") in _pairs(report)
    assert ("refs.unknown", "steps[Order cancelled/1].covers") in _pairs(report)


def test_unknown_key_field_reported_once() -> None:
    spec = patch_spec(specbook.load(COMPLETE), [{"set": "duplicates[0].key_fields", "value": ["Payment ID"]}])
    at = [c for c, loc in _pairs(specbook.check(spec)) if loc == "duplicates[Order].key_fields"]
    assert len(at) == 1, at


# --------------------------------------------------------------------------- «data differ»: the mapping of a flow


@pytest.mark.parametrize(("name", "words"), [
    # a required field left unmapped, in a Russian spec
    ("unmapped_ru", ["Поток «Заказы в CRM»", "«Телефон получателя»", "из Интернет-магазин в CRM"]),
    # two formats and no conversion, in an English spec
    ("format_mismatch", ["Flow «Marketplace orders to ERP»", "«Order total»", "comes from Marketplace",
                         "ERP keeps it", "choose a conversion"]),
])
def test_check_command_names_flow_field_and_both_systems(
        name: str, words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from specbook.cli import main

    code = main(["check", str(DATA / "specs" / f"{name}.yaml")])
    out = capsys.readouterr().out
    assert code != 0
    line = next(x for x in out.splitlines() if words[0] in x)
    for w in words:
        assert w in line, (w, line)


def test_examples_map_every_flow_and_close_every_question() -> None:
    root = Path(__file__).resolve().parent.parent / "examples"
    for path in sorted(root.glob("*/spec.yaml")):
        spec = specbook.load(path)
        report = specbook.check(spec)
        assert (report.closed, report.count("error")) == (8, 0), (path, _pairs(report))
        mapped = set(spec["mappings"]["flow"].tolist())
        assert mapped == set(spec.names("flows")), path


def test_every_format_pattern_takes_the_example_its_words_give() -> None:
    """The example in each format's words («Whole kopecks (487000)») is a value of that format and of no
    stricter one of its kind that claims another shape."""
    from specbook import lang
    from specbook.definitions import FIELD_FORMATS, FORMAT_PATTERNS

    for kind, formats in FIELD_FORMATS.items():
        for value in formats:
            pattern = FORMAT_PATTERNS[value]
            words = lang.choice("en", "field_format", value)
            found = re.search(r"\((.+)\)$", words) or re.fullmatch(r"([+\d][\dX() -]+)", words.split(",")[0])
            if pattern is None or found is None:
                continue
            example = found[1].strip('"').replace("X", "5")
            assert re.fullmatch(pattern, example), (kind, value, example)
    assert re.fullmatch(FORMAT_PATTERNS["rub_string"], "4870") is None
    assert re.fullmatch(FORMAT_PATTERNS["national_8"], "+7 916 123-45-67") is None
    assert re.fullmatch(FORMAT_PATTERNS["prefixed"], "ИМ-048213")
