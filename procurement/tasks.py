"""Celery tasks of the evaluation workflow. Thin: load by id, call a service, retry transient errors."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from procurement import notifications
from procurement.models import Evaluation


@shared_task(name="procurement.tasks.send_due_reminders")
def send_due_reminders() -> int:
    """Daily (beat). Idempotent: the reminder log makes a second run the same day send nothing."""
    return notifications.send_due_reminders()


@shared_task(
    name="procurement.tasks.notify_evaluation_submitted",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def notify_evaluation_submitted(evaluation_id: int) -> int:
    evaluation = (
        Evaluation.objects.select_related("owner", "product__vendor").filter(pk=evaluation_id).first()
    )
    if evaluation is None:
        return 0
    return notifications.notify_evaluation_submitted(evaluation=evaluation)
