"""The one way a person's text becomes HTML text in specbook: the static views, the forms' HTML widgets and
the handout all escape through :func:`esc`."""

from __future__ import annotations

import re
from html import escape

# The MIME type of the structured data a view hands the handout beside its HTML (see specbook.views and
# specbook.export.handout): {"view": "title" | "readiness" | "section", "language": "en", and for a title
# "title" (the project's name, plain text), for a section "section", "anchor", "heading" (plain text) and
# optionally "figures": [[anchor, title], …] listed under it in the contents}.
VIEW_MIME = "application/vnd.specbook.view+json"


class Html(str):
    """Markup that is already safe to insert as it is."""


# Words longer than this get possible line breaks at their natural points (after "@", "/", "-", "_",
# before "."), so that a long e-mail, code or pasted URL wraps in a narrow table column instead of widening
# the page; a stretch of more than ``_CHUNK`` characters without such a point gets one every ``_CHUNK``.
_LONG_WORD_CHARS = 25
_LONG_WORD = re.compile(rf"\S{{{_LONG_WORD_CHARS},}}")
_NATURAL = re.compile(r"(?<=[@/\-_])|(?=\.)")
_CHUNK = 20


# A word this long that had to be cut into chunks (a pasted blob, not a name) gets its break points as
# zero-width spaces every 8 characters: an element per break point, or breaking anywhere (the PDF renderer
# then measures every character as a possible line end), made a page of such words several times slower.
_BLOB = 60
_BLOB_CHUNK = 8
_ZERO_WIDTH_SPACE = "\u200b"


def _breakable(word: str) -> str:
    """A long word with its break points; one without natural points enough is marked ``sb-long`` and cut
    into chunks, so that it never widens a table (names and e-mails are never marked)."""
    pieces = [p for p in _NATURAL.split(word) if p]
    chunks = [p[i : i + _CHUNK] for p in pieces for i in range(0, len(p), _CHUNK)]
    if len(chunks) == len(pieces):
        return "<wbr>".join(escape(c, quote=True) for c in chunks)
    if len(word) <= _BLOB:
        return f'<span class="sb-long">{"<wbr>".join(escape(c, quote=True) for c in chunks)}</span>'
    # a blob: short enough pieces that five columns of it share an A4 line
    bits = [p[i : i + _BLOB_CHUNK] for p in pieces for i in range(0, len(p), _BLOB_CHUNK)]
    return f'<span class="sb-long">{_ZERO_WIDTH_SPACE.join(escape(b, quote=True) for b in bits)}</span>'


def esc(value: object, *, breaks: bool = True) -> Html:
    """A person's text as HTML text, quotes included, so it is safe in an element or an attribute. With
    ``breaks`` (the default) line breaks are kept and very long words may wrap; without, the text is
    escaped and nothing else (for preformatted text)."""
    text = str(value)
    if not breaks:
        return Html(escape(text, quote=True))
    if len(text) < _LONG_WORD_CHARS:  # most text: no word long enough to need break points
        return Html(escape(text, quote=True).replace("\n", "<br>"))
    out, pos = [], 0
    for m in _LONG_WORD.finditer(text):
        out.append(escape(text[pos : m.start()], quote=True))
        out.append(_breakable(m.group()))
        pos = m.end()
    out.append(escape(text[pos:], quote=True))
    return Html("".join(out).replace("\n", "<br>"))

