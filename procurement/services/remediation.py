"""Remediation items: opened from findings or conditions, answered by the vendor, closed by officers.

Decisions taken here:
- The conditions of an "approved with conditions" decision become remediation items at once (on
  our side, owned by the condition's owner, blocking); findings become items only when an officer
  picks them.
- Closing (accepting or waiving) the last blocking item of an evaluation approved with conditions
  lifts the decision to "approved" at once, with its own audit row; the earlier decision stays in
  the audit timeline.
- A vendor-side item keeps the vendor's links open until its due date plus the grace days; revoked
  links stay dead.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement.models import (
    AuditEvent,
    DecisionCondition,
    Evaluation,
    Finding,
    Invite,
    Notification,
    RemediationItem,
    RemediationMessage,
    RemediationReminderLog,
)
from procurement.queue import enqueue_or_run_on_commit
from procurement.services.audit import actor_label, audit_record
from procurement.services.evidence import evidence_storage_name
from procurement.services.notifications import absolute_url, notifications_create, send_email
from procurement.services.webhooks import evaluation_event_data, webhook_event_emit
from procurement.stored_files import delete_file, store_file
from procurement.uploads import detect_type, display_name

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

    from accounts.models import User
    from vendors.models import Contact

logger = logging.getLogger(__name__)

R = RemediationItem.Status
# Days before the due date on which a remediation reminder goes out; after it, weekly.
REMINDER_DAYS = (7, 1)
# Where the vendor can still answer remediation items: anything but archived.
CLOSED_EVALUATION = (Evaluation.Status.ARCHIVED,)


def _ensure_open_evaluation(evaluation: Evaluation) -> None:
    if evaluation.status in CLOSED_EVALUATION:
        raise ValidationError("An archived evaluation takes no remediation.", code="archived")


def _audit(item: RemediationItem, kind: str, summary: str, *, user=None, contact=None, request=None, **data):
    return audit_record(
        organization=item.organization,
        evaluation=item.evaluation,
        kind=kind,
        summary=summary,
        user=user,
        contact=contact,
        request=request,
        data={"item": str(item.public_id), **data},
    )


def _notify(item: RemediationItem, message: str, *, recipients: Iterable[User | None], actor=None) -> None:
    people = [p for p in recipients if p is not None and (actor is None or p.pk != actor.pk)]
    if people:
        notifications_create(
            recipients=people,
            organization=item.organization,
            evaluation=item.evaluation,
            kind=Notification.Kind.REMEDIATION,
            message=message,
            link=item.get_absolute_url(),
        )


def _tell_vendor(item: RemediationItem, event: str) -> None:
    """E-mails the vendor's contacts about their item, after the commit (never the internal notes)."""
    if item.side == RemediationItem.Side.VENDOR:
        enqueue_or_run_on_commit("procurement.tasks.remediation_vendor_email", item.pk, event)


def remediation_extend_links(*, evaluation: Evaluation, until: datetime.date | None) -> int:
    """Keeps the vendor's own (not delegated, not revoked) links working while items are open."""
    floor = timezone.now() + datetime.timedelta(days=settings.INVITE_EXPIRY_DAYS)
    if until is not None:
        last_day = until + datetime.timedelta(days=settings.INVITE_GRACE_DAYS)
        end = datetime.datetime.combine(last_day, datetime.time(23, 59, 59))
        floor = max(floor, timezone.make_aware(end))
    return Invite.objects.filter(
        evaluation=evaluation, revoked_at__isnull=True, delegated_from__isnull=True, expires_at__lt=floor
    ).update(expires_at=floor)


