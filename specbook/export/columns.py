"""Column widths of a printed table, from its words.

On paper a handout's tables are laid out with fixed column widths computed here, instead of the PDF
renderer's automatic table layout, which sets every word of every cell twice more before it sets a line,
and for a long unbroken string, at every break point of it (a page of pasted blobs took seconds). The
widths follow the rule of the automatic layout: every column at least as wide as its widest word, so that
no word of a header, a name, an e-mail or an identifier is split, and the room left shared between the
columns by how much longer their lines are than their words. A table whose words do not fit the page at
its text size is printed smaller (:data:`PRINT_SCALES`) rather than cut a word or run into the margin.

Words are measured with the advance widths of the fonts the handout prints with (its stylesheet asks for
DejaVu Sans; codes are set in the monospace font, DejaVu Sans Mono), at the sizes that stylesheet gives
table text. A word breaks at a space, a zero-width space, a ``<wbr>`` and after a hyphen between letters,
where the renderer may break it too, and nowhere else (the renderer also breaks after a slash or a dash:
such a word is measured whole, a little wider than it needs), so a measured word is never narrower than
the renderer sets it. Where the fonts cannot be found, the table is left to the automatic layout.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path

# --------------------------------------------------------------------------- the stylesheet, in numbers

# handout.css, in CSS pixels (96 a inch): the page's text 10.5pt, a table's 0.9rem, a header cell's 0.92em
# of that and bold, a format line's 0.944em (0.85rem), a pasted blob's 7.5pt on paper, a tick 1.1em; cells
# have 0.45rem of padding either side and a 1px rule between them.
_PT = 96 / 72
_MM = 96 / 25.4
_REM = 10.5 * _PT
TABLE_TEXT = 0.9 * _REM
HEADER_SCALE = 0.92
_CLASS_SCALES = {"sb-format": 0.85 / 0.9, "sb-tick": 1.1, "sb-box": 1.1}
_CLASS_SIZES = {"sb-long": 7.5 * _PT}
_SIGNATURE_LINE = 22 * _MM  # .sb-line: min-width 22mm
CELL_EXTRA = 2 * 0.45 * _REM + 1
# A4 less the page margins (18mm either side), portrait and landscape (the named page "wide").
PAGE_WIDTH = (210 - 2 * 18) * _MM
WIDE_PAGE_WIDTH = (297 - 2 * 18) * _MM
# What a measured word may be short of the renderer's own setting of it (hinting, rounding); measured
# words came within 0.2 % of it, never under.
_SAFETY = 1.02
# When a table's words do not fit the line at its text size, it is printed smaller, in these steps
# (percent of that size; handout.css has a class sb-print-N for each), rather than cut a word or run
# into the margin.
PRINT_SCALES = (100, 95, 90, 85, 80, 75)

_FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono.ttf"}
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
              "/Library/Fonts", "~/Library/Fonts")
_HYPHENS = frozenset("-\u2010\u2013")


def _font_dirs() -> list[Path]:
    extra = [Path(d) / "fonts" for d in os.environ.get("XDG_DATA_DIRS", "").split(os.pathsep) if d]
    return [*extra, *(Path(d).expanduser() for d in _FONT_DIRS)]


@functools.cache
def _fonts() -> dict[str, dict[int, float]] | None:
    """Each font's advance width per code point, in ems; ``None`` when a font is missing."""
    found: dict[str, Path] = {}
    wanted = {name: kind for kind, name in _FONT_FILES.items()}
    for folder in _font_dirs():
        if not folder.is_dir():
            continue
        for root, _, files in os.walk(folder):
            for name in files:
                if name in wanted and wanted[name] not in found:
                    found[wanted[name]] = Path(root) / name
        if len(found) == len(wanted):
            break
    if len(found) < len(wanted):
        return None
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency; read only when a table is printed

    tables = {}
    for kind, path in found.items():
        font = TTFont(str(path), lazy=True)
        em = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        tables[kind] = {cp: metrics[glyph][0] / em for cp, glyph in font.getBestCmap().items()}
        font.close()
    return tables


def _char_width(advances: dict[int, float], char: str) -> float:
    width = advances.get(ord(char))
    if width is not None:
        return width
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return 0.0
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.7  # set in a fallback font


# --------------------------------------------------------------------------- a cell's words and lines


@dataclass(frozen=True)
class _Style:
    font: str
    size: float


@functools.lru_cache(maxsize=1 << 16)
def _piece(font: str, piece: str) -> tuple[float, float, float, float]:
    """A run of text without a space, in ems: its width, and the widths of its first, widest and last
    parts (it may wrap after a hyphen between letters, «Интернет-|магазин»; a code or a number never,
    «ИМ-048213», «120-45-10»)."""
    fonts = _fonts()
    assert fonts is not None, "measured only when the fonts were found"
    advances = fonts[font]
    parts = [0.0]
    total = 0.0
    last = len(piece) - 1
    for i, char in enumerate(piece):
        width = _char_width(advances, char)
        parts[-1] += width
        total += width
        if char in _HYPHENS and 0 < i < last and piece[i - 1].isalpha() and piece[i + 1].isalpha():
            parts.append(0.0)
    return total, parts[0], max(parts), parts[-1]


_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)([^>]*)>")
_SEPARATORS = re.compile(r"([ \t\n\r\f\u200b]+)")  # a no-break space is no place to wrap
_CLASS = re.compile(r'class="([^"]*)"')


