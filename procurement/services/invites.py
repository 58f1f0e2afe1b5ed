"""Invite links: sending, re-sending, revoking, resolving a token, and handing work to a colleague."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.client import client_ip, user_agent
from accounts.models import User
from accounts.ratelimit import CACHE_ERRORS, fail_open, log_cache_unavailable
from procurement.models import AuditEvent, Evaluation, Invite, InviteUse, RemediationItem
from procurement.prepared import PreparedQuery
from procurement.queue import enqueue
from procurement.selectors import scope_summary
from procurement.services.audit import audit_record
from procurement.services.workflow import evaluation_transition
from vendors.models import Contact

if TYPE_CHECKING:
    from django.http import HttpRequest


logger = logging.getLogger(__name__)

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


# The stored hash of an invite whose link has not been e-mailed yet. A SHA-256 hex digest never holds
# a "-", so no token resolves to it, and the e-mail sweep finds the invites still waiting for a mail.
MAIL_PENDING_PREFIX = "pending-"
INVITE_EMAIL_SWEEP_AFTER = timedelta(minutes=10)


def _unmailed_hash() -> str:
    return MAIL_PENDING_PREFIX + secrets.token_hex(28)


def _publish_invite_email(invite_id: int, sent_at: str) -> None:
    try:
        enqueue("procurement.tasks.invite_email_send", invite_id, sent_at)
    except (BrokerError, OSError):
        # The invite is saved and its hash says "not mailed": the e-mail sweep sends it later.
        logger.warning("Invite %s: e-mail not queued or sent; the sweep sends it", invite_id, exc_info=True)


def _enqueue_invite_email(invite: Invite) -> None:
    # Only the invite's id and the time of this send reach the broker, never a clear token: the
    # worker mints the link itself (see `invite_email_deliver`). The time tells a superseded send.
    invite_id, sent_at = invite.pk, invite.last_sent_at.isoformat()
    transaction.on_commit(lambda: _publish_invite_email(invite_id, sent_at))


def invite_email_sweep(*, now: datetime | None = None) -> int:
    """Queues again the e-mails of active invites still unmailed after a while (broker was down)."""
    now = now or timezone.now()
    pending = list(
        Invite.objects.filter(
            token_hash__startswith=MAIL_PENDING_PREFIX,
            revoked_at__isnull=True,
            expires_at__gt=now,
            last_sent_at__lt=now - INVITE_EMAIL_SWEEP_AFTER,
        ).values_list("pk", "last_sent_at")[:500]
    )
    for invite_id, sent_at in pending:
        _publish_invite_email(invite_id, sent_at.isoformat())
    return len(pending)


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
        invite = Invite.objects.create(
            organization=evaluation.organization,
            evaluation=evaluation,
            contact=contact,
            token_hash=_unmailed_hash(),
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
            data={"invite": str(invite.public_id), "contact": contact.email},
        )
        _enqueue_invite_email(invite)
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
    invite.token_hash = _unmailed_hash()
    invite.expires_at = _expiry(invite.evaluation)
    invite.last_sent_at = timezone.now()
    invite.save(update_fields=["token_hash", "expires_at", "last_sent_at"])
    audit_record(
        organization=invite.organization,
        evaluation=invite.evaluation,
        kind=AuditEvent.Kind.INVITE_SENT,
        summary=f"Invite re-sent to {invite.contact.name} with a new link",
        user=user,
        data={"invite": str(invite.public_id), "resent": True},
    )
    _enqueue_invite_email(invite)
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


@fail_open(False)
def invite_is_throttled(request: HttpRequest | None) -> bool:
    return (cache.get(_guess_key(request)) or 0) >= INVITE_GUESS_LIMIT


@fail_open(None)
def _count_guess(request: HttpRequest | None) -> None:
    key = _guess_key(request)
    if cache.add(key, 1, INVITE_GUESS_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, INVITE_GUESS_WINDOW_SECONDS)


# With the cache away every use gets its audit line: a longer timeline beats a gap in it.
@fail_open(True)
def _first_use_this_hour(invite: Invite) -> bool:
    return cache.add(f"invite-used-audited:{invite.public_id}", 1, INVITE_USE_AUDIT_INTERVAL.total_seconds())


# Uses of a link are counted in the cache and written to the link's hourly row at most this often.
INVITE_USE_WRITE_INTERVAL = timedelta(minutes=1)


def _hour_start(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _write_invite_uses(*, invite: Invite, ip: str | None, count: int, request, path: str, now) -> None:
    """Adds `count` uses to this link's row for this address and hour, creating the row if need be."""
    hour_row = InviteUse.objects.filter(invite=invite, ip_address=ip, used_at__gte=_hour_start(now))
    if not hour_row.update(use_count=F("use_count") + count, last_used_at=now):
        # Two processes may both create the hour's row; the counts of both rows still add up.
        InviteUse.objects.create(
            invite=invite,
            used_at=now,
            last_used_at=now,
            use_count=count,
            ip_address=ip,
            user_agent=user_agent(request),
            path=path,
        )
    invite.last_used_at = now
    Invite.objects.filter(pk=invite.pk).update(last_used_at=now)


