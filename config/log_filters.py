"""Logging filters that keep secrets out of log files."""

from __future__ import annotations

import logging
import re

# The vendor portal lives under /v/<invite token>/: the token is a credential, so no log line may
# carry it whole. Django logs the path of every 4xx/5xx response (django.request) and the dev
# server logs every request (django.server).
PORTAL_PATH = re.compile(r"/v/[^/\s?#\"']+")
REDACTED = "/v/<token>"
# A token passed as a query value (`?token=...`) is a credential just the same.
TOKEN_QUERY = re.compile(r"(?i)(\btoken=)[^&;\s#\"']+")
REDACTED_QUERY = r"\1<token>"


def redact_portal_tokens(text: str) -> str:
    return TOKEN_QUERY.sub(REDACTED_QUERY, PORTAL_PATH.sub(REDACTED, text))


class RedactInviteTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_portal_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_portal_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact_portal_tokens(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        # Handlers such as AdminEmailHandler render the request itself: give them none for portal paths.
        request = getattr(record, "request", None)
        if request is not None and PORTAL_PATH.search(getattr(request, "path", "") or ""):
            record.request = None
        return True
