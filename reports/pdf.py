"""The report documents as HTML, and their rendering to PDF, closed to the network.

The only resources a report may load are the app's own static files (the print stylesheet) and
inline `data:` URLs. Everything else, remote or local, is refused before any I/O happens, so a
URL that slipped into a document could never make the server fetch it (`reports.pdf_engine`).

WeasyPrint itself (about 30 MB of memory once imported) is loaded by the first PDF drawn, not by
every web worker that merely imports the reports app.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from django.conf import settings
from django.template.loader import render_to_string

from reports.pdf_resources import INTERNAL_BASE_URL, PDF_VARIANT

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher


def render_pdf(html: str, *, base_url: str = INTERNAL_BASE_URL, fetcher: URLFetcher | None = None) -> bytes:
    """A tagged PDF of the HTML. Title, author and subject come from its <title> and <meta> tags."""
    from reports.pdf_engine import layout_pdf

    return layout_pdf(html, base_url=base_url, fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)


TEMPLATES = {
    "due_diligence": "reports/pdf/due_diligence.html",
    "vendor_answers": "reports/pdf/vendor_answers.html",
    "comparison": "reports/pdf/comparison.html",
}


def template_files() -> list[Path]:
    """Every file that shapes a PDF; their contents are part of a report's content hash."""
    base = Path(settings.BASE_DIR)
    return [
        *sorted((base / "templates" / "reports" / "pdf").glob("*.html")),
        base / "static" / "css" / "print.css",
    ]


def render_report_html(kind: str, context: dict[str, Any], *, generated_at: str = "") -> str:
    return render_to_string(
        TEMPLATES[kind], {"report": context, "generated_at": generated_at, "base_url": INTERNAL_BASE_URL}
    )


def absolute_static(path: str) -> str:
    return urljoin(INTERNAL_BASE_URL, (settings.STATIC_URL or "/static/") + path)