def _pending_uses(invite: Invite, ip: str | None, now: datetime) -> int:
    """Counts this use in the cache; the number of uses to write now, or 0 to leave them pending.

    Written are the hour's first use from an address and, at most once per write interval, the
    uses counted since; so most page views and autosaves write nothing for the link.
    """
    identity = f"{invite.pk}:{ip or '-'}"
    pending_key = f"invite-use-pending:{identity}"
    cache.add(pending_key, 0, timeout=3 * 3600)
    pending = cache.incr(pending_key)
    first_this_hour = cache.add(f"invite-use-hour:{identity}:{_hour_start(now):%Y%m%d%H}", 1, timeout=3600)
    due = cache.add(f"invite-use-written:{identity}", 1, timeout=INVITE_USE_WRITE_INTERVAL.total_seconds())
    if not (first_this_hour or due):
        return 0
    # Uses counted by other requests between incr and decr stay pending for the next write.
    cache.decr(pending_key, pending)
    return pending


def invite_use_record(*, invite: Invite, request: HttpRequest | None, path: str, now: datetime) -> None:
    """Records one use of a link: one row per link, address and hour, with a count of its uses."""
    ip = client_ip(request)
    try:
        count = _pending_uses(invite, ip, now)
    except CACHE_ERRORS as exc:
        # Without the cache every use is written at once: a write more beats a use not counted.
        log_cache_unavailable("invite use counting", exc)
        count = 1
    if count:
        _write_invite_uses(invite=invite, ip=ip, count=count, request=request, path=path, now=now)


def redact_token(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text


_vendor_item_count = (
    RemediationItem.objects.filter(evaluation_id=OuterRef("evaluation_id"), side=RemediationItem.Side.VENDOR)
    .order_by()
    .values("evaluation_id")
    .annotate(n=Count("pk"))
    .values("n")
)


# Every portal request starts here, so the query joins no more than the pages read: the product's
# vendor is the contact's own in practice, and reused from it in invite_resolve. The hash is unique,
# so no ordering is asked for. The portal's header links to the vendor's remediation items: they
# are counted in the same query.
_invite_by_hash = PreparedQuery(
    lambda token_hash: (
        Invite.objects.select_related(
            "contact__vendor",
            "evaluation__organization",
            "evaluation__template",
            "evaluation__product",
        )
        .filter(token_hash=token_hash)
        .annotate(
            vendor_remediation_items=Coalesce(Subquery(_vendor_item_count, output_field=IntegerField()), 0)
        )
        .order_by()[:1]
    ),
    token_hash=str,
)


def invite_resolve(token: str, *, request: HttpRequest | None) -> Invite | None:
    """The active invite for this token, with every use logged; None for anything else.

    Unknown, revoked and expired tokens and archived evaluations all give None, so callers show
    one and the same page and nobody learns whether a token ever existed. Unknown tokens count
    toward the address's guess limit (invite_is_throttled, for the caller's answer); a valid token
    still opens from a throttled address, which is often a hospital's or vendor's shared one.
    """
    if not token or len(token) > 100:
        return None
    digest = invite_token_hash(token)
    rows = _invite_by_hash(token_hash=digest)
    invite = rows[0] if rows else None
    # The lookup is by an indexed hash; the comparison guards against any collation surprise and
    # keeps the final check constant-time.
    if invite is None or not hmac.compare_digest(invite.token_hash, digest):
        if not invite_is_throttled(request):
            _count_guess(request)
        return None
    product = invite.evaluation.product
    if product.vendor_id == invite.contact.vendor_id:
        product.vendor = invite.contact.vendor
    now = timezone.now()
    if (
        invite.revoked_at is not None
        or invite.expires_at <= now
        or invite.evaluation.status == Evaluation.Status.ARCHIVED
    ):
        return None
    # Every later log line of this request (and of the tasks it queues) names the invite by its
    # public id, never by the token.
    structlog.contextvars.bind_contextvars(
        invite_id=str(invite.public_id), organization=invite.evaluation.organization.slug
    )
    path = redact_token(request.path, token)[:400] if request is not None else ""
    invite_use_record(invite=invite, request=request, path=path, now=now)
    # The audit log gets at most one line per invite and hour, which keeps the timeline readable;
    # InviteUse keeps every request countable.
    if _first_use_this_hour(invite):
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
    *,
    invite: Invite,
    name: str,
    email: str,
    role: str = "",
    sections: Sequence[str] = (),
    request: HttpRequest | None,
) -> Invite:
    """A vendor contact hands the questionnaire, or chosen sections of it, to a colleague.

    With `sections` the colleague's link changes only those sections (the rest is read-only to
    them) and cannot submit; a contact whose own link is limited can hand over only sections of
    its own. The hand-off is audited and the delegating contact can revoke it.
    """
    evaluation = invite.evaluation
    email = email.strip()
    if not invite.is_active:
        raise ValidationError("This link no longer works.")
    if not evaluation.is_vendor_editable:
        raise ValidationError("The questionnaire is no longer open for answers.")
    sections = list(dict.fromkeys(sections))
    asked = [s.key for s in scope_summary(evaluation).asked]
    allowed = [key for key in asked if not invite.sections or key in invite.sections]
    if any(key not in allowed for key in sections):
        raise ValidationError({"sections": "Choose among the sections you can answer yourself."})
    if invite.sections and not sections:
        sections = allowed
    sections = [key for key in allowed if key in sections]  # questionnaire order
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
    delegated = Invite.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        contact=contact,
        token_hash=_unmailed_hash(),
        delegated_from=invite,
        sections=sections,
        invited_by=invite.invited_by,
        message=f"{invite.contact.name} asked you to help answer this questionnaire.",
        expires_at=_expiry(evaluation),
        last_sent_at=timezone.now(),
    )
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.INVITE_DELEGATED,
        summary=f"{invite.contact.name} handed "
        + (f"{len(sections)} section{'s' if len(sections) != 1 else ''}" if sections else "the questionnaire")
        + f" to {contact.name} <{contact.email}>",
        contact=invite.contact,
        request=request,
        data={
            "invite": str(delegated.public_id),
            "delegated_from": str(invite.public_id),
            "contact": contact.email,
            "sections": sections,
        },
    )
    _enqueue_invite_email(delegated)
    return delegated


