"""Printable documents: HTML to PDF with WeasyPrint (letters to people, filing copies).

One helper for every PDF BreachDesk produces, so notices and filings share the page setup:
A4 by default, page numbers "1 / 3" in the footer, and fonts that cover Latin, Greek and
Arabic (DejaVu Sans, installed with fonts-dejavu-core; Debian's pango and harfbuzz shape
right-to-left text). WeasyPrint never fetches anything from the network here: the URL
fetcher only accepts inline `data:` URIs, so a document can only use what its HTML and CSS carry.
"""

from __future__ import annotations

from breachdesk.errors import DomainError

#: Smallest type size any BreachDesk document uses (California wants no text below 10 pt).
MIN_POINTS = 10

BASE_CSS = f"""
@page {{
  size: A4;
  margin: 22mm 20mm 24mm 20mm;
  @bottom-center {{
    content: counter(page) " / " counter(pages);
    font-family: "DejaVu Sans", sans-serif;
    font-size: {MIN_POINTS}pt;
    color: #444;
  }}
}}
html {{ font-family: "DejaVu Sans", "Noto Sans", sans-serif; font-size: 11pt; line-height: 1.45; }}
html[dir="rtl"] {{ direction: rtl; text-align: right; }}
small, .small, footer {{ font-size: {MIN_POINTS}pt; }}
h1 {{ font-size: 18pt; margin: 0 0 6pt; }}
h2 {{ font-size: 13pt; margin: 14pt 0 4pt; }}
p, li {{ margin: 0 0 6pt; }}
"""


def html_to_pdf(html: str, *, extra_css: str = "") -> bytes:
    """Render an HTML document to PDF bytes with the shared page setup (its <title> and
    <html lang> become the PDF's title and language).

    WeasyPrint is imported here, not at module level: without Debian's Pango the rest of
    BreachDesk still runs, and only a PDF request answers 503 saying what to install."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # WeasyPrint loads libpango with ctypes at import time
        raise DomainError(
            "PDF rendering needs Pango on the server: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core.",
            code="pdf_unavailable",
            status=503,
        ) from exc
    stylesheets = [CSS(string=BASE_CSS)]
    if extra_css:
        stylesheets.append(CSS(string=extra_css))
    fetcher = URLFetcher(allowed_protocols=("data",))  # nothing from disk or network
    document = HTML(string=html, url_fetcher=fetcher, base_url=None)
    return document.write_pdf(stylesheets=stylesheets)
