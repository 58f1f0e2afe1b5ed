"""Liveness of the parts the product depends on: database, broker, Celery workers and beat."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "detail": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure means "unhealthy", reported as text
        return {"ok": False, "detail": str(exc)[:200]}


def check_broker() -> dict:
    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "detail": "embedded (tasks run in-process)"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "detail": "reachable"}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": str(exc)[:200]}


def check_workers() -> dict:
    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "detail": "embedded (no separate worker)"}
    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": str(exc)[:200]}
    if not replies:
        return {"ok": False, "detail": "no worker answered"}
    return {"ok": True, "detail": f"{len(replies)} worker(s) answered"}


def check_beat() -> dict:
    """Beat is alive if a worker recorded one of its heartbeats within BEAT_STALE_SECONDS."""
    from django.core.cache import cache

    from config.celery import BEAT_HEARTBEAT_KEY

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "detail": "embedded (no separate beat)"}
    try:
        last = cache.get(BEAT_HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": str(exc)[:200]}
    if last is None:
        return {"ok": False, "detail": "no heartbeat from beat yet"}
    age = max(0.0, time.time() - float(last))
    if age > settings.BEAT_STALE_SECONDS:
        return {
            "ok": False,
            "detail": f"last heartbeat {age:.0f} s ago (stale after {settings.BEAT_STALE_SECONDS:.0f} s)",
        }
    return {"ok": True, "detail": f"last heartbeat {age:.0f} s ago"}


def health_report() -> tuple[bool, dict]:
    database = check_database()
    broker = check_broker()
    workers = check_workers() if broker["ok"] else {"ok": False, "detail": "broker unreachable"}
    report = {"database": database, "broker": broker, "workers": workers, "beat": check_beat()}
    return all(part["ok"] for part in report.values()), report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **report}, status=200 if healthy else 503
    )
