"""The live forms of a workbook: the title, the readiness panel and one form per section.

``build_title``, ``build_readiness`` and ``build_section`` give the widget a notebook displays (see
:mod:`specbook.views`); ``section_form`` gives the form object itself, whose inputs tests drive as a person
would. Forms are built once per workbook and view, and kept in the workbook (no module-level state).

Forms depend on the :class:`specbook.session.Session` protocol, never on the workbook module. The widget
modules are imported when the first form is built, not with this package: a workbook run for an export
shows static HTML only and never pays for importing ipywidgets and the grid.
"""

from __future__ import annotations

from typing import Any

from specbook.definitions import SECTION
from specbook.session import Session

__all__ = ["build_readiness", "build_section", "build_title", "readiness_panel", "section_form"]


def section_form(wb: Session, key: str) -> Any:
    """The form of section ``key`` of this workbook (``project`` is the title)."""
    from specbook.forms.sections import FORMS

    if key not in FORMS:
        raise KeyError(f"No section named {key!r}; sections are: {', '.join(SECTION)}")
    if key not in wb.forms:
        wb.forms[key] = FORMS[key](wb)
        wb.watch()
    return wb.forms[key]


def readiness_panel(wb: Session) -> Any:
    from specbook.forms.readiness import ReadinessPanel

    if "readiness" not in wb.forms:
        wb.forms["readiness"] = ReadinessPanel(wb)
        wb.watch()
    return wb.forms["readiness"]


def build_section(wb: Session, key: str) -> Any:
    return section_form(wb, key).widget


def build_title(wb: Session) -> Any:
    return section_form(wb, "project").widget


def build_readiness(wb: Session) -> Any:
    return readiness_panel(wb).widget
