"""The Celery application. Tasks live in each app's tasks.py; the beat schedule is the one list below."""

from __future__ import annotations

import logging
import os
import time

from celery import Celery, signals
from celery.schedules import crontab

from config.log_context import connect_task_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
connect_task_signals()


@signals.setup_logging.connect
def _keep_django_logging(**kwargs: object) -> None:
    """With a receiver here, Celery leaves logging as Django's LOGGING setting configured it.

    Warnings (such as Celery's own at start-up) become log records too, so that with LOG_FORMAT=json
    a worker writes nothing but JSON lines (start it with `celery --quiet` to drop the banner).
    """
    logging.captureWarnings(True)


@app.on_after_configure.connect
def _beat_schedule(sender: Celery, **kwargs: object) -> None:
    # Built once the Django settings are loaded (not at import, which runs while they load).
    from django.conf import settings

    def _daily(at: crontab) -> crontab | float:
        return float(settings.LIFECYCLE_CHECK_SECONDS) if settings.LIFECYCLE_CHECK_SECONDS else at

    sender.conf.beat_schedule = {
        "evaluation-due-reminders": {
            "task": "procurement.tasks.send_due_reminders",
            "schedule": crontab(hour=7, minute=0),
        },
        # Remediation items due in 7 and 1 days, then overdue and weekly after that.
        "remediation-reminders": {
            "task": "procurement.tasks.send_remediation_reminders",
            "schedule": _daily(crontab(hour=7, minute=15)),
        },
        # Evidence over time: expiry reminders (60/30/7 days) and findings on approved products.
        "evidence-expiry": {
            "task": "procurement.tasks.check_evidence_expiry",
            "schedule": _daily(crontab(hour=6, minute=30)),
        },
        # The daily summary of notifications for people who chose the digest over one e-mail each.
        "notification-digest": {
            "task": "procurement.tasks.send_notification_digest",
            "schedule": crontab(hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0),
        },
        # Re-assessments of approved products whose review date is near (idempotent per cycle).
        "open-due-reassessments": {
            "task": "procurement.tasks.open_due_reassessments",
            "schedule": _daily(crontab(hour=settings.REASSESSMENT_HOUR, minute=15)),
        },
        # Outbox for scoring: runs queued while the broker was down, or stuck on a dead worker.
        "sweep-queued-score-runs": {
            "task": "procurement.tasks.sweep_queued_score_runs",
            "schedule": float(settings.SCORING_SWEEP_SECONDS),
        },
        # Outbox for invite e-mails: links saved while the broker was down are mailed once it is back.
        "sweep-unmailed-invites": {
            "task": "procurement.tasks.sweep_unmailed_invites",
            "schedule": float(settings.INVITE_EMAIL_SWEEP_SECONDS),
        },
        # Outbox for webhooks: deliveries saved while the broker was down, or whose retry was lost.
        "sweep-webhook-deliveries": {
            "task": "procurement.tasks.sweep_webhook_deliveries",
            "schedule": float(settings.WEBHOOK_SWEEP_SECONDS),
        },
        # Proof for /healthz that beat is alive. A heartbeat that waited in the queue longer than
        # one interval is dropped, so a backlog released by a returning worker cannot fake a beat.
        "beat-heartbeat": {
            "task": "config.beat_heartbeat",
            "schedule": float(settings.BEAT_HEARTBEAT_SECONDS),
            "options": {"expires": float(settings.BEAT_HEARTBEAT_SECONDS)},
        },
    }


@app.task(name="procurement.ping", ignore_result=False)
def ping() -> str:
    """Round trip used by the health check and the worker integration test."""
    return "pong"


# Where the last heartbeat sent by beat is kept (the shared cache: Redis wherever beat runs).
BEAT_HEARTBEAT_KEY = "health:beat-heartbeat"


@app.task(name="config.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> float:
    """Sent by beat every BEAT_HEARTBEAT_SECONDS; records when, for the health check."""
    from django.core.cache import cache

    now = time.time()
    cache.set(BEAT_HEARTBEAT_KEY, now, timeout=24 * 60 * 60)
    return now
