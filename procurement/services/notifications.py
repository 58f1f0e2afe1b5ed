"""Telling people what happened: due-date reminders, in-app notifications and their e-mails.

Every event a member should act on becomes an in-app Notification, whatever their e-mail choice;
the e-mail goes out at once, in the daily digest, or not at all, as each person chose.
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

from accounts.models import User
from procurement.models import AuditEvent, ClarificationRequest, Evaluation, Notification, ReminderLog
from procurement.queue import enqueue_or_run_on_commit
from procurement.services.audit import audit_record

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.http import HttpRequest

    from accounts.models import Organization

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
    """Tells the owner and the assigned reviewers that the vendor has submitted.

    Whoever asked for a clarification that this submission answered hears about that too. Returns
    the number of e-mails sent now.
    """
    people = [evaluation.owner, *(a.reviewer for a in evaluation.assignments.select_related("reviewer"))]
    link = evaluation.get_absolute_url()
    submitted = notifications_create(
        recipients=people,
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=Notification.Kind.EVALUATION_SUBMITTED,
        message=f"{evaluation.product.vendor} submitted the questionnaire for {evaluation.product}.",
        link=link,
        email=False,
    )
    answered = (
        ClarificationRequest.objects.filter(
            evaluation=evaluation, resolved_at__isnull=False, resolved_at__gte=evaluation.submitted_at
        ).select_related("requested_by")
        if evaluation.submitted_at
        else []
    )
    # Each person who asked is sent to the first question they asked about, in the review workspace.
    first_asked: dict[int, ClarificationRequest] = {}
    for c in sorted(answered, key=lambda c: c.pk):
        first_asked.setdefault(c.requested_by_id, c)
    message = f"{evaluation.product.vendor} answered your clarification request on {evaluation.product}."
    clarified = [
        n
        for c in first_asked.values()
        for n in notifications_create(
            recipients=[c.requested_by],
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=Notification.Kind.CLARIFICATION_ANSWERED,
            message=message,
            link=evaluation.get_question_url(c.question_id),
            email=False,
        )
    ]
    sent = notifications_email(notification_ids=[n.pk for n in clarified])
    immediate = [n for n in submitted if _wants_immediate(n.recipient)]
    to = list(dict.fromkeys(n.recipient.email for n in immediate))
    if not to:
        return sent
    send_email(
        template="evaluation_submitted",
        subject=f"Submitted: {evaluation.product} by {evaluation.product.vendor}",
        to=to,
        context={"evaluation": evaluation, "link": absolute_url(link)},
    )
    Notification.objects.filter(pk__in=[n.pk for n in immediate]).update(emailed_at=timezone.now())
    return sent + len(to)


# ---------------------------------------------------------------------------------------------
# In-app notifications and their e-mails
# ---------------------------------------------------------------------------------------------

DIGEST_LOOKBACK = datetime.timedelta(days=2)


def _wants_immediate(user: User) -> bool:
    return bool(user.email) and user.email_notifications == User.EmailNotifications.IMMEDIATE


def notifications_create(
    *,
    recipients: Iterable[User | None],
    organization: Organization,
    evaluation: Evaluation | None,
    kind: str,
    message: str,
    link: str,
    email: bool = True,
) -> list[Notification]:
    """One in-app notification per person; with `email`, their e-mails are sent after the commit."""
    people = list({u.pk: u for u in recipients if u is not None}.values())
    rows = Notification.objects.bulk_create(
        Notification(
            organization=organization,
            recipient=person,
            evaluation=evaluation,
            kind=kind,
            message=message[:300],
            link=link,
        )
        for person in people
    )
    immediate = [n.pk for n in rows if _wants_immediate(n.recipient)]
    if email and immediate:
        enqueue_or_run_on_commit("procurement.tasks.send_notification_emails", immediate)
    return rows


def notifications_email(*, notification_ids: Iterable[int]) -> int:
    """E-mails each not yet e-mailed notification to a person who chose immediate e-mails."""
    sent = 0
    for notification_id in notification_ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("recipient", "organization")
                .filter(pk=notification_id, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not _wants_immediate(notification.recipient):
                continue
            # Marked first and sent inside the transaction: a failed send rolls the mark back.
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            send_email(
                template="notification",
                subject=f"{notification.get_kind_display()}: {notification.message}"[:200],
                to=[notification.recipient.email],
                context={"notification": notification, "link": absolute_url(notification.link)},
            )
            sent += 1
    return sent


def notification_digest_send(*, now: datetime.datetime | None = None) -> int:
    """Sends each digest reader one e-mail with their notifications not e-mailed yet.

    Only the last two days are gathered, so a missed day is caught up but switching from "off" to
    the digest does not mail a backlog. Returns the number of digests sent.
    """
    now = now or timezone.now()
    rows = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - DIGEST_LOOKBACK,
            created_at__lte=now,
            recipient__email_notifications=User.EmailNotifications.DAILY_DIGEST,
        )
        .exclude(recipient__email="")
        .select_related("recipient", "organization")
        .order_by("recipient_id", "created_at", "id")
    )
    by_person: dict[int, list[Notification]] = {}
    for row in rows:
        by_person.setdefault(row.recipient_id, []).append(row)
    sent = 0
    for items in by_person.values():
        person = items[0].recipient
        with transaction.atomic():
            # A concurrent run (or yesterday's retry) may have mailed some of them already.
            marked = Notification.objects.filter(
                pk__in=[n.pk for n in items], emailed_at__isnull=True
            ).update(emailed_at=now)
            if marked != len(items):
                transaction.set_rollback(True)
                continue
            send_email(
                template="notification_digest",
                subject=f"Your daily summary: {len(items)} update{'s' if len(items) != 1 else ''}",
                to=[person.email],
                context={
                    "person": person,
                    "items": [(n, absolute_url(n.link)) for n in items],
                },
            )
            sent += 1
    return sent


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User, organization: Organization) -> int:
    """Marks every unread notification of this person in this organization as read."""
    return Notification.objects.for_recipient(user, organization).unread().update(read_at=timezone.now())
