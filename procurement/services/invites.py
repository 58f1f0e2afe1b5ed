"""Invite links: sending, re-sending, revoking, resolving a token, and handing work to a colleague."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.client import client_ip, user_agent
from accounts.models import User
from procurement.models import AuditEvent, Evaluation, Invite, InviteUse
from procurement.queue import enqueue_on_commit
from procurement.services.audit import audit_record
from procurement.services.workflow import evaluation_transition
from vendors.models import Contact

if TYPE_CHECKING:
    from django.http import HttpRequest


INVITE_USE_AUDIT_INTERVAL = timedelta(hours=1)


# Unknown tokens from one address within the window before every link from it is refused.
INVITE_GUESS_LIMIT = 30


INVITE_GUESS_WINDOW_SECONDS = 15 * 60


INVITABLE_STATUSES = frozenset(
    {
        Evaluation.Status.DRAFT,
        Evaluation.Status.SENT,
        Evaluation.Status.IN_PROGRESS,
        Evaluation.Status.SUBMITTED,
        Evaluation.Status.UNDER_REVIEW,
        Evaluation.Status.CHANGES_REQUESTED,
    }
)


def invite_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, invite_token_hash(token)


def _due_date_expiry(evaluation: Evaluation) -> datetime | None:
    """The end (local time) of the day INVITE_GRACE_DAYS after the due date; None without one.

    The last second of that day, so the e-mail's "works until <date>" names a day the link
    still works all of.
    """
    if evaluation.due_date is None:
        return None
    last_day = evaluation.due_date + timedelta(days=settings.INVITE_GRACE_DAYS)
    end = datetime.combine(last_day, time(23, 59, 59), tzinfo=timezone.get_current_timezone())
    return end


def _expiry(evaluation: Evaluation) -> datetime:
    """INVITE_EXPIRY_DAYS from now, but never before the due date plus the grace days.

    A link that died before the evaluation was due told vendors an earlier deadline than the
    organization's.
    """
    expiry = timezone.now() + timedelta(days=settings.INVITE_EXPIRY_DAYS)
    return max(expiry, _due_date_expiry(evaluation) or expiry)


def invite_link(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/v/{token}/"


def _enqueue_invite_email(invite: Invite, token: str) -> None:
    invite_id = invite.pk
    enqueue_on_commit("procurement.tasks.invite_email_send", invite_id, token)


def _hash_prefix(invite: Invite) -> str:
    return invite.token_hash[:6]


@transaction.atomic
def invite_send(
    *, evaluation: Evaluation, contacts: Iterable[Contact], invited_by: User | None, message: str = ""
) -> list[Invite]:
    """One personal link per contact, e-mailed after commit; a draft evaluation becomes 'sent'."""
    contacts = list(contacts)
    if not contacts:
        raise ValidationError({"contacts": "Choose at least one contact to invite."})
    if evaluation.status not in INVITABLE_STATUSES:
        raise ValidationError(
            f"An evaluation that is {evaluation.get_status_display().lower()} cannot be sent to the vendor."
        )
    vendor_id = evaluation.product.vendor_id
    strangers = [
        c for c in contacts if c.vendor_id != vendor_id or c.organization_id != evaluation.organization_id
    ]
    if strangers:
        raise ValidationError({"contacts": "Only contacts of the evaluated product's vendor can be invited."})
    already = set(
        Invite.objects.filter(
            evaluation=evaluation,
            contact__in=contacts,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).values_list("contact__name", flat=True)
    )
    if already:
        raise ValidationError(
            {
                "contacts": "Already invited with a working link (re-send it instead): "
                f"{', '.join(sorted(already))}."
            }
        )
    if evaluation.status == Evaluation.Status.DRAFT:
        evaluation_transition(evaluation=evaluation, to_status=Evaluation.Status.SENT, user=invited_by)
    invites = []
    now = timezone.now()
    for contact in contacts:
        token, digest = _new_token()
        invite = Invite.objects.create(
            organization=evaluation.organization,
            evaluation=evaluation,
            contact=contact,
            token_hash=digest,
            invited_by=invited_by,
            message=message,
            expires_at=_expiry(evaluation),
            last_sent_at=now,
        )
        audit_record(
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=AuditEvent.Kind.INVITE_SENT,
            summary=f"Invite sent to {contact.name} <{contact.email}>",
            user=invited_by,
            data={
                "invite": str(invite.public_id),
                "contact": contact.email,
                "hash_prefix": _hash_prefix(invite),
            },
        )
        _enqueue_invite_email(invite, token)
        invites.append(invite)
    return invites


@transaction.atomic
def invite_resend(*, invite: Invite, user: User | None) -> Invite:
    """A fresh token (the old link stops working at once) with a fresh expiry, e-mailed again."""
    invite = Invite.objects.select_for_update().select_related("contact", "evaluation").get(pk=invite.pk)
    if invite.revoked_at is not None:
        raise ValidationError("This invite was revoked; send a new invite instead.")
    if invite.evaluation.status not in INVITABLE_STATUSES:
        raise ValidationError("This evaluation is closed to the vendor.")
    token, digest = _new_token()
    invite.token_hash = digest
    invite.expires_at = _expiry(invite.evaluation)
    invite.last_sent_at = timezone.now()
    invite.save(update_fields=["token_hash", "expires_at", "last_sent_at"])
    audit_record(
        organization=invite.organization,
        evaluation=invite.evaluation,
        kind=AuditEvent.Kind.INVITE_SENT,
        summary=f"Invite re-sent to {invite.contact.name} with a new link",
        user=user,
        data={"invite": str(invite.public_id), "resent": True, "hash_prefix": _hash_prefix(invite)},
    )
    _enqueue_invite_email(invite, token)
    return invite


def invite_extend_to_due_date(*, evaluation: Evaluation) -> list[Invite]:
    """Moves the expiry of the evaluation's open links out to the due date plus the grace days.

    Runs inside the caller's transaction (the due-date change, which audits both); links are
    never shortened, and revoked links stay dead.
    """
    expiry = _due_date_expiry(evaluation)
    if expiry is None or evaluation.status not in INVITABLE_STATUSES:
        return []
    invites = list(
        Invite.objects.select_for_update().filter(
            evaluation=evaluation, revoked_at__isnull=True, expires_at__lt=expiry
        )
    )
    for invite in invites:
        invite.expires_at = expiry
    Invite.objects.bulk_update(invites, ["expires_at"])
    return invites


@transaction.atomic
def invite_revoke(*, invite: Invite, user: User | None) -> Invite:
    invite = Invite.objects.select_for_update().select_related("contact", "evaluation").get(pk=invite.pk)
    if invite.revoked_at is not None:
        return invite
    invite.revoked_at = timezone.now()
    invite.save(update_fields=["revoked_at"])
    audit_record(
        organization=invite.organization,
        evaluation=invite.evaluation,
        kind=AuditEvent.Kind.INVITE_REVOKED,
        summary=f"Invite of {invite.contact.name} revoked",
        user=user,
        data={"invite": str(invite.public_id)},
    )
    return invite


def _guess_key(request: HttpRequest | None) -> str:
    return f"invite-guesses:{client_ip(request) or 'unknown'}"


def invite_is_throttled(request: HttpRequest | None) -> bool:
    return (cache.get(_guess_key(request)) or 0) >= INVITE_GUESS_LIMIT


def _count_guess(request: HttpRequest | None) -> None:
    key = _guess_key(request)
    if cache.add(key, 1, INVITE_GUESS_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, INVITE_GUESS_WINDOW_SECONDS)


def redact_token(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text


def invite_resolve(token: str, *, request: HttpRequest | None) -> Invite | None:
    """The active invite for this token, with every use logged; None for anything else.

    Unknown, revoked and expired tokens and archived evaluations all give None, so callers show
    one and the same page and nobody learns whether a token ever existed.
    """
    if not token or len(token) > 100 or invite_is_throttled(request):
        return None
    digest = invite_token_hash(token)
    invite = (
        Invite.objects.select_related(
            "contact__vendor",
            "evaluation__organization",
            "evaluation__template",
            "evaluation__product__vendor",
        )
        .filter(token_hash=digest)
        .first()
    )
    # The lookup is by an indexed hash; the comparison guards against any collation surprise and
    # keeps the final check constant-time.
    if invite is None or not hmac.compare_digest(invite.token_hash, digest):
        _count_guess(request)
        return None
    now = timezone.now()
    if (
        invite.revoked_at is not None
        or invite.expires_at <= now
        or invite.evaluation.status == Evaluation.Status.ARCHIVED
    ):
        return None
    path = redact_token(request.path, token)[:400] if request is not None else ""
    InviteUse.objects.create(
        invite=invite, used_at=now, ip_address=client_ip(request), user_agent=user_agent(request), path=path
    )
    invite.last_used_at = now
    Invite.objects.filter(pk=invite.pk).update(last_used_at=now)
    # The audit log gets at most one line per invite and hour, which keeps the timeline readable;
    # InviteUse above keeps every request.
    if cache.add(f"invite-used-audited:{invite.public_id}", 1, INVITE_USE_AUDIT_INTERVAL.total_seconds()):
        audit_record(
            organization=invite.evaluation.organization,
            evaluation=invite.evaluation,
            kind=AuditEvent.Kind.INVITE_USED,
            summary=f"{invite.contact.name} opened the questionnaire link",
            contact=invite.contact,
            request=request,
            data={"invite": str(invite.public_id), "path": path},
        )
    return invite


@transaction.atomic
def invite_delegate(
    *, invite: Invite, name: str, email: str, role: str = "", request: HttpRequest | None
) -> Invite:
    """A vendor contact hands the questionnaire (or part of it) to a colleague of the same vendor."""
    evaluation = invite.evaluation
    email = email.strip()
    if not invite.is_active:
        raise ValidationError("This link no longer works.")
    if not evaluation.is_vendor_editable:
        raise ValidationError("The questionnaire is no longer open for answers.")
    vendor = invite.contact.vendor
    contact = Contact.objects.filter(vendor=vendor, email__iexact=email).first()
    if contact is None:
        contact = Contact.objects.create(
            organization=evaluation.organization,
            vendor=vendor,
            name=name.strip(),
            email=email,
            role=role.strip(),
        )
    if contact.pk == invite.contact_id:
        raise ValidationError({"email": "That is your own address; enter your colleague's."})
    if Invite.objects.filter(
        evaluation=evaluation, contact=contact, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        raise ValidationError({"email": f"{contact.name} already has a working link to this questionnaire."})
    token, digest = _new_token()
    delegated = Invite.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        contact=contact,
        token_hash=digest,
        delegated_from=invite,
        invited_by=invite.invited_by,
        message=f"{invite.contact.name} asked you to help answer this questionnaire.",
        expires_at=_expiry(evaluation),
        last_sent_at=timezone.now(),
    )
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.INVITE_DELEGATED,
        summary=f"{invite.contact.name} handed work to {contact.name} <{contact.email}>",
        contact=invite.contact,
        request=request,
        data={
            "invite": str(delegated.public_id),
            "delegated_from": str(invite.public_id),
            "contact": contact.email,
            "hash_prefix": _hash_prefix(delegated),
        },
    )
    _enqueue_invite_email(delegated, token)
    return delegated


def invite_email_deliver(*, invite_id: int, token: str) -> bool:
    """Sends the invite e-mail if the token is still the invite's current one; False otherwise.

    A re-send replaces the token; an older queued e-mail must then not deliver a dead link.
    """
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    invite = (
        Invite.objects.select_related(
            "contact__vendor", "evaluation__organization", "evaluation__product", "invited_by"
        )
        .filter(pk=invite_id)
        .first()
    )
    if (
        invite is None
        or not invite.is_active
        or not hmac.compare_digest(invite.token_hash, invite_token_hash(token))
    ):
        return False
    context = {
        "invite": invite,
        "contact": invite.contact,
        "evaluation": invite.evaluation,
        "organization": invite.evaluation.organization,
        "link": invite_link(token),
    }
    subject = (
        f"{invite.evaluation.organization.name}: due-diligence questionnaire for {invite.evaluation.product}"
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/invite.txt", context),
        to=[invite.contact.email],
    )
    message.attach_alternative(render_to_string("emails/invite.html", context), "text/html")
    message.send()
    return True
