"""What a workbook notebook displays: each view is a live form where widgets run, static HTML elsewhere.

A view's MIME bundle carries both: JupyterLab and Voila show the widget; exported handouts and viewers
without a kernel show the ``text/html``, rendered from the model by :mod:`specbook.render`. Beside it the
bundle hands the handout structured data (:data:`specbook.markup.VIEW_MIME`: language, title, section
anchors), so nothing has to read the HTML back.
"""

from __future__ import annotations

from typing import Any

from specbook import render
from specbook.forms import build_readiness, build_section, build_title
from specbook.session import Session


class _View:
    def __init__(self, workbook: Session) -> None:
        self.workbook = workbook

    def static_bundle(self) -> dict[str, Any]:
        """The HTML and the structured data (see :data:`specbook.markup.VIEW_MIME`) shown without widgets."""
        raise NotImplementedError

    def static_html(self) -> str:
        return str(self.static_bundle()["text/html"])

    def widget(self) -> Any:
        raise NotImplementedError

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {**self.static_bundle(), "text/plain": self.__class__.__name__}
        if not self.workbook.static:
            widget = self.widget()
            data = widget._repr_mimebundle_(include=include, exclude=exclude)
            bundle.update({k: v for k, v in data.items() if k != "text/plain"})
        return bundle


class TitleView(_View):
    def static_bundle(self) -> dict[str, Any]:
        return render.title_bundle(self.workbook.spec, self.workbook.report)

    def widget(self) -> Any:
        return build_title(self.workbook)


class ReadinessView(_View):
    def static_bundle(self) -> dict[str, Any]:
        return render.readiness_bundle(self.workbook.report)

    def widget(self) -> Any:
        return build_readiness(self.workbook)


class SectionView(_View):
    def __init__(self, workbook: Session, key: str) -> None:
        super().__init__(workbook)
        self.key = key

    def static_bundle(self) -> dict[str, Any]:
        return render.section_bundle(self.workbook.spec, self.key, self.workbook.report)

    def widget(self) -> Any:
        return build_section(self.workbook, self.key)
