"""The evaluation workflow: every status change goes through evaluation_transition."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from procurement.models import AuditEvent, Evaluation, EvaluationStatusChange
from procurement.services.audit import actor_label, audit_record

if TYPE_CHECKING:
    from django.http import HttpRequest

    from vendors.models import Contact


@transaction.atomic
def evaluation_transition(
    *,
    evaluation: Evaluation,
    to_status: str,
    user: User | None = None,
    contact: Contact | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Evaluation:
    """Moves an evaluation along the workflow, or raises ValidationError if the move is illegal.

    The row is locked first, so two concurrent moves (say, a vendor submitting while an officer
    archives) are applied one after the other and the second sees the first's result.
    """
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    locked.check_transition(to_status)
    from_status = locked.status
    now = timezone.now()
    locked.status = to_status
    update_fields = ["status", "updated_at"]
    if to_status == Evaluation.Status.SENT and locked.sent_at is None:
        locked.sent_at = now
        update_fields.append("sent_at")
    if to_status == Evaluation.Status.SUBMITTED:
        locked.submitted_at = now
        update_fields.append("submitted_at")
    locked.save(update_fields=update_fields)
    label = actor_label(user=user, contact=contact)
    EvaluationStatusChange.objects.create(
        organization=locked.organization,
        evaluation=locked,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        actor_label=label,
        note=note,
    )
    audit_record(
        organization=locked.organization,
        evaluation=locked,
        kind=AuditEvent.Kind.STATUS_CHANGED,
        summary=f"Status: {Evaluation.Status(from_status).label} → {Evaluation.Status(to_status).label}",
        user=user,
        contact=contact,
        request=request,
        data={"from": from_status, "to": to_status, "note": note},
    )
    # Callers holding the old instance see the new state too.
    evaluation.status = locked.status
    evaluation.sent_at = locked.sent_at
    evaluation.submitted_at = locked.submitted_at
    return locked
