"""Celery tasks of the evaluation workflow. Thin: load by id, call a service, retry transient errors."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from kombu.exceptions import OperationalError as BrokerError

from procurement.models import Evaluation
from procurement.services import evidence_expiry, notifications
from procurement.services.invites import invite_email_deliver, invite_email_sweep
from procurement.services.reassessment import reassessments_open_due
from procurement.services.remediation import remediation_send_reminders, remediation_vendor_email_send
from procurement.services.scoring import TRANSIENT_ERRORS, scoring_rescore_chunk, scoring_run, scoring_sweep
from procurement.services.webhooks import webhook_deliver, webhook_sweep


@shared_task(name="procurement.tasks.send_due_reminders")
def send_due_reminders() -> int:
    """Daily (beat). Idempotent: the reminder log makes a second run the same day send nothing."""
    return notifications.send_due_reminders()


@shared_task(
    name="procurement.tasks.check_evidence_expiry",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=3,
)
def check_evidence_expiry() -> dict[str, int]:
    """Daily (beat). Idempotent: reminder log rows and the one-open-finding-per-file constraint."""
    return evidence_expiry.evidence_expiry_daily()


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


@shared_task(
    name="procurement.tasks.send_notification_emails",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Idempotent: a notification already e-mailed is skipped."""
    return notifications.notifications_email(notification_ids=notification_ids)


@shared_task(
    name="procurement.tasks.send_notification_digest",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=3,
)
def send_notification_digest() -> int:
    """Daily (beat). Idempotent: what a digest carried is marked e-mailed."""
    return notifications.notification_digest_send()


@shared_task(name="procurement.tasks.open_due_reassessments", soft_time_limit=300, time_limit=360)
def open_due_reassessments() -> int:
    """Daily (beat). Idempotent: a review cycle opens its re-assessment once, whoever runs first."""
    return reassessments_open_due()


# ---- Scoring ---------------------------------------------------------------------------------

SCORING_RETRY = {
    "autoretry_for": (*TRANSIENT_ERRORS, BrokerError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(
    name="procurement.tasks.score_evaluation",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.SCORING_SOFT_TIME_LIMIT,
    time_limit=settings.SCORING_TIME_LIMIT,
    **SCORING_RETRY,
)
def score_evaluation(score_run_id: int) -> None:
    scoring_run(score_run_id=score_run_id)


@shared_task(
    name="procurement.tasks.rescore_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    # A chunk scores up to RESCORE_CHUNK_SIZE evaluations, one after the other.
    soft_time_limit=settings.SCORING_SOFT_TIME_LIMIT * 5,
    time_limit=settings.SCORING_TIME_LIMIT * 5,
    **SCORING_RETRY,
)
def rescore_chunk(batch_id: int, run_ids: list[int]) -> int:
    return scoring_rescore_chunk(batch_id=batch_id, run_ids=run_ids)


# Both limits are explicit: the global soft limit (240 s) above a hard limit of its own is a
# configuration Celery refuses at publish time, so beat could never send the sweep.
@shared_task(
    name="procurement.tasks.sweep_queued_score_runs",
    acks_late=True,
    soft_time_limit=100,
    time_limit=120,
)
def sweep_queued_score_runs() -> int:
    return scoring_sweep()


# ---- End of scoring --------------------------------------------------------------------------


@shared_task(
    name="procurement.tasks.invite_email_send",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def invite_email_send(invite_id: int, sent_at: str) -> bool:
    """E-mails the personal link of an invite.

    The message carries no token: the worker mints the link (only its hash is stored). A task whose
    send was replaced by a re-send, or whose invite was revoked or expired, sends nothing.
    """
    return invite_email_deliver(invite_id=invite_id, sent_at=sent_at)


@shared_task(name="procurement.tasks.sweep_unmailed_invites", soft_time_limit=100, time_limit=120)
def sweep_unmailed_invites() -> int:
    """Beat: queues again the invite e-mails that never reached the broker."""
    return invite_email_sweep()


# ---- Remediation -----------------------------------------------------------------------------


@shared_task(name="procurement.tasks.send_remediation_reminders", soft_time_limit=100, time_limit=120)
def send_remediation_reminders() -> int:
    """Daily (beat). Idempotent: the remediation reminder log makes a second run send nothing."""
    return remediation_send_reminders()


@shared_task(
    name="procurement.tasks.remediation_vendor_email",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def remediation_vendor_email(item_id: int, event: str) -> int:
    return remediation_vendor_email_send(item_id=item_id, event=event)


# ---- Webhooks --------------------------------------------------------------------------------


@shared_task(name="procurement.tasks.webhook_deliver", acks_late=True, soft_time_limit=60, time_limit=90)
def webhook_deliver_task(delivery_id: int) -> bool:
    """One attempt at a webhook delivery. Only the delivery's id travels: never the payload or secret.

    Retries are not Celery's: a failed attempt stores when the next is due and queues it (with a
    countdown); the beat sweep picks up any whose message was lost.
    """
    return webhook_deliver(delivery_id=delivery_id) is not None


@shared_task(name="procurement.tasks.sweep_webhook_deliveries", soft_time_limit=100, time_limit=120)
def sweep_webhook_deliveries() -> int:
    """Beat: queues again the due webhook deliveries that never reached a worker."""
    return webhook_sweep()
