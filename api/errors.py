"""One error format for every API response that is not a success.

    {"errors": [{"path": "sections[0].questions[2].prompt", "message": "...", "code": "..."}]}

`path` points into the request body (dotted keys, [index] for list items; "" for the request as a
whole). DRF's own exceptions, Django ValidationErrors raised by services, 404 and 403 all end up
here, so a client needs one parser.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("django.request")

# Service error codes that mean "refused because of what the object is tied to", not "bad input".
CONFLICT_CODES = {"in_use"}

DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
}


def error(path: str, message: str, code: str = "invalid") -> dict[str, str]:
    return {"path": path, "message": message, "code": code}


class ApiError(exceptions.APIException):
    """Raised by views with ready-made error entries (and, for conflicts, extra body data)."""

    def __init__(self, errors: list[dict[str, str]], *, status_code: int = 400, extra: dict | None = None):
        super().__init__(detail=errors[0]["message"] if errors else "")
        self.status_code = status_code
        self.errors = errors
        self.extra = extra or {}


def _join(path: str, key: Any) -> str:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return f"{path}[{key}]"
    if key in (NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY, None, ""):
        return path
    return f"{path}.{key}" if path else str(key)


def flatten_drf(detail: Any, path: str = "", default_code: str = "invalid") -> list[dict[str, str]]:
    """DRF error details (nested dicts and lists of ErrorDetail) as flat entries with paths."""
    if isinstance(detail, dict):
        return [
            e for key, value in detail.items() for e in flatten_drf(value, _join(path, key), default_code)
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [error(path, str(item), getattr(item, "code", None) or default_code) for item in detail]
        return [e for i, item in enumerate(detail) for e in flatten_drf(item, _join(path, i), default_code)]
    return [error(path, str(detail), getattr(detail, "code", None) or default_code)]


def flatten_django(exc: DjangoValidationError, path: str = "") -> list[dict[str, str]]:
    """A service's ValidationError: field errors keep their field as path."""
    if hasattr(exc, "error_dict"):
        return [
            e
            for field, errors in exc.error_dict.items()
            for e in flatten_django(DjangoValidationError(errors), _join(path, field))
        ]
    entries = []
    for item in exc.error_list:
        message = item.message % item.params if item.params else item.message
        entries.append(error(path, str(message), item.code or "invalid"))
    return entries


def server_error_body() -> dict[str, list[dict[str, str]]]:
    """The body of every API 500, whether a view failed or something before any view ran."""
    return {
        "errors": [error("", "Something went wrong on our side; please try again later.", "server_error")]
    }


def _server_error(exc: Exception, context: dict) -> Response:
    # Logged where Django logs its own 500s, so the error reaches the same handlers and alerts.
    request = context.get("request")
    logger.error(
        "Internal Server Error: %s",
        getattr(request, "path", ""),
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500, "request": getattr(request, "_request", request)},
    )
    response = Response(server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    response._has_been_logged = True  # once, with the traceback: Django's handler would add a bare line
    return response


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        entries = flatten_django(exc)
        in_conflict = entries and all(entry["code"] in CONFLICT_CODES for entry in entries)
        return Response(
            {"errors": entries},
            status=status.HTTP_409_CONFLICT if in_conflict else status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        # A client of the API parses JSON: a server error answers in the error format too.
        return _server_error(exc, context)
    code = DEFAULT_CODES.get(response.status_code, "error")
    if isinstance(exc, ApiError):
        body: dict[str, Any] = {"errors": exc.errors, **exc.extra}
    elif isinstance(exc, exceptions.ValidationError):
        body = {"errors": flatten_drf(exc.detail, default_code=code)}
    else:
        detail = getattr(exc, "detail", None)
        exc_code = getattr(detail, "code", None) if detail is not None else None
        # DRF's generic codes ("not_found", "permission_denied", ...) already say what happened.
        body = {"errors": [error("", str(detail) if detail else response.reason_phrase, exc_code or code)]}
    response.data = body
    return response
