"""Optional error reporting to Sentry (SENTRY_DSN), off by default.

What leaves the process is the error's type, message and stack trace, with the request's method,
route and redacted URL. Nothing a vendor or member typed does: request bodies, cookies, credentials,
local variables and SQL are never attached, and every remaining string is scrubbed of invite
tokens, API tokens and file names (evidence files are named by the vendor and may say what they
contain) by `scrub_event`, which runs last, on every event and breadcrumb.
"""

from __future__ import annotations

import re
from typing import Any

from config.log_filters import redact_secrets

FILTERED = "[Filtered]"
# Names of evidence files and exports, wherever they are quoted (a message, a breadcrumb, a path).
FILE_NAME = re.compile(r"[^\s/\\'\"<>()\[\]{},;:=]+\.(?:pdf|docx?|xlsx?|csv|png|jpe?g|txt)\b", re.IGNORECASE)
REDACTED_FILE = "<file>"
# Keys whose values are answers, credentials or uploads, at any depth of an event.
SENSITIVE_KEYS = frozenset(
    {
        "answer",
        "answers",
        "authorization",
        "cookie",
        "cookies",
        "csrfmiddlewaretoken",
        "data",
        "file",
        "filename",
        "files",
        "original_name",
        "password",
        "proxy-authorization",
        "secret",
        "sessionid",
        "set-cookie",
        "token",
        "value",
        "vars",
        "x-csrftoken",
    }
)


def scrub_text(text: str) -> str:
    return FILE_NAME.sub(REDACTED_FILE, redact_secrets(text))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: FILTERED if str(key).lower() in SENSITIVE_KEYS and item else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Headers arrive as [name, value] pairs in some integrations.
        if len(value) == 2 and isinstance(value[0], str) and value[0].lower() in SENSITIVE_KEYS:
            return [value[0], FILTERED]
        return [_scrub(item) for item in value]
    return value


def _drop_sql(breadcrumbs: Any) -> Any:
    # Query breadcrumbs name tables and, in some drivers, the parameters: answers and token hashes.
    if isinstance(breadcrumbs, dict) and isinstance(breadcrumbs.get("values"), list):
        return {**breadcrumbs, "values": [b for b in breadcrumbs["values"] if b.get("category") != "query"]}
    return breadcrumbs


def _scrub_exception(item: dict[str, Any]) -> dict[str, Any]:
    message = item.get("value")
    scrubbed = _scrub({k: v for k, v in item.items() if k != "value"})
    if isinstance(message, str):
        scrubbed["value"] = scrub_text(message)
    return scrubbed


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send: the event with nothing that identifies a vendor's work or a credential."""
    event = dict(event)
    request = event.get("request")
    if isinstance(request, dict):
        request = dict(request)
        # Form posts are answers; uploads are the evidence itself.
        request.pop("data", None)
        request.pop("cookies", None)
        event["request"] = request
    if "breadcrumbs" in event:
        event["breadcrumbs"] = _drop_sql(event["breadcrumbs"])
    # The exceptions' messages and stack traces are what the report is for: kept, scrubbed as text.
    # Elsewhere a "value" is what someone entered.
    exception = event.pop("exception", None)
    event = _scrub(event)
    if isinstance(exception, dict) and isinstance(exception.get("values"), list):
        event["exception"] = {
            **_scrub({k: v for k, v in exception.items() if k != "values"}),
            "values": [_scrub_exception(item) for item in exception["values"]],
        }
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any] | None:
    if crumb.get("category") == "query":
        return None
    return _scrub(crumb)


def init_error_reporting(*, dsn: str, environment: str, release: str | None, sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        sample_rate=sample_rate,
        integrations=[DjangoIntegration(transaction_style="url"), CeleryIntegration()],
        # No user, address, cookies or headers beyond the denylist's; no request bodies, no query
        # parameters, no SQL parameters, no local variables of the failing frames.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        # Errors only: no performance tracing, no profiles.
        traces_sample_rate=0.0,
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )
