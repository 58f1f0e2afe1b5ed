"""E-mails about evaluations: due-date reminders and 'the vendor has submitted'.

Every message has a plain-text and an HTML part rendered from templates/emails/<name>.txt|.html.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation, ReminderLog
from procurement.services.audit import audit_record

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.http import HttpRequest

    from accounts.models import User

logger = logging.getLogger(__name__)

# Days before the due date on which a reminder goes out; a missed day is caught up the next day.
DEFAULT_REMINDER_DAYS = (7, 1)


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send_email(*, template: str, subject: str, to: Iterable[str], context: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(to))
    message.attach_alternative(html, "text/html")
    message.send()


def reminder_kind(due_date: datetime.date, today: datetime.date, days: Iterable[int]) -> str | None:
    """Which reminder is due today: the closest threshold already reached, or 'overdue'."""
    if due_date < today:
        return "overdue"
    left = (due_date - today).days
    reached = [d for d in days if left <= d]
    return f"due_{min(reached)}" if reached else None


def _recipients(evaluation: Evaluation) -> list[tuple[str, str]]:
    """(e-mail, audience) for the owner and, while the vendor can still answer, active invitees."""
    recipients = []
    if evaluation.owner.email:
        recipients.append((evaluation.owner.email, "owner"))
    if evaluation.is_vendor_editable:
        now = timezone.now()
        for invite in evaluation.invites.all():
            if invite.revoked_at is None and invite.expires_at > now:
                recipients.append((invite.contact.email, "vendor"))
    return list(dict.fromkeys(recipients))


def send_due_reminders(*, today: datetime.date | None = None) -> int:
    """Sends each due reminder once per recipient and due date. Returns the number of e-mails sent."""
    today = today or timezone.localdate()
    days = tuple(getattr(settings, "EVALUATION_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))
    horizon = today + datetime.timedelta(days=max(days, default=0))
    evaluations = (
        Evaluation.objects.open()
        .exclude(status=Evaluation.Status.DRAFT)
        .filter(due_date__isnull=False, due_date__lte=horizon)
        .select_related("owner", "product__vendor", "organization")
        .prefetch_related("invites__contact")
    )
    sent = 0
    for evaluation in evaluations:
        kind = reminder_kind(evaluation.due_date, today, days)
        if kind is None:
            continue
        for email, audience in _recipients(evaluation):
            sent += _send_reminder_once(
                evaluation=evaluation, kind=kind, email=email, audience=audience, today=today
            )
    return sent


def _send_reminder_once(
    *, evaluation: Evaluation, kind: str, email: str, audience: str, today: datetime.date
) -> int:
    try:
        # The log row is written first and the e-mail sent inside the same transaction: a failed
        # send rolls the row back and is retried tomorrow; a second run finds the row and skips.
        with transaction.atomic():
            ReminderLog.objects.create(
                organization=evaluation.organization,
                evaluation=evaluation,
                kind=kind,
                due_date=evaluation.due_date,
                recipient=email,
            )
            overdue = kind == "overdue"
            link = (
                absolute_url(evaluation.get_absolute_url()) if audience == "owner" else ""
            )  # vendors keep using their personal invite link
            send_email(
                template="due_reminder",
                subject=(
                    f"{'Overdue' if overdue else 'Due soon'}: due-diligence questionnaire for "
                    f"{evaluation.product} (due {evaluation.due_date:%Y-%m-%d})"
                ),
                to=[email],
                context={
                    "evaluation": evaluation,
                    "audience": audience,
                    "overdue": overdue,
                    "days_left": (evaluation.due_date - today).days,
                    "link": link,
                },
            )
    except IntegrityError:
        return 0
    return 1


@transaction.atomic
def reminder_send(*, evaluation: Evaluation, user: User, request: HttpRequest | None = None) -> int:
    """A reminder sent by hand to the vendor contacts whose link is open; audited. Returns how many.

    Unlike the daily reminders it is not logged against a due date: an officer may nudge again.
    """
    if not evaluation.is_vendor_editable:
        raise ValidationError("The vendor has nothing left to answer; no reminder was sent.")
    contacts = [email for email, audience in _recipients(evaluation) if audience == "vendor"]
    if not contacts:
        raise ValidationError("No vendor link is open; re-send the invites instead.")
    today = timezone.localdate()
    overdue = bool(evaluation.due_date and evaluation.due_date < today)
    due = f" (due {evaluation.due_date:%Y-%m-%d})" if evaluation.due_date else ""
    for email in contacts:
        send_email(
            template="due_reminder",
            subject=(
                f"{'Overdue' if overdue else 'Reminder'}: due-diligence questionnaire for "
                f"{evaluation.product}{due}"
            ),
            to=[email],
            context={
                "evaluation": evaluation,
                "audience": "vendor",
                "overdue": overdue,
                "days_left": (evaluation.due_date - today).days if evaluation.due_date else None,
                "link": "",
            },
        )
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.REMINDER_SENT,
        summary=f"Reminder e-mailed to {len(contacts)} vendor contact{'s' if len(contacts) != 1 else ''}",
        user=user,
        request=request,
        data={"recipients": len(contacts)},
    )
    return len(contacts)


def notify_evaluation_submitted(*, evaluation: Evaluation) -> int:
    """Tells the owner and the assigned reviewers that the vendor has submitted."""
    people = [evaluation.owner, *(a.reviewer for a in evaluation.assignments.select_related("reviewer"))]
    to = list(dict.fromkeys(p.email for p in people if p.email))
    if not to:
        return 0
    send_email(
        template="evaluation_submitted",
        subject=f"Submitted: {evaluation.product} by {evaluation.product.vendor}",
        to=to,
        context={"evaluation": evaluation, "link": absolute_url(evaluation.get_absolute_url())},
    )
    return len(to)