def _open(
    *,
    evaluation: Evaluation,
    user: User,
    request: HttpRequest | None,
    notify: bool = True,
    **fields: Any,
) -> RemediationItem:
    now = timezone.now()
    item = RemediationItem.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        product_id=evaluation.product_id,
        created_by=user,
        created_at=now,
        updated_at=now,
        **fields,
    )
    side = item.get_side_display().lower()
    _audit(
        item,
        AuditEvent.Kind.REMEDIATION_OPENED,
        f"Remediation item opened ({side} side): {item.title}",
        user=user,
        request=request,
        source=item.source,
        finding=item.finding_code,
        condition_id=item.condition_id,
        side=item.side,
        due_date=str(item.due_date or ""),
        blocking=item.blocking,
    )
    if item.side == RemediationItem.Side.VENDOR:
        remediation_extend_links(evaluation=evaluation, until=item.due_date)
    if notify:
        _notify(
            item,
            f"Remediation item for {evaluation.product}: {item.title}",
            recipients=[item.owner],
            actor=user,
        )
        _tell_vendor(item, "opened")
    return item


def _validate_common(*, side: str, owner: User | None, evaluation: Evaluation) -> None:
    if side not in RemediationItem.Side.values:
        raise ValidationError({"side": "Choose the vendor's side or ours."})
    if owner is not None and not owner.memberships.filter(organization=evaluation.organization).exists():
        raise ValidationError({"owner": "The owner must be a member of this organization."})


@transaction.atomic
def remediation_from_findings(
    *,
    evaluation: Evaluation,
    findings: Iterable[Finding],
    user: User,
    side: str = RemediationItem.Side.VENDOR,
    owner: User | None = None,
    due_date: datetime.date | None = None,
    blocking: bool = True,
    request: HttpRequest | None = None,
) -> list[RemediationItem]:
    """One item per chosen finding of this evaluation, each with the finding's text as it stands."""
    _ensure_open_evaluation(evaluation)
    _validate_common(side=side, owner=owner, evaluation=evaluation)
    findings = list(findings)
    if not findings:
        raise ValidationError({"findings": "Choose at least one finding."})
    if any(f.organization_id != evaluation.organization_id for f in findings):
        raise ValidationError({"findings": "That finding is not part of this evaluation."})
    taken = set(
        RemediationItem.objects.filter(evaluation=evaluation, source=RemediationItem.Source.FINDING)
        .unresolved()
        .values_list("finding_code", flat=True)
    )
    fresh = [f for f in {f.code: f for f in findings}.values() if f.code not in taken]
    if not fresh:
        raise ValidationError({"findings": "Each chosen finding already has an open remediation item."})
    return [
        _open(
            evaluation=evaluation,
            user=user,
            request=request,
            source=RemediationItem.Source.FINDING,
            finding=f,
            finding_code=f.code,
            finding_snapshot={
                "kind": f.kind,
                "title": f.title,
                "detail": f.detail,
                "ask": f.ask,
                "citations": f.citations
                or ([{"citation": f.citation, "standing": ""}] if f.citation else []),
                "question_keys": f.question_keys,
            },
            title=f.title[:300],
            description=f.ask or f.detail,
            side=side,
            owner=owner if side == RemediationItem.Side.BUYER else None,
            due_date=due_date,
            blocking=blocking,
        )
        for f in fresh
    ]


@transaction.atomic
def remediation_from_conditions(
    *,
    evaluation: Evaluation,
    conditions: Iterable[DecisionCondition],
    user: User,
    request: HttpRequest | None = None,
    notify: bool = True,
) -> list[RemediationItem]:
    """One blocking item on our side per condition of approval that has none yet."""
    _ensure_open_evaluation(evaluation)
    conditions = [c for c in conditions if c.evaluation_id == evaluation.pk]
    taken = set(
        RemediationItem.objects.filter(evaluation=evaluation, condition__in=conditions).values_list(
            "condition_id", flat=True
        )
    )
    return [
        _open(
            evaluation=evaluation,
            user=user,
            request=request,
            notify=notify,
            source=RemediationItem.Source.CONDITION,
            condition=c,
            title=c.description[:300],
            description=c.description,
            side=RemediationItem.Side.BUYER,
            owner=c.owner,
            due_date=c.due_date,
            blocking=True,
        )
        for c in conditions
        if c.pk not in taken and not c.is_done
    ]


