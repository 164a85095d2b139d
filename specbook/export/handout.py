"""An executed workbook as the parts of a handout: no code, no prompts, no widgets, no stderr.

Each code cell contributes its displayed results, the best static form of each (the views' ``text/html``
first; a widget view is never used); streams and errors are dropped. The analyst's markdown cells stay
where they stand, rendered safely. The table of contents is made from the section titles the views
emitted (see :mod:`specbook.render`) and placed before the first section.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape, unescape
from importlib import resources
from typing import Any

from specbook import lang
from specbook.export.markdown import markdown_html

# Cells carrying one of these tags are left out of the handout (the first is nbconvert's convention).
SKIP_TAGS = frozenset({"remove_cell", "specbook-skip"})
SKIP_OUTPUT_TAGS = frozenset({"remove_output"})

_COVER = re.compile(r'<header class="sb-cover" lang="([a-z]{2,3})">')
# user text inside is escaped, so the first "</h1>" ends it; <wbr> and <br> breaks are dropped for the title
_PROJECT = re.compile(r'<h1 class="sb-project">(.*?)</h1>', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_LANG = re.compile(r'<section class="sb-section sb-section-[a-z_]+" lang="([a-z]{2,3})">')
_HEADING = re.compile(r'<(h[23]) class="sb-h[23]" id="(sb-[a-z_]+)">([^<]*)</h[23]>')
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
        return f'<pre class="sb-plain">{escape(_text(data["text/plain"]))}</pre>'
    return ""


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _cell_blocks(cell: Mapping[str, Any]) -> list[str]:
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & SKIP_TAGS:
        return []
    if cell.get("cell_type") == "markdown":
        source = _text(cell.get("source", ""))
        if not source.strip():
            return []
        return [f'<div class="sb-note">{markdown_html(source, cell.get("attachments") or {})}</div>']
    if cell.get("cell_type") != "code" or tags & SKIP_OUTPUT_TAGS:
        return []
    return [html for html in (output_html(o) for o in cell.get("outputs", [])) if html]


def contents_html(language: str, headings: list[tuple[str, str, str]]) -> str:
    """The table of contents: one link per section title and per listed figure (``h3``, indented); titles
    are already HTML-escaped."""
    items = "".join(f'<li class="sb-toc-{level}"><a href="#{anchor}">{title}</a></li>'
                    for level, anchor, title in headings)
    heading = escape(lang.text(language, "handout.contents"))
    return f'<nav class="sb-toc" lang="{language}"><h2 class="sb-toc-h">{heading}</h2><ol>{items}</ol></nav>'


def page_css(language: str) -> str:
    """The localised words of the page footer ("Page 3 of 12") as CSS."""
    before, _, rest = lang.text(language, "handout.page").partition("{page}")
    middle, _, after = rest.partition("{pages}")
    content = f"{_css_string(before)} counter(page) {_css_string(middle)} counter(pages) {_css_string(after)}"
    return f"@page {{ @bottom-center {{ content: {content}; }} }}\n"


def _css_string(text: str) -> str:
    return '"' + "".join(ch if ch.isalnum() or ch in " .,:-/" else f"\\{ord(ch):x} " for ch in text) + '"'


def stylesheet() -> str:
    return resources.files(__package__).joinpath("templates/specbook_handout/handout.css").read_text("utf-8")


def build(nb: Mapping[str, Any], fallback_title: str = "") -> Handout:
    """The handout parts of an executed workbook ``nb`` (a notebook dict or NotebookNode)."""
    blocks: list[str] = []
    for cell in nb.get("cells", []):
        blocks.extend(_cell_blocks(cell))
    joined = "".join(blocks)
    cover = _COVER.search(joined) or _LANG.search(joined)
    language = cover.group(1) if cover and cover.group(1) in lang.LANGUAGES else lang.DEFAULT_LANGUAGE
    project = _PROJECT.search(joined)
    title = unescape(_TAG.sub("", project.group(1))) if project else fallback_title
    headings = list(dict.fromkeys(_HEADING.findall(joined)))
    if headings:
        first = next(i for i, b in enumerate(blocks) if _HEADING.search(b))
        blocks.insert(first, contents_html(language, headings))
    return Handout(language, title, blocks, stylesheet() + page_css(language))
