"""The one way a person's text becomes HTML text in specbook: the static views, the forms' HTML widgets and
the handout all escape through :func:`esc`."""

from __future__ import annotations

import re
from html import escape

# The MIME type of the structured data a view hands the handout beside its HTML (see specbook.views and
# specbook.export.handout): {"view": "title" | "readiness" | "section", "language": "en", and for a title
# "title" (the project's name, plain text), for a section "section", "anchor" and "heading" (plain text)}.
VIEW_MIME = "application/vnd.specbook.view+json"


class Html(str):
    """Markup that is already safe to insert as it is."""


# Words longer than this get a possible line break every ``_CHUNK`` characters, so that a long code or
# a pasted URL wraps in a narrow table column instead of widening the page.
_LONG_WORD = re.compile(r"\S{25,}")
_CHUNK = 20


def esc(value: object, *, breaks: bool = True) -> Html:
    """A person's text as HTML text, quotes included, so it is safe in an element or an attribute. With
    ``breaks`` (the default) line breaks are kept and very long words may wrap; without, the text is
    escaped and nothing else (for preformatted text)."""
    text = str(value)
    if not breaks:
        return Html(escape(text, quote=True))
    out, pos = [], 0
    for m in _LONG_WORD.finditer(text):
        word = m.group()
        out.append(escape(text[pos : m.start()], quote=True))
        out.append("<wbr>".join(escape(word[i : i + _CHUNK], quote=True) for i in range(0, len(word), _CHUNK)))
        pos = m.end()
    out.append(escape(text[pos:], quote=True))
    return Html("".join(out).replace("\n", "<br>"))
