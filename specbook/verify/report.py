"""A verify report as text, JSON or JUnit XML (``specbook verify --format``), and as a static HTML part
for the handout ("checked against data"). User text is escaped everywhere it becomes markup."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from specbook import lang
from specbook.errors import visible
from specbook.markup import esc
from specbook.reporting import findings_lines
from specbook.verify import VerifyReport


def _files(report: VerifyReport) -> list[str]:
    t = report.language
    return [lang.text(t, "verify.file_line", system=f.system, entity=f.entity, path=f.path, kind=f.kind,
                      encoding=f.encoding, rows=f.rows) for f in report.files]


def to_text(report: VerifyReport, source: str = "", verbose: bool = False) -> str:
    """Files read, then findings grouped by section in workbook order, in the spec's language; ``verbose``
    adds each finding's code and location."""
    t = report.language
    title = lang.text(t, "verify.title")
    lines = [f"{visible(source)}: {title}" if source else title,
             lang.text(t, "verify.when", when=report.checked_at), "", lang.text(t, "verify.files")]
    lines += [f"  {visible(line)}" for line in _files(report)]
    lines += findings_lines(report, verbose, none_key="verify.no_findings")
    return "\n".join(lines) + "\n"


def to_json(report: VerifyReport, source: str = "") -> str:
    return json.dumps({"source": source, **report.to_dict()}, ensure_ascii=False, indent=2) + "\n"


def to_junit(report: VerifyReport, source: str = "") -> str:
    """One test case per file read (passes) and one per finding (an error fails, the rest are skipped)."""
    suites = ET.Element("testsuites", name="specbook verify")
    suite = ET.SubElement(suites, "testsuite", name=visible(source) or "data")
    failures = 0
    for f in report.files:
        ET.SubElement(suite, "testcase", classname="specbook.verify.files",
                      name=visible(f"{f.system} · {f.entity}: {f.path}"))
    for finding in report.findings:
        case = ET.SubElement(suite, "testcase", classname=f"specbook.verify.{finding.section}",
                             name=f"{finding.code} @ {visible(finding.location)}")
        if finding.severity == "error":
            failures += 1
            ET.SubElement(case, "failure", message=visible(finding.message), type=finding.code)
        else:
            ET.SubElement(case, "skipped", message=visible(finding.message))
    tests = len(report.files) + len(report.findings)
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def verify_html(report: VerifyReport) -> str:
    """The handout's "checked against data" part: which files, when, how many rows, and each finding."""
    t = report.language

    def e(value: object) -> str:
        return esc(value, breaks=False)

    def w(key: str, **values: object) -> str:
        return e(lang.text(t, f"verify.{key}", **values))

    head = "".join(f"<th>{w(f'columns.{c}')}</th>" for c in ("system", "entity", "path", "rows"))
    files = "".join(f"<tr><td>{e(f.system)}</td><td>{e(f.entity)}</td><td>{e(f.path)}</td><td>{f.rows}</td></tr>"
                    for f in report.files)
    parts = [f'<section class="sb-verify"><h2>{w("title")}</h2>', f"<p>{w('when', when=report.checked_at)}</p>",
             f'<table class="sb-table"><thead><tr>{head}</tr></thead><tbody>{files}</tbody></table>']
    if report.findings:
        rows = "".join(
            f'<tr class="sb-{f.severity}"><td>{e(lang.choice(t, "severity", f.severity))}</td>'
            f"<td>{e(f.message)}</td></tr>" for f in report.findings)
        parts.append(f'<table class="sb-table"><thead><tr><th>{w("columns.severity")}</th>'
                     f"<th>{w('columns.message')}</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        parts.append(f"<p>{w('no_findings')}</p>")
    parts.append("</section>")
    return "".join(parts)


def problems_html(language: str, problems: list[str]) -> str:
    """The "checked against data" part when the exports could not be read: one line per file."""
    items = "".join(f"<li>{esc(p, breaks=False)}</li>" for p in problems)
    return (f'<section class="sb-verify"><h2>{esc(lang.text(language, "verify.title"))}</h2>'
            f"<ul>{items}</ul></section>")


FORMATS: dict[str, Callable[[VerifyReport, str], str]] = {"text": to_text, "json": to_json, "junit": to_junit}

__all__ = ["FORMATS", "problems_html", "to_json", "to_junit", "to_text", "verify_html"]
