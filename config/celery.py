"""The Celery application. Tasks live in each app's tasks.py; the beat schedule is the one list below."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "evaluation-due-reminders": {
        "task": "procurement.tasks.send_due_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Outbox for scoring: runs queued while the broker was down, or stuck on a dead worker.
    "sweep-queued-score-runs": {
        "task": "procurement.tasks.sweep_queued_score_runs",
        "schedule": 60.0,
    },
}


@app.task(name="procurement.ping", ignore_result=False)
def ping() -> str:
    """Round trip used by the health check and the worker integration test."""
    return "pong"
