"""Log output: one JSON object per line in production, readable console lines in the embedded default.

Records from structlog loggers (django-structlog's request and task lines) and from the standard
library (Django, Celery, the product's own modules) go through the same chain, so every line has
the request or task context bound to it, and every line is redacted the same way.
"""

from __future__ import annotations

import sys
from typing import Any

import structlog

from config.log_filters import redact_event

# Added to records of the standard library as well as to structlog's own events.
_PRE_CHAIN: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.PositionalArgumentsFormatter(),
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
]


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_PRE_CHAIN,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            # Redacted before the event becomes a LogRecord: handlers that read the record itself
            # (pytest's caplog, sentry's breadcrumbs) see no token either.
            redact_event,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting for "json" (production) or "console" (the embedded default and tests)."""
    if log_format not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be json or console, not {log_format!r}")
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_invite_tokens": {"()": "config.log_filters.RedactInviteTokens"}},
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": _PRE_CHAIN,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    # Again after the traceback became text: an exception message may quote a URL.
                    redact_event,
                    renderer,
                ],
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["redact_invite_tokens"],
                "formatter": "structured",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Filters on the loggers that write request paths, so every handler gets the redacted record.
            "django.request": {"filters": ["redact_invite_tokens"]},
            "django.security.csrf": {"filters": ["redact_invite_tokens"]},
            # WeasyPrint narrates every step of every PDF ("Step 2 - Fetching and parsing CSS") at
            # INFO, including while a management command merely imports the report templates.
            "weasyprint.progress": {"level": "WARNING"},
            # fontTools (font subsetting where HarfBuzz-Subset is missing) logs about 90 lines a PDF.
            "fontTools": {"level": "WARNING"},
        },
    }
