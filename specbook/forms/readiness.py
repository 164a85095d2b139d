"""The readiness panel: how many of the eight questions are closed, and what is still open, by question.

It shows :func:`specbook.check`'s report — the same findings as ``specbook check`` — and refreshes whenever
the answers change; below the counts, the last check against data (when, how many files and rows, how many
findings), refreshed whenever the acceptance section runs one.
"""

from __future__ import annotations

import ipywidgets as W

from specbook import lang
from specbook.definitions import SECTIONS
from specbook.forms.widgets import ERROR_STYLE, MUTED_STYLE, Banner, Form, esc, name_labels
from specbook.session import Session
from specbook.verify import runs

_SEVERITY_STYLE = {"error": ERROR_STYLE + ";font-weight:bold", "warning": "color:#8a5300;font-weight:bold",
                   "info": MUTED_STYLE}


class ReadinessPanel(Form):
    def __init__(self, wb: Session) -> None:
        super().__init__(wb)
        self.banner = Banner(wb)
        self.summary = W.HTML()
        self.data = W.HTML()
        self.data.add_class("specbook-readiness-data")
        self.sections = [s.key for s in sorted(SECTIONS, key=lambda s: (s.question is None, s.question or 0))]
        self.details = [W.HTML() for _ in self.sections]
        self.accordion = W.Accordion(children=self.details)
        self.widget = W.VBox([self.banner.widget, self.summary, self.data, self.accordion],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("specbook-readiness")
        name_labels(self.widget)
        self.refresh()
        self.show_data(runs.last(wb))
        wb.on_change(lambda _c: self.refresh())
        runs.on_run(wb, self.show_data)

    def show_data(self, result: runs.Run | None) -> None:
        """The last check against data, in one line."""
        if result is None:
            self.data.value = f'<div style="{MUTED_STYLE}">{esc(self.text("forms.readiness.data_none"))}</div>'
            return
        when = result.checked_at.replace("T", " ")[:16] + " UTC"
        if result.report is None:
            line = self.text("forms.readiness.data_failed", when=when, count=len(result.problems))
            self.data.value = f'<div style="{ERROR_STYLE}">{esc(line)}</div>'
            return
        line = self.text("forms.readiness.data", when=when, files=result.files, rows=result.rows,
                         findings=result.findings, errors=result.errors)
        style = _SEVERITY_STYLE["error"] if result.errors else MUTED_STYLE
        self.data.value = f'<div style="{style}">{esc(line)}</div>'

    @property
    def headline(self) -> str:
        return self.wb.report.readiness()

    def titles(self) -> list[str]:
        return list(self.accordion.titles)

    def refresh(self) -> None:
        report = self.wb.report
        counts = self.text("forms.readiness.counts", errors=report.count("error"),
                           warnings=report.count("warning"), infos=report.count("info"))
        closed = {q.section: q.closed for q in report.questions}
        marks = "".join(
            f'<span title="{esc(q.title)}" style="display:inline-block;min-width:1.8em;text-align:center;'
            f'margin-right:0.2em;border-radius:0.3em;padding:0 0.2em;'
            f'background:{"#d7f0dc" if q.closed else "#fde2df"}">{q.number}{"✓" if q.closed else "✗"}</span>'
            for q in report.questions
        )
        self.summary.value = (
            f'<h3 style="margin:0.3em 0">{esc(self.text("forms.readiness.title"))}: '
            f'<span class="specbook-readiness-headline">{esc(report.readiness())}</span></h3>'
            f'<div style="margin:0.2em 0">{marks}</div>'
            f'<div style="{MUTED_STYLE}">{esc(counts)}</div>'
        )
        groups = report.by_section()
        titles = []
        for key, box in zip(self.sections, self.details, strict=True):
            found = groups.get(key, [])
            title = self.text(f"sections.{key}.title")
            if key in closed:
                state = self.text("ui.closed") if closed[key] else self.text("ui.open")
                title = f"{'✓' if closed[key] else '✗'} {title} — {state}"
            if found:
                title += f" ({len(found)})"
            titles.append(title)
            if not found:
                box.value = f'<span style="{MUTED_STYLE}">{esc(self.text("ui.no_findings"))}</span>'
                continue
            items = "".join(
                f'<li><span style="{_SEVERITY_STYLE[f.severity]}">'
                f"{esc(lang.choice(self.language, 'severity', f.severity))}</span>: "
                f"{esc(f.message)}</li>"
                for f in found
            )
            box.value = f'<ul style="margin:0;padding-left:1.4em">{items}</ul>'
        self.accordion.titles = tuple(titles)
