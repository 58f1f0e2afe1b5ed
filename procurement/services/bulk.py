"""Acting on many evaluations at once from the list: reminders, re-sent invites, due dates, archiving.

`bulk_plan` says, per evaluation, what will happen or why it will be skipped; `bulk_apply` does it
with the single actions' own services (so the audit log reads as if each was done by hand), each
evaluation in its own transaction, and re-checks each one under its row lock: something that
changed between the confirmation and the click is skipped with the reason, never half-done.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Perm
from procurement.models import Evaluation, Invite
from procurement.services.evaluations import evaluation_due_date_change, evaluation_move
from procurement.services.invites import INVITABLE_STATUSES, invite_resend
from procurement.services.notifications import reminder_send

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.http import HttpRequest

    from accounts.models import Organization, User

S = Evaluation.Status
MAX_SELECTED = 100


@dataclass(frozen=True)
class BulkAction:
    label: str  # the button
    verb: str  # "will <verb>" on the confirmation, "<past>" in the summary
    past: str
    perm: str


ACTIONS: dict[str, BulkAction] = {
    "remind": BulkAction("Send reminders", "send a reminder", "Reminder sent", Perm.RUN_EVALUATIONS),
    "resend": BulkAction("Re-send invites", "re-send the invites", "Invites re-sent", Perm.RUN_EVALUATIONS),
    "extend": BulkAction(
        "Extend due dates", "extend the due date", "Due date extended", Perm.RUN_EVALUATIONS
    ),
    "archive": BulkAction("Archive", "archive", "Archived", Perm.RUN_EVALUATIONS),
}


@dataclass(frozen=True)
class BulkItem:
    evaluation: Evaluation
    done: bool  # in a plan: will be done; in a result: was done
    detail: str  # what (will) happen(ed), or why it is skipped


def bulk_selection(*, organization: Organization, public_ids: Iterable[str]) -> list[Evaluation]:
    """The chosen evaluations of this organization, in list order; other ids are ignored."""
    ids = [str(i) for i in public_ids][:MAX_SELECTED]
    return list(
        Evaluation.objects.for_org(organization)
        .filter(public_id__in=ids)
        .select_related("product__vendor", "template", "owner")
        .prefetch_related("invites__contact")
        .order_by("product__name", "id")
    )


def _active_vendor_invites(evaluation: Evaluation) -> list[Invite]:
    now = timezone.now()
    return [i for i in evaluation.invites.all() if i.revoked_at is None and i.expires_at > now]


def _check(action: str, evaluation: Evaluation, due_date: datetime.date | None) -> str | None:
    """Why the action does not apply to this evaluation, or None when it does."""
    status = evaluation.get_status_display().lower()
    if action == "remind":
        if evaluation.status == S.DRAFT:
            return "not sent to the vendor yet: no reminder"
        if not evaluation.is_vendor_editable:
            return f"{status}: the vendor has nothing left to answer, no reminder"
        if not _active_vendor_invites(evaluation):
            return "no open vendor link: re-send the invites instead"
    elif action == "resend":
        if evaluation.status not in INVITABLE_STATUSES:
            return f"{status}: closed to the vendor, no invite re-sent"
        if not any(i.revoked_at is None for i in evaluation.invites.all()):
            return "no invite to re-send (none sent, or all revoked)"
    elif action == "extend":
        if evaluation.status in (S.DECIDED, S.ARCHIVED):
            return f"{status}: the due date no longer matters"
        if due_date is None:
            return "no new due date given"
        if evaluation.due_date is not None and evaluation.due_date >= due_date:
            return f"already due on {evaluation.due_date:%Y-%m-%d}: due dates are only extended"
    elif action == "archive" and S.ARCHIVED not in evaluation.allowed_transitions():
        if evaluation.status == S.ARCHIVED:
            return "already archived"
        return f"{status}: only drafts, open and decided evaluations can be archived"
    return None


def _will(action: str, evaluation: Evaluation, due_date: datetime.date | None) -> str:
    if action == "remind":
        contacts = sorted({i.contact.name for i in _active_vendor_invites(evaluation)})
        return f"e-mail a reminder to {', '.join(contacts)}"
    if action == "resend":
        count = sum(1 for i in evaluation.invites.all() if i.revoked_at is None)
        if count == 1:
            return "e-mail 1 new link; the previous link stops working"
        return f"e-mail {count} new links; the previous links stop working"
    if action == "extend":
        previous = f"{evaluation.due_date:%Y-%m-%d}" if evaluation.due_date else "none"
        return f"move the due date from {previous} to {due_date:%Y-%m-%d} and extend the open vendor links"
    return f"move from {evaluation.get_status_display().lower()} to archived"


def bulk_plan(
    *,
    organization: Organization,
    action: str,
    public_ids: Iterable[str],
    perms: Iterable[str],
    due_date: datetime.date | None = None,
) -> list[BulkItem]:
    """What `bulk_apply` would do to each chosen evaluation; nothing is written."""
    if action not in ACTIONS:
        raise ValidationError({"action": "Choose what to do with the selected evaluations."})
    if ACTIONS[action].perm not in set(perms):
        raise ValidationError(
            f"Your role does not allow: {ACTIONS[action].label.lower()}.", code="permission"
        )
    if action == "extend" and due_date is None:
        raise ValidationError({"due_date": "Enter the new due date as YYYY-MM-DD."})
    if action == "extend" and due_date < timezone.localdate():
        raise ValidationError({"due_date": "The new due date cannot be in the past."})
    evaluations = bulk_selection(organization=organization, public_ids=public_ids)
    if not evaluations:
        raise ValidationError({"evaluations": "Select at least one evaluation."})
    items = []
    for evaluation in evaluations:
        reason = _check(action, evaluation, due_date)
        items.append(BulkItem(evaluation, reason is None, reason or _will(action, evaluation, due_date)))
    return items


def _apply_one(
    action: str, evaluation: Evaluation, *, due_date, user: User, perms, request: HttpRequest | None
) -> str:
    if action == "remind":
        sent = reminder_send(evaluation=evaluation, user=user, request=request)
        return f"reminder e-mailed to {sent} contact{'s' if sent != 1 else ''}"
    if action == "resend":
        invites = [i for i in evaluation.invites.all() if i.revoked_at is None]
        for invite in invites:
            invite_resend(invite=invite, user=user)
        return f"{len(invites)} new link{'s' if len(invites) != 1 else ''} e-mailed"
    if action == "extend":
        evaluation_due_date_change(evaluation=evaluation, due_date=due_date, user=user, request=request)
        return f"due on {due_date:%Y-%m-%d}; open vendor links extended"
    evaluation_move(evaluation=evaluation, to_status=S.ARCHIVED, user=user, perms=perms, request=request)
    return "archived"


def bulk_apply(
    *,
    organization: Organization,
    action: str,
    public_ids: Iterable[str],
    user: User,
    perms: Iterable[str],
    due_date: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> list[BulkItem]:
    """Applies the action to each chosen evaluation in its own transaction; the outcome of each."""
    perms = set(perms)
    planned = bulk_plan(
        organization=organization, action=action, public_ids=public_ids, perms=perms, due_date=due_date
    )
    results = []
    for item in planned:
        try:
            with transaction.atomic():
                # Re-read under the row lock: the state the confirmation showed may have moved on.
                evaluation = (
                    Evaluation.objects.select_for_update(of=("self",))
                    .select_related("product__vendor", "template", "owner", "organization")
                    .get(pk=item.evaluation.pk)
                )
                reason = _check(action, evaluation, due_date)
                if reason is not None:
                    results.append(BulkItem(evaluation, False, reason))
                    continue
                detail = _apply_one(
                    action, evaluation, due_date=due_date, user=user, perms=perms, request=request
                )
                evaluation.refresh_from_db(fields=["status", "due_date"])
                results.append(BulkItem(evaluation, True, detail))
        except ValidationError as exc:
            results.append(BulkItem(item.evaluation, False, " ".join(exc.messages)))
    return results