class _Meter:
    """The widest word and the longest line of a cell's markup: the few tags the handout's cells use
    (``br``, ``wbr``, ``code``, ``strong``, ``b``, ``span`` with a class)."""

    def __init__(self, style: _Style) -> None:
        self.stack: list[tuple[str, _Style]] = [("", style)]
        self.word = 0.0  # the unbreakable piece being measured
        self.line = 0.0  # the line being measured, spaces included
        self.widest_word = 0.0
        self.longest_line = 0.0

    def _end_word(self) -> None:
        self.widest_word = max(self.widest_word, self.word)
        self.word = 0.0

    def _end_line(self) -> None:
        self._end_word()
        self.longest_line = max(self.longest_line, self.line)
        self.line = 0.0

    def feed(self, html: str) -> None:
        pos = 0
        for m in _TAG.finditer(html):
            if m.start() > pos:
                self._text(html[pos : m.start()])
            pos = m.end()
            self._tag(m[2].lower(), closing=bool(m[1]), attrs=m[3])
        if pos < len(html):
            self._text(html[pos:])

    def _tag(self, tag: str, closing: bool, attrs: str) -> None:
        if closing:
            for i in range(len(self.stack) - 1, 0, -1):
                if self.stack[i][0] == tag:
                    del self.stack[i:]
                    return
            return
        if tag == "br":
            self._end_line()
            return
        if tag == "wbr":
            self._end_word()
            return
        style = self.stack[-1][1]
        found = _CLASS.search(attrs)
        classes = found[1].split() if found else []
        font, size = style.font, style.size
        if tag in ("strong", "b"):
            font = "bold"
        elif tag == "code":
            font = "mono"
        for cls in classes:
            size = _CLASS_SIZES.get(cls, size) * _CLASS_SCALES.get(cls, 1.0)
        if "sb-line" in classes:  # a line to sign on: a block at least this wide
            self._end_line()
            self.widest_word = max(self.widest_word, _SIGNATURE_LINE)
            self.longest_line = max(self.longest_line, _SIGNATURE_LINE)
        self.stack.append((tag, _Style(font, size)))

    def _text(self, text: str) -> None:
        if "&" in text:
            text = unescape(text)
        style = self.stack[-1][1]
        size = style.size
        for k, part in enumerate(_SEPARATORS.split(text)):
            if k % 2:  # a run of spaces (one, as printed) or a zero-width space: a line may break here
                self._end_word()
                if self.line and part.strip("\u200b"):
                    self.line += _piece(style.font, " ")[0] * size
            elif part:
                total, first, widest, last = _piece(style.font, part)
                if first == total:
                    self.word += total * size
                else:
                    self.word += first * size
                    self._end_word()
                    self.widest_word = max(self.widest_word, widest * size)
                    self.word = last * size
                self.line += total * size

    def result(self) -> tuple[float, float]:
        self._end_line()
        return self.widest_word * _SAFETY, self.longest_line * _SAFETY


@functools.lru_cache(maxsize=1 << 16)
def _measure(html: str, font: str, size: float) -> tuple[float, float]:
    """The widest word and the longest line of a cell's markup, in CSS pixels (a table of many rows
    repeats many cells: a kind, a tick, a system's name)."""
    meter = _Meter(_Style(font, size))
    meter.feed(html)
    return meter.result()


# --------------------------------------------------------------------------- the widths


@dataclass(frozen=True)
class PrintLayout:
    """How a table is printed: the shares (percent of the table's width) of its columns, and the size of its
    text (percent of the handout's table text)."""

    widths: tuple[float, ...]
    scale: int = 100


def print_layout(headers: Sequence[str], rows: Sequence[Sequence[str]], *, wide: bool = False) -> PrintLayout | None:
    """The printed layout of a table, given the HTML of its header cells and of each row's cells (``wide``:
    on a landscape page); ``None`` when the handout's fonts cannot be found."""
    if _fonts() is None or not headers:
        return None
    columns = len(headers)
    least = [0.0] * columns  # the widest word of each column, at the table's text size
    most = [0.0] * columns  # its longest line
    for j, html in enumerate(headers):
        least[j], most[j] = _measure(html, "bold", TABLE_TEXT * HEADER_SCALE)
    for row in rows:
        for j, html in enumerate(row[:columns]):
            word, line = _measure(html, "regular", TABLE_TEXT)
            least[j], most[j] = max(least[j], word), max(most[j], line)
    width = WIDE_PAGE_WIDTH if wide else PAGE_WIDTH
    scale = next((s for s in PRINT_SCALES if sum(w * s / 100 + CELL_EXTRA for w in least) <= width),
                 PRINT_SCALES[-1])
    low = [w * scale / 100 + CELL_EXTRA for w in least]
    high = [max(w * scale / 100 + CELL_EXTRA, floor) for w, floor in zip(most, low, strict=True)]
    if sum(high) <= width:  # every line fits: the room left shared as the lines are long
        widths = [w * width / sum(high) for w in high]
    elif sum(low) <= width:  # every word fits: the room left to the columns with the most to say
        spare = (width - sum(low)) / (sum(high) - sum(low))
        widths = [a + (b - a) * spare for a, b in zip(low, high, strict=True)]
    else:  # not even the words fit at the smallest size: each column as much as its widest word asks
        widths = [w * width / sum(low) for w in low]
    total = sum(widths)
    return PrintLayout(tuple(round(w * 100 / total, 2) for w in widths), scale)


def print_scale_css() -> str:
    """The stylesheet's rule for each smaller size a table may be printed at (:data:`PRINT_SCALES`)."""
    return "".join(f"@media print {{ table.sb-table.sb-print-{s} {{ font-size: {0.9 * s / 100:.4g}rem; }} }}\n"
                   for s in PRINT_SCALES if s < 100)
