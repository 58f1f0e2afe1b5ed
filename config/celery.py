"""The Celery application. Tasks live in each app's tasks.py; the beat schedule is the one list below."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _beat_schedule(sender: Celery, **kwargs: object) -> None:
    # Built once the Django settings are loaded (not at import, which runs while they load).
    from django.conf import settings

    sender.conf.beat_schedule = {
        "evaluation-due-reminders": {
            "task": "procurement.tasks.send_due_reminders",
            "schedule": crontab(hour=7, minute=0),
        },
        # The daily summary of notifications for people who chose the digest over one e-mail each.
        "notification-digest": {
            "task": "procurement.tasks.send_notification_digest",
            "schedule": crontab(hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0),
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
    }


@app.task(name="procurement.ping", ignore_result=False)
def ping() -> str:
    """Round trip used by the health check and the worker integration test."""
    return "pong"
