"""HTML handout to PDF through WeasyPrint: A4, system fonts, and nothing fetched from outside.

The URL fetcher refuses every URL except embedded ``data:`` ones, so no text in a spec or a notebook can
make the renderer read a local file or reach the network.
"""

from __future__ import annotations

from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class EmbeddedOnlyFetcher(URLFetcher):
    """Serves ``data:`` URLs and refuses everything else (a second guard beside ``allowed_protocols``)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: Any = None) -> Any:
        if not url.lower().startswith("data:"):
            raise ValueError(f"refusing to fetch {url[:80]!r}: a handout may only embed data: URLs")
        return super().fetch(url, headers)


def to_pdf(html: str) -> bytes:
    """The PDF of a handout's HTML."""
    fetcher = EmbeddedOnlyFetcher()
    document = HTML(string=html, base_url="data:text/html,", url_fetcher=fetcher, media_type="print")
    pdf: bytes = document.write_pdf()
    return pdf
