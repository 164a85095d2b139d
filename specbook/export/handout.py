"""An executed workbook as the parts of a handout: no code, no prompts, no widgets, no stderr.

Each code cell contributes its displayed results, the best static form of each (the views' ``text/html``
first; a widget view is never used); streams and errors are dropped. The analyst's markdown cells stay
where they stand, rendered safely. The language, the title and the table of contents come from the
structured data the views display beside their HTML (:data:`specbook.markup.VIEW_MIME`); the contents go
before the first section.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from specbook import lang
from specbook.export.columns import print_scale_css
from specbook.export.markdown import markdown_html
from specbook.markup import VIEW_MIME, esc

# Cells carrying one of these tags are left out of the handout (the first is nbconvert's convention).
SKIP_TAGS = frozenset({"remove_cell", "specbook-skip"})
SKIP_OUTPUT_TAGS = frozenset({"remove_output"})

_IMAGES = ("image/png", "image/jpeg", "image/gif")


@dataclass
class Handout:
    """What the handout template fills in."""

    language: str
    title: str  # plain text
    blocks: list[str] = field(default_factory=list)  # HTML, in reading order
    css: str = ""

    def as_resources(self) -> dict[str, Any]:
        return {"language": self.language, "title": self.title, "blocks": self.blocks, "css": self.css}


def output_html(output: Mapping[str, Any]) -> str:
    """The static HTML of one cell output; empty for streams, errors and widget-only outputs."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {})
    if isinstance(data.get("text/html"), str | list):
        return _text(data["text/html"])
    if "text/markdown" in data:
        return markdown_html(_text(data["text/markdown"]))
    if "image/svg+xml" in data:
        encoded = base64.b64encode(_text(data["image/svg+xml"]).encode("utf-8")).decode("ascii")
        return f'<img class="sb-image" alt="" src="data:image/svg+xml;base64,{encoded}">'
    for mime in _IMAGES:
        if mime in data:
            encoded = re.sub(r"[^A-Za-z0-9+/=]", "", _text(data[mime]))
            return f'<img class="sb-image" alt="" src="data:{mime};base64,{encoded}">'
    if "text/plain" in data:
        return f'<pre class="sb-plain">{esc(_text(data["text/plain"]), breaks=False)}</pre>'
    return ""


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _cell_blocks(cell: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The blocks of one cell, each with the view data of the output it came from (empty if none)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & SKIP_TAGS:
        return []
    if cell.get("cell_type") == "markdown":
        source = _text(cell.get("source", ""))
        if not source.strip():
            return []
        return [(f'<div class="sb-note">{markdown_html(source, cell.get("attachments") or {})}</div>', {})]
    if cell.get("cell_type") != "code" or tags & SKIP_OUTPUT_TAGS:
        return []
    out = []
    for output in cell.get("outputs", []):
        html = output_html(output)
        if html:
            view = output.get("data", {}).get(VIEW_MIME) if output.get("output_type") != "stream" else None
            out.append((html, view if isinstance(view, Mapping) else {}))
    return out


def contents_html(language: str, headings: list[tuple[str, str, str]]) -> str:
    """The table of contents: one link per ``(level, anchor, title)`` — a section title (``h2``) or a listed
    figure (``h3``, indented); titles are plain text."""
    items = "".join(f'<li class="sb-toc-{level}"><a href="#{esc(anchor)}">{esc(title)}</a></li>'
                    for level, anchor, title in headings)
    heading = esc(lang.text(language, "handout.contents"))
    return f'<nav class="sb-toc" lang="{language}"><h2 class="sb-toc-h">{heading}</h2><ol>{items}</ol></nav>'


def page_css(language: str) -> str:
    """The localised words of the page footer ("Page 3 of 12") as CSS."""
    before, _, rest = lang.text(language, "handout.page").partition("{page}")
    middle, _, after = rest.partition("{pages}")
    content = f"{_css_string(before)} counter(page) {_css_string(middle)} counter(pages) {_css_string(after)}"
    return f"@page {{ @bottom-center {{ content: {content}; }} }}\n"


def _css_string(text: str) -> str:
    return '"' + "".join(ch if ch.isalnum() or ch in " .,:-/" else f"\\{ord(ch):x} " for ch in text) + '"'


@functools.cache
def stylesheet() -> str:
    return resources.files(__package__).joinpath("templates/specbook_handout/handout.css").read_text("utf-8")


def build(nb: Mapping[str, Any], fallback_title: str = "") -> Handout:
    """The handout parts of an executed workbook ``nb`` (a notebook dict or NotebookNode)."""
    parts: list[tuple[str, Mapping[str, Any]]] = []
    for cell in nb.get("cells", []):
        parts.extend(_cell_blocks(cell))
    views = [v for _, v in parts if v]
    cover = next((v for v in views if v.get("view") == "title"), None)
    language = str((cover or (views[0] if views else {})).get("language", ""))
    if language not in lang.LANGUAGES:
        language = lang.DEFAULT_LANGUAGE
    title = str(cover.get("title") or fallback_title) if cover else fallback_title
    headings: dict[str, tuple[str, str, str]] = {}
    first: int | None = None
    for i, (_, view) in enumerate(parts):
        if view.get("view") == "section" and isinstance(view.get("anchor"), str):
            anchor = str(view["anchor"])
            headings.setdefault(anchor, ("h2", anchor, str(view.get("heading", ""))))
            for sub_anchor, sub_title in view.get("figures", ()):
                headings.setdefault(str(sub_anchor), ("h3", str(sub_anchor), str(sub_title)))
            first = i if first is None else first
    blocks = [html for html, _ in parts]
    if first is not None:
        blocks.insert(first, contents_html(language, list(headings.values())))
    return Handout(language, title, blocks, stylesheet() + print_scale_css() + page_css(language))
