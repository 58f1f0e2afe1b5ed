"""PDF rendering with WeasyPrint, closed to the network.

The only resources a report may load are the app's own static files (the print stylesheet) and
inline `data:` URLs. Everything else, remote or local, is refused before any I/O happens, so a
URL that slipped into a document could never make the server fetch it.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

# PDF/UA-1 makes WeasyPrint write a tagged PDF (structure tree, reading order, language).
PDF_VARIANT = "pdf/ua-1"
# Base URL given to WeasyPrint when the caller has no request at hand; it is never contacted.
INTERNAL_BASE_URL = "https://reports.internal/"


class RefusedURL(ValueError):
    """A document asked for a resource outside the app's static files."""


def _static_roots() -> list[Path]:
    roots = [Path(d if isinstance(d, str | Path) else d[1]).resolve() for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def static_path(relative: str) -> Path | None:
    """The file on disk behind a static path, or None if it is not one of the app's static files."""
    relative = unquote(relative).lstrip("/")
    if not relative or ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    if found:
        return Path(found).resolve()
    if settings.STATIC_ROOT:
        candidate = (Path(settings.STATIC_ROOT) / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(Path(settings.STATIC_ROOT).resolve()):
            return candidate
    return None


class StaticOnlyURLFetcher(URLFetcher):
    """Serves `/static/...` from disk and `data:` inline; refuses every other URL.

    `requested` records every URL asked for, which lets tests prove that nothing remote was tried.
    """

    def __init__(self, *, base_url: str = INTERNAL_BASE_URL, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=("data",), **kwargs)
        base = urlsplit(base_url)
        self.origin = (base.scheme, base.netloc)
        self.requested: list[str] = []

    def resolve(self, url: str) -> Path:
        """The static file a URL names, or RefusedURL."""
        parts = urlsplit(url)
        static_url = settings.STATIC_URL or "/static/"
        if parts.scheme in ("http", "https"):
            # Only the app's own origin, and only its static prefix; read from disk, never fetched.
            if (parts.scheme, parts.netloc) == self.origin and parts.path.startswith(static_url):
                path = static_path(parts.path[len(static_url) :])
                if path is not None:
                    return path
        elif parts.scheme == "file":
            path = Path(url2pathname(unquote(parts.path))).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in _static_roots()):
                return path
        raise RefusedURL(f"Refused to load {url!r}: reports may only use the app's static files.")

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        if urlsplit(url).scheme == "data":
            return super().fetch(url, headers)
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


def layout_pdf(
    html: str, *, base_url: str = INTERNAL_BASE_URL, fetcher: URLFetcher | None = None
) -> Document:
    """The HTML laid out in pages, as the PDF will show it; its boxes can be inspected."""
    fetcher = fetcher or StaticOnlyURLFetcher(base_url=base_url)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(pdf_variant=PDF_VARIANT)


def render_pdf(html: str, *, base_url: str = INTERNAL_BASE_URL, fetcher: URLFetcher | None = None) -> bytes:
    """A tagged PDF of the HTML. Title, author and subject come from its <title> and <meta> tags."""
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
