"""What every log line of a request or a Celery task says about it (never a token).

django-structlog's RequestMiddleware gives each request a request_id and the user_id and writes
one "request_finished" line; the middleware below adds the path (tokens redacted), the client
address as the product reads it, the organization, the status and the duration. The invite id of
a vendor request is bound where the invite is resolved (procurement.services.invites).

Task lines come from the two Celery signal receivers at the end, which run in a worker and in an
eager (in-process) run alike: a task's context is bound for its run and then the caller's context
is restored, so an eager task inside a request leaves the request's own line intact.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import structlog

from accounts.client import client_ip
from config.log_filters import redact_secrets

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

logger = structlog.get_logger("config.tasks")


class RequestLogContextMiddleware:
    """Binds the request's context for every line it logs; placed right after RequestMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        structlog.contextvars.bind_contextvars(
            method=request.method, path=redact_secrets(request.path), ip=client_ip(request)
        )
        response = self.get_response(request)
        structlog.contextvars.bind_contextvars(
            status=response.status_code, duration_ms=round((time.monotonic() - started) * 1000, 1)
        )
        # An API token is read inside the view, after process_view: its member is known only now.
        self._bind_member(request)
        return response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        # The session's user and organization are known once the other middleware ran; bound here,
        # they travel with the tasks the view queues.
        self._bind_member(request)

    @staticmethod
    def _bind_member(request: HttpRequest) -> None:
        bound = structlog.contextvars.get_contextvars()
        user = getattr(request, "user", None)
        if "user_id" not in bound and user is not None and user.is_authenticated:
            structlog.contextvars.bind_contextvars(user_id=user.pk)
        organization = getattr(request, "organization", None)
        # An invite binds its own organization where it is resolved.
        if "organization" not in bound and organization is not None:
            structlog.contextvars.bind_contextvars(organization=organization.slug)


# task id -> (monotonic start, tokens to restore the caller's context)
_running: dict[str, tuple[float, dict[str, Any]]] = {}


def task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    # django-structlog puts the publishing request's context (request_id, user_id, organization,
    # invite_id) in the message headers; a task published by beat or run eagerly has none.
    published = getattr(task.request, "__django_structlog__", None) or {}
    tokens = structlog.contextvars.bind_contextvars(**published, task_id=task_id, task=task.name)
    _running[task_id] = (time.monotonic(), tokens)


def task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any
) -> None:
    started, tokens = _running.pop(task_id, (None, {}))
    duration = round((time.monotonic() - started) * 1000, 1) if started is not None else None
    outcome = (state or "unknown").lower()
    log = logger.warning if outcome in ("failure", "retry") else logger.info
    log("task_finished", outcome=outcome, duration_ms=duration)
    structlog.contextvars.reset_contextvars(**tokens)


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(task_started, weak=False, dispatch_uid="log_context.task_started")
    task_postrun.connect(task_finished, weak=False, dispatch_uid="log_context.task_finished")
