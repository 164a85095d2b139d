"""What a workbook notebook displays: each view is a live form where widgets run, static HTML elsewhere.

A view's MIME bundle carries both: JupyterLab and Voila show the widget; exported handouts and viewers
without a kernel show the ``text/html``, rendered from the model by :mod:`specbook.render`.
"""

from __future__ import annotations

from typing import Any

from specbook import render
from specbook.forms import build_readiness, build_section, build_title
from specbook.session import Session


class _View:
    def __init__(self, workbook: Session) -> None:
        self.workbook = workbook

    def static_html(self) -> str:
        raise NotImplementedError

    def widget(self) -> Any:
        raise NotImplementedError

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/html": self.static_html(), "text/plain": self.__class__.__name__}
        if not self.workbook.static:
            widget = self.widget()
            data = widget._repr_mimebundle_(include=include, exclude=exclude)
            bundle.update({k: v for k, v in data.items() if k != "text/plain"})
        return bundle


class TitleView(_View):
    def static_html(self) -> str:
        return render.title_html(self.workbook.spec, self.workbook.report)

    def widget(self) -> Any:
        return build_title(self.workbook)


class ReadinessView(_View):
    def static_html(self) -> str:
        return render.readiness_html(self.workbook.report)

    def widget(self) -> Any:
        return build_readiness(self.workbook)


class SectionView(_View):
    def __init__(self, workbook: Session, key: str) -> None:
        super().__init__(workbook)
        self.key = key

    def static_html(self) -> str:
        return render.section_html(self.workbook.spec, self.key, self.workbook.report)

    def widget(self) -> Any:
        return build_section(self.workbook, self.key)
