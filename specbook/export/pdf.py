"""HTML handout to PDF through WeasyPrint: A4, system fonts, and nothing fetched from outside.

The URL fetcher refuses every URL except embedded ``data:`` ones, so no text in a spec or a notebook can
make the renderer read a local file or reach the network.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher

# Laying out a page makes tens of thousands of short-lived objects; with the collector's default of a
# young-generation pass every 700 allocations, its passes over the growing page tree took a sixth of the
# render. During a render it runs every 20,000 (about 70 MB more at the peak of a 33-page handout).
_RENDER_GC_THRESHOLD = 20_000


class EmbeddedOnlyFetcher(URLFetcher):
    """Serves ``data:`` URLs and refuses everything else (a second guard beside ``allowed_protocols``)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: Any = None) -> Any:
        if not url.lower().startswith("data:"):
            raise ValueError(f"refusing to fetch {url[:80]!r}: a handout may only embed data: URLs")
        return super().fetch(url, headers)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], _RENDER_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def warm_up() -> None:
    """Load the fonts a handout prints with and everything a first render sets up."""
    to_pdf('<html><body style="font-family: \'DejaVu Sans\'">a <b>b</b> <code>c</code></body></html>')


def to_pdf(html: str) -> bytes:
    """The PDF of a handout's HTML."""
    fetcher = EmbeddedOnlyFetcher()
    with _fewer_collections():
        document = HTML(string=html, base_url="data:text/html,", url_fetcher=fetcher, media_type="print")
        pdf: bytes = document.write_pdf()
    return pdf