@transaction.atomic
def invite_delegation_revoke(
    *, invite: Invite, delegation_id: uuid.UUID | str, request: HttpRequest | None
) -> Invite:
    """The contact who handed work over takes it back: the colleague's link stops working."""
    delegation = (
        Invite.objects.select_for_update()
        .select_related("contact", "evaluation")
        .filter(public_id=delegation_id, delegated_from=invite)
        .first()
    )
    if delegation is None:
        raise ValidationError("You did not hand this link over.", code="not_yours")
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        audit_record(
            organization=delegation.evaluation.organization,
            evaluation=delegation.evaluation,
            kind=AuditEvent.Kind.INVITE_REVOKED,
            summary=f"{invite.contact.name} took back the work handed to {delegation.contact.name}",
            contact=invite.contact,
            request=request,
            data={"invite": str(delegation.public_id), "delegated_from": str(invite.public_id)},
        )
    return delegation


@transaction.atomic
def _mint_mailed_token(*, invite_id: int, sent_at: str) -> str | None:
    """A fresh token for the e-mail of the send made at `sent_at`; None if there is nothing to mail.

    Nothing to mail: the invite is revoked or expired, a re-send replaced this send (its own task
    mails the link), or this send's link was mailed already (a duplicate task).
    """
    invite = Invite.objects.select_for_update().filter(pk=invite_id).first()
    if invite is None or not invite.is_active or invite.last_sent_at is None:
        return None
    if invite.last_sent_at != datetime.fromisoformat(sent_at):
        return None
    if not invite.token_hash.startswith(MAIL_PENDING_PREFIX):
        return None
    token, digest = _new_token()
    Invite.objects.filter(pk=invite.pk).update(token_hash=digest)
    logger.info("Invite %s: link minted for e-mail (hash %s)", invite.public_id, digest[:6])
    return token


def invite_email_deliver(*, invite_id: int, sent_at: str) -> bool:
    """Mints the invite's link and e-mails it; False when there is nothing to mail.

    If sending fails the link is voided again before the error reaches the task's retry, so a retry
    mints a new link: only the link of the latest e-mail handed to the mail server ever works, even
    when a server failed after accepting the message.
    """
    token = _mint_mailed_token(invite_id=invite_id, sent_at=sent_at)
    if token is None:
        return False
    try:
        _send_invite_email(invite_id=invite_id, token=token)
    except Exception:
        Invite.objects.filter(pk=invite_id, token_hash=invite_token_hash(token)).update(
            token_hash=_unmailed_hash()
        )
        raise
    return True


def _send_invite_email(*, invite_id: int, token: str) -> None:
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    invite = Invite.objects.select_related(
        "contact__vendor", "evaluation__organization", "evaluation__product", "invited_by"
    ).get(pk=invite_id)
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