EDITABLE = ("title", "description", "side", "owner", "due_date", "blocking")


@transaction.atomic
def remediation_edit(
    *, item: RemediationItem, user: User, request: HttpRequest | None = None, **changes: Any
) -> RemediationItem:
    """Changes what the item asks, whose it is and when it is due; audited field by field."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    item = RemediationItem.objects.select_for_update().get(pk=item.pk)
    _ensure_open_evaluation(item.evaluation)
    if "title" in changes and not (changes["title"] or "").strip():
        raise ValidationError({"title": "Give the item a title."})
    side = changes.get("side", item.side)
    owner = changes.get("owner", item.owner)
    _validate_common(side=side, owner=owner, evaluation=item.evaluation)
    changed = {}
    for name, value in changes.items():
        if getattr(item, name) != value:
            changed[name] = str(value.pk if hasattr(value, "pk") else value)
            setattr(item, name, value)
    if not changed:
        return item
    item.updated_at = timezone.now()
    item.save()
    _audit(
        item,
        AuditEvent.Kind.REMEDIATION_UPDATED,
        f"Remediation item changed ({', '.join(sorted(changed))}): {item.title}",
        user=user,
        request=request,
        changes=changed,
    )
    if "owner" in changed:
        _notify(
            item,
            f"A remediation item of {item.evaluation.product} is yours: {item.title}",
            recipients=[item.owner],
            actor=user,
        )
    if item.side == RemediationItem.Side.VENDOR and {"side", "due_date"} & set(changed):
        remediation_extend_links(evaluation=item.evaluation, until=item.due_date)
    return item


def _attach(uploaded_file: UploadedFile | None) -> tuple[dict[str, Any], str | None]:
    """Checks an uploaded document by its content and stores it; returns its fields and storage name."""
    if uploaded_file is None:
        return {}, None
    kind = detect_type(
        uploaded_file,
        name=uploaded_file.name or "",
        size=uploaded_file.size,
        max_bytes=settings.EVIDENCE_MAX_BYTES,
    )
    stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    name = evidence_storage_name(stored_name)
    uploaded_file.seek(0)
    stored = store_file(name, uploaded_file)
    return {
        "file_name": display_name(uploaded_file.name or "", extension=kind.extension),
        "stored_name": stored_name,
        "content_type": kind.content_type,
        "size": stored.size,
        "sha256": stored.sha256,
    }, name


def _message(
    *,
    item: RemediationItem,
    body: str,
    user: User | None,
    contact: Contact | None,
    internal: bool,
    status: str = "",
    uploaded_file: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> RemediationMessage:
    file_fields, stored = _attach(uploaded_file)
    try:
        message = RemediationMessage.objects.create(
            organization=item.organization,
            item=item,
            author_user=user,
            author_contact=contact,
            author_label=actor_label(user=user, contact=contact),
            body=body,
            internal=internal,
            status=status,
            **file_fields,
        )
        audience = "internal note" if internal else "message"
        summary = f"Remediation {audience} on {item.title}" + (
            f" with {message.file_name}" if message.has_file else ""
        )
        _audit(
            item,
            AuditEvent.Kind.REMEDIATION_MESSAGE,
            summary,
            user=user,
            contact=contact,
            request=request,
            message=str(message.public_id),
            internal=internal,
            file=message.file_name,
            sha256=message.sha256,
        )
    except BaseException:
        if stored:
            delete_file(stored)
        raise
    return message


def _lock(item: RemediationItem) -> RemediationItem:
    return (
        RemediationItem.objects.select_for_update(of=("self",))
        .select_related("evaluation__organization", "evaluation__product__vendor", "evaluation__owner")
        .get(pk=item.pk)
    )


@transaction.atomic
def remediation_message_post(
    *,
    item: RemediationItem,
    body: str,
    user: User,
    internal: bool = False,
    uploaded_file: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> RemediationMessage:
    """A buyer's message in the thread; an internal note is never shown to the vendor."""
    item = _lock(item)
    _ensure_open_evaluation(item.evaluation)
    body = (body or "").strip()
    if not body and uploaded_file is None:
        raise ValidationError({"body": "Write the message or attach a document."})
    message = _message(
        item=item,
        body=body,
        user=user,
        contact=None,
        internal=internal,
        uploaded_file=uploaded_file,
        request=request,
    )
    if not internal:
        _tell_vendor(item, "message")
    _notify(item, f"New remediation message on {item.title}", recipients=[item.owner], actor=user)
    return message


