"""What a report's PDF may load: the app's own static files, found on disk, and nothing else."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.contrib.staticfiles import finders

# PDF/UA-1 makes WeasyPrint write a tagged PDF (structure tree, reading order, language).
PDF_VARIANT = "pdf/ua-1"
# Base URL given to WeasyPrint when the caller has no request at hand; it is never contacted.
INTERNAL_BASE_URL = "https://reports.internal/"


class RefusedURL(ValueError):
    """A document asked for a resource outside the app's static files."""


def static_roots() -> list[Path]:
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
