"""Celery tasks of the vendor directory and invite links. Thin: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from vendors.services import invite_email_deliver


@shared_task(
    name="vendors.tasks.invite_email_send",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def invite_email_send(invite_id: int, token: str) -> bool:
    """E-mails the personal link of an invite.

    The clear token travels as an argument because the database stores only its hash: there is no
    other way for the worker to build the link. The service refuses a token that is no longer the
    invite's current one, so a retried or stale task never sends a dead or superseded link.
    """
    return invite_email_deliver(invite_id=invite_id, token=token)