@transaction.atomic
def remediation_vendor_respond(
    *,
    item: RemediationItem,
    contact: Contact,
    body: str,
    uploaded_file: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> RemediationMessage:
    """The vendor's answer (text, a document or both); the item becomes "vendor responded"."""
    item = _lock(item)
    _ensure_open_evaluation(item.evaluation)
    if item.side != RemediationItem.Side.VENDOR:
        raise ValidationError("This item is not yours to answer.", code="not_vendor")
    if item.is_closed:
        raise ValidationError("This item is closed; it takes no more answers.", code="closed")
    body = (body or "").strip()
    if not body and uploaded_file is None:
        raise ValidationError({"body": "Write your answer or attach a document."})
    moves = item.status != R.VENDOR_RESPONDED
    message = _message(
        item=item,
        body=body,
        user=None,
        contact=contact,
        internal=False,
        status=R.VENDOR_RESPONDED if moves else "",
        uploaded_file=uploaded_file,
        request=request,
    )
    if moves:
        item.check_transition(R.VENDOR_RESPONDED)
        before = item.status
        item.status = R.VENDOR_RESPONDED
        item.updated_at = timezone.now()
        item.save(update_fields=["status", "updated_at"])
        _audit(
            item,
            AuditEvent.Kind.REMEDIATION_UPDATED,
            f"Remediation item {R(before).label.lower()} → vendor responded: {item.title}",
            contact=contact,
            request=request,
            **{"from": before, "to": R.VENDOR_RESPONDED},
        )
    evaluation = item.evaluation
    _notify(
        item,
        f"{evaluation.product.vendor} answered the remediation item {item.title}",
        recipients=[evaluation.owner, item.owner, item.created_by],
    )
    return message


@transaction.atomic
def remediation_decide(
    *,
    item: RemediationItem,
    to_status: str,
    user: User,
    note: str = "",
    justification: str = "",
    request: HttpRequest | None = None,
) -> RemediationItem:
    """An officer accepts, rejects, waives (with a justification) or reopens an item.

    Closing the last blocking item of an evaluation approved with conditions lifts the approval.
    """
    item = _lock(item)
    _ensure_open_evaluation(item.evaluation)
    if to_status == R.VENDOR_RESPONDED:
        raise ValidationError({"status": "Only the vendor responds."})
    item.check_transition(to_status, justification=justification)
    if to_status == R.REJECTED and not note.strip():
        raise ValidationError({"note": "Tell the vendor what is still missing."})
    before = item.status
    now = timezone.now()
    item.status = to_status
    item.updated_at = now
    item.closed_at = now if to_status in RemediationItem.CLOSED else None
    item.waive_justification = justification.strip() if to_status == R.WAIVED else ""
    item.save(update_fields=["status", "updated_at", "closed_at", "waive_justification"])
    body = justification.strip() if to_status == R.WAIVED else note.strip()
    _message(item=item, body=body, user=user, contact=None, internal=False, status=to_status, request=request)
    _audit(
        item,
        AuditEvent.Kind.REMEDIATION_UPDATED,
        f"Remediation item {R(before).label.lower()} → {R(to_status).label.lower()}: {item.title}",
        user=user,
        request=request,
        **{"from": before, "to": to_status, "note": note.strip(), "justification": item.waive_justification},
    )
    if item.condition_id:
        DecisionCondition.objects.filter(pk=item.condition_id).update(
            completed_at=now if item.is_closed else None
        )
    _tell_vendor(item, "status")
    _notify(
        item,
        f"Remediation item {R(to_status).label.lower()}: {item.title}",
        recipients=[item.owner, item.evaluation.owner],
        actor=user,
    )
    if item.is_closed and item.blocking:
        remediation_lift_if_done(evaluation=item.evaluation, user=user, request=request)
    return item


@transaction.atomic
def remediation_condition_met(*, condition: DecisionCondition, user: User, request=None) -> None:
    """A condition marked as met by hand accepts the items opened for it."""
    for item in RemediationItem.objects.filter(condition=condition).unresolved():
        remediation_decide(
            item=item, to_status=R.ACCEPTED, user=user, note="Condition marked as met.", request=request
        )


def blocking_open(evaluation: Evaluation) -> bool:
    return RemediationItem.objects.filter(evaluation=evaluation, blocking=True).unresolved().exists()


@transaction.atomic
def remediation_lift_if_done(
    *, evaluation: Evaluation, user: User | None, request: HttpRequest | None = None
) -> bool:
    """Approved with conditions → approved, once no blocking item and no condition is left open."""
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if (
        locked.status != Evaluation.Status.DECIDED
        or locked.decision != Evaluation.Decision.APPROVED_WITH_CONDITIONS
    ):
        return False
    items = RemediationItem.objects.filter(evaluation=locked, blocking=True)
    if not items.exists() or items.unresolved().exists():
        return False
    if DecisionCondition.objects.filter(evaluation=locked, completed_at__isnull=True).exists():
        return False
    locked.decision = Evaluation.Decision.APPROVED
    locked.save(update_fields=["decision", "updated_at"])
    evaluation.decision = locked.decision
    audit_record(
        organization=locked.organization,
        evaluation=locked,
        kind=AuditEvent.Kind.DECISION_RECORDED,
        summary="Decision: Approved with conditions → Approved (every blocking remediation item closed)",
        user=user,
        request=request,
        data={
            "decision": Evaluation.Decision.APPROVED,
            "from": Evaluation.Decision.APPROVED_WITH_CONDITIONS,
            "lifted": True,
        },
    )
    notifications_create(
        recipients=[locked.owner, locked.decided_by]
        if (user is None or locked.owner_id != user.pk)
        else [locked.decided_by],
        organization=locked.organization,
        evaluation=locked,
        kind=Notification.Kind.REMEDIATION,
        message=f"The conditional approval of {locked.product} is lifted: every blocking item is closed.",
        link=f"{locked.get_absolute_url()}#remediation-heading",
    )
    return True


def lifted_at(evaluation: Evaluation) -> datetime.datetime | None:
    """When the conditional approval was lifted (None: it never was)."""
    event = (
        AuditEvent.objects.filter(
            evaluation=evaluation, kind=AuditEvent.Kind.DECISION_RECORDED, data__lifted=True
        )
        .order_by("-created_at")
        .first()
    )
    return event.created_at if event else None


# ---------------------------------------------------------------------------------------------
# Vendor e-mails and reminders
# ---------------------------------------------------------------------------------------------


def _vendor_emails(item: RemediationItem) -> list[str]:
    now = timezone.now()
    return list(
        dict.fromkeys(
            i.contact.email
            for i in item.evaluation.invites.select_related("contact")
            if i.revoked_at is None and i.expires_at > now and i.contact.email
        )
    )


def remediation_vendor_email_send(*, item_id: int, event: str) -> int:
    """Tells the vendor's contacts that an item was opened, answered or changed. No token, no notes."""
    item = (
        RemediationItem.objects.select_related(
            "evaluation__organization", "evaluation__product__vendor", "evaluation__owner"
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None or item.side != RemediationItem.Side.VENDOR:
        return 0
    to = _vendor_emails(item)
    if not to:
        return 0
    subjects = {
        "opened": "Remediation requested",
        "message": "New message on a remediation item",
        "status": f"Remediation item {item.get_status_display().lower()}",
    }
    send_email(
        template="remediation_vendor",
        subject=f"{subjects.get(event, 'Remediation update')}: {item.title} ({item.evaluation.product})"[
            :200
        ],
        to=to,
        context={"item": item, "evaluation": item.evaluation, "event": event},
    )
    return len(to)


def remediation_reminder_kind(due_date: datetime.date, today: datetime.date) -> str | None:
    """The threshold reached today: "due_7", "due_1", "overdue", then "overdue_<weeks>" weekly."""
    if due_date < today:
        weeks = (today - due_date).days // 7
        return "overdue" if weeks == 0 else f"overdue_{weeks}"
    left = (due_date - today).days
    reached = [d for d in REMINDER_DAYS if left <= d]
    return f"due_{min(reached)}" if reached else None


def _reminder_recipients(item: RemediationItem) -> list[tuple[str, str]]:
    if item.side == RemediationItem.Side.VENDOR:
        return [(email, "vendor") for email in _vendor_emails(item)]
    owner = item.owner or item.evaluation.owner
    return [(owner.email, "owner")] if owner.email else []


def remediation_overdue_event(*, item: RemediationItem) -> None:
    """The one place a "remediation overdue" event is raised, once per item and due date."""
    logger.info("remediation item overdue", extra={"item": str(item.public_id)})
    webhook_event_emit(
        organization=item.organization,
        kind="remediation.overdue",
        data={
            "evaluation": evaluation_event_data(item.evaluation),
            "item": {
                "id": str(item.public_id),
                "title": item.title,
                "side": item.side,
                "status": item.status,
                "blocking": item.blocking,
                "due_date": item.due_date.isoformat() if item.due_date else None,
            },
        },
    )


def _log_once(item: RemediationItem, kind: str, recipient: str) -> bool:
    try:
        with transaction.atomic():
            RemediationReminderLog.objects.create(
                organization=item.organization,
                item=item,
                kind=kind,
                due_date=item.due_date,
                recipient=recipient,
            )
    except IntegrityError:
        return False
    return True


def remediation_send_reminders(*, today: datetime.date | None = None) -> int:
    """Sends each due remediation reminder once per item, threshold, due date and recipient."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(REMINDER_DAYS))
    items = (
        RemediationItem.objects.unresolved()
        .filter(due_date__isnull=False, due_date__lte=horizon)
        .exclude(evaluation__status__in=CLOSED_EVALUATION)
        .select_related(
            "evaluation__organization", "evaluation__product__vendor", "evaluation__owner", "owner"
        )
    )
    sent = 0
    for item in items:
        # Waiting on us, not on the vendor: a vendor-side item it has answered gets no reminder.
        if item.side == RemediationItem.Side.VENDOR and item.status == R.VENDOR_RESPONDED:
            continue
        kind = remediation_reminder_kind(item.due_date, today)
        if kind is None:
            continue
        if kind == "overdue" and _log_once(item, kind, ""):
            remediation_overdue_event(item=item)
        for email, audience in _reminder_recipients(item):
            sent += _send_reminder_once(item=item, kind=kind, email=email, audience=audience, today=today)
    return sent


def _send_reminder_once(*, item: RemediationItem, kind: str, email: str, audience: str, today) -> int:
    try:
        # As for the questionnaire's reminders: the log row and the e-mail commit together.
        with transaction.atomic():
            RemediationReminderLog.objects.create(
                organization=item.organization, item=item, kind=kind, due_date=item.due_date, recipient=email
            )
            overdue = kind.startswith("overdue")
            send_email(
                template="remediation_reminder",
                subject=(
                    f"{'Overdue' if overdue else 'Due soon'}: remediation item {item.title} "
                    f"(due {item.due_date:%Y-%m-%d})"
                )[:200],
                to=[email],
                context={
                    "item": item,
                    "evaluation": item.evaluation,
                    "audience": audience,
                    "overdue": overdue,
                    "days": abs((item.due_date - today).days),
                    "link": absolute_url(item.get_absolute_url()) if audience == "owner" else "",
                },
            )
    except IntegrityError:
        return 0
    return 1
