"""Logging filters and structlog processors that keep secrets out of log files."""

from __future__ import annotations

import logging
import re
from typing import Any

# The vendor portal lives under /v/<invite token>/: the token is a credential, so no log line may
# carry it whole. Django logs the path of every 4xx/5xx response (django.request) and the dev
# server logs every request (django.server).
PORTAL_PATH = re.compile(r"/v/[^/\s?#\"']+")
REDACTED = "/v/<token>"
# A token passed as a query value (`?token=...`) is a credential just the same, and so are the
# authorization code and state an identity provider sends back to the single sign-on callback.
TOKEN_QUERY = re.compile(r"(?i)(\b(?:token|code|state)=)[^&;\s#\"']+")
REDACTED_QUERY = r"\1<token>"
# Personal API tokens carry a recognisable prefix (accounts.services.api_tokens.TOKEN_PREFIX); one
# pasted into a message or an exception is cut down to that prefix.
API_TOKEN = re.compile(r"\bdd_[A-Za-z0-9_-]{16,}")
REDACTED_API_TOKEN = "dd_<token>"


def redact_portal_tokens(text: str) -> str:
    return TOKEN_QUERY.sub(REDACTED_QUERY, PORTAL_PATH.sub(REDACTED, text))


def redact_secrets(text: str) -> str:
    """Invite tokens in paths and queries, and personal API tokens anywhere in the text."""
    return API_TOKEN.sub(REDACTED_API_TOKEN, redact_portal_tokens(text))


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_secrets(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_redacted(item) for item in value]
    # Anything else (a request object, an exception) would be rendered with repr(), which may
    # name a portal URL: render it here, redacted.
    return redact_secrets(repr(value))


# exc_info is left for the exception formatter (whose text this processor sees again when it runs
# after format_exc_info); the other two are ProcessorFormatter's own bookkeeping.
_UNTOUCHED = frozenset({"exc_info", "_record", "_from_structlog"})


def redact_event(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the same redaction over every value of an event."""
    return {key: value if key in _UNTOUCHED else _redacted(value) for key, value in event_dict.items()}


class RedactInviteTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_secrets(v) if isinstance(v, str) else v for k, v in record.args.items()}
        # Handlers such as AdminEmailHandler render the request itself: give them none for portal paths.
        request = getattr(record, "request", None)
        if request is not None and PORTAL_PATH.search(getattr(request, "path", "") or ""):
            record.request = None
        return True
