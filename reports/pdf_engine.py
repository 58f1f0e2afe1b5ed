"""WeasyPrint behind the reports: a URL fetcher that serves only the app's static files, and layout.

Imported when a PDF is drawn (see `reports.pdf`), so only the processes that render PDFs load it.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.pdf_resources import INTERNAL_BASE_URL, PDF_VARIANT, RefusedURL, static_path, static_roots


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
            if path.is_file() and any(path.is_relative_to(root) for root in static_roots()):
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
