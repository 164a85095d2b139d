"""A check report as text, JSON or JUnit XML — the writers behind ``specbook check --format``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from specbook import lang
from specbook.checks import Report
from specbook.errors import visible


def _section_title(language: str, key: str) -> str:
    return lang.text(language, f"sections.{key}.title")


def to_text(report: Report, source: str = "", verbose: bool = False) -> str:
    """Findings grouped by section in workbook order, with the readiness of each question, in the spec's
    language; ``verbose`` adds each finding's code and location."""
    t = report.language
    lines = [f"{visible(source)}: {report.readiness()}" if source else report.readiness(), ""]
    for q in report.questions:
        mark = "✓" if q.closed else "✗"
        state = lang.text(t, "ui.closed" if q.closed else "ui.open")
        lines.append(f"  {mark} {q.title} — {state}")
    return "\n".join(lines + findings_lines(report, verbose)) + "\n"


def findings_lines(report: Report, verbose: bool = False, none_key: str = "ui.no_findings") -> list[str]:
    """The findings as text lines, grouped by section in workbook order, then the counts — shared by the
    reports of ``check`` and ``verify``. Text from the spec or the data has its control characters made
    visible; ``verbose`` adds each finding's code and location."""
    t = report.language
    lines: list[str] = []
    groups = report.by_section()
    for key, findings in groups.items():
        lines += ["", _section_title(t, key)]
        for f in findings:
            severity = lang.choice(t, "severity", f.severity)
            detail = f"  [{f.code} @ {visible(f.location)}]" if verbose else ""
            lines.append(f"  {severity}: {visible(f.message)}{detail}")
    if not groups:
        lines += ["", lang.text(t, none_key)]
    lines += ["", lang.text(t, "ui.findings_count", errors=report.count("error"),
                            warnings=report.count("warning"), infos=report.count("info"))]
    return lines


def to_json(report: Report, source: str = "") -> str:
    data = {"source": source, **report.to_dict()}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_junit(report: Report, source: str = "") -> str:
    """One test case per question (fails while the question is open) and per error outside the questions.
    Text from the spec has its control characters written visibly: XML 1.0 cannot hold most of them."""
    t = report.language
    suites = ET.Element("testsuites", name="specbook", tests="0", failures="0")
    suite = ET.SubElement(suites, "testsuite", name=visible(source) or "spec")
    tests = failures = 0
    for q in report.questions:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=f"specbook.{q.section}", name=q.title)
        if not q.closed:
            failures += 1
            failure = ET.SubElement(case, "failure", message=lang.text(t, "ui.open"))
            failure.text = "\n".join(visible(reason) for reason in q.reasons)
    for f in report.findings:
        if f.question is None and f.severity == "error":
            tests += 1
            failures += 1
            case = ET.SubElement(suite, "testcase", classname=f"specbook.{f.section}",
                                 name=f"{_section_title(t, f.section)}: {visible(f.location)}")
            ET.SubElement(case, "failure", message=visible(f.message), type=f.code)
    notes = [f"{f.severity} {f.code} {visible(f.location)}: {visible(f.message)}"
             for f in report.findings if f.severity != "error"]
    if notes:
        ET.SubElement(suite, "system-out").text = "\n".join(notes)
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


FORMATS: dict[str, Callable[[Report, str], str]] = {"text": to_text, "json": to_json, "junit": to_junit}

__all__ = ["FORMATS", "findings_lines", "to_json", "to_junit", "to_text"]
