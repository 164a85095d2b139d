"""The analyst's own markdown cells, rendered so that they cannot run script or fetch anything.

Raw HTML is shown as text; links keep only ``http``, ``https`` and ``mailto`` targets; an image is shown
only when it is embedded (a cell attachment or a ``data:`` image), otherwise its description stands in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import mistune
from mistune.util import striptags

from specbook.markup import esc

_SAFE_LINK = re.compile(r"^(?:https?:|mailto:)", re.IGNORECASE)
_EMBEDDED = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class _Renderer(mistune.HTMLRenderer):
    def __init__(self, attachments: Mapping[str, Any]) -> None:
        super().__init__(escape=True)
        self.attachments = attachments

    def safe_url(self, url: str) -> str:
        return esc(url, breaks=False) if _SAFE_LINK.match(url.strip()) else "#"

    def link(self, text: str, url: str, title: str | None = None) -> str:
        if self.safe_url(url) == "#":
            return f'<span class="sb-link">{text}</span>'
        return super().link(text, url, title)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        source = self._embedded(url.strip())
        if source is None:
            return f'<span class="sb-image-alt">[{text}]</span>'
        alt = striptags(text).replace('"', "&quot;")
        return f'<img class="sb-image" src="{esc(source, breaks=False)}" alt="{alt}">'

    def _embedded(self, url: str) -> str | None:
        if _EMBEDDED.match(url):
            return re.sub(r"\s", "", url)
        if url.startswith("attachment:"):
            bundle = self.attachments.get(url.removeprefix("attachment:"), {})
            for mime in _IMAGE_TYPES:
                data = bundle.get(mime)
                if isinstance(data, str):
                    candidate = f"data:{mime};base64,{data}"
                    if _EMBEDDED.match(candidate):
                        return re.sub(r"\s", "", candidate)
        return None


def markdown_html(source: str, attachments: Mapping[str, Any] | None = None) -> str:
    """Markdown as safe HTML: raw HTML escaped, only harmless links, only embedded images."""
    render = mistune.create_markdown(renderer=_Renderer(attachments or {}),
                                     plugins=["strikethrough", "table"])
    return str(render(source))
