"""The vendor's submission of an evaluation's answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from procurement.models import ClarificationRequest, Evaluation
from procurement.queue import enqueue_or_run_on_commit
from procurement.selectors import evaluation_snapshot
from procurement.services.scoring import scoring_request
from procurement.services.webhooks import evaluation_event_data, webhook_event_emit
from procurement.services.workflow import evaluation_transition

if TYPE_CHECKING:
    from django.http import HttpRequest

    from procurement.models import Invite
    from vendors.models import Contact

SUBMITTABLE = frozenset(
    {Evaluation.Status.SENT, Evaluation.Status.IN_PROGRESS, Evaluation.Status.CHANGES_REQUESTED}
)


@transaction.atomic
def evaluation_submit(
    *,
    evaluation: Evaluation,
    contact: Contact | None,
    request: HttpRequest | None = None,
    invite: Invite | None = None,
) -> Evaluation:
    """Locks the answers and hands the evaluation to the reviewers.

    Raises ValidationError (code "incomplete", params["missing"] = the question keys) while a
    required, visible question is unanswered. The evaluation row is locked before completeness is
    checked; answer saves take the same lock, so no answer can change between check and submit.
    """
    if invite is not None and invite.sections:
        raise ValidationError(
            "This link was handed over for some sections only; the colleague who sent it submits "
            "the questionnaire.",
            code="not_delegated",
        )
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.status not in SUBMITTABLE:
        raise ValidationError(
            f"The questionnaire is {locked.get_status_display().lower()} and cannot be submitted.",
            code="not_submittable",
        )
    missing = [q.key for q in evaluation_snapshot(locked).state.missing()]
    if missing:
        raise ValidationError(
            "Some required questions are not answered yet: %(keys)s.",
            code="incomplete",
            params={"keys": ", ".join(missing), "missing": missing},
        )
    evaluation_transition(
        evaluation=evaluation, to_status=Evaluation.Status.SUBMITTED, contact=contact, request=request
    )
    ClarificationRequest.objects.filter(evaluation=locked, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    # Scoring is queued in the same transaction: its run row is saved with the submission, and if
    # the broker is down the outbox sweep sends it later. The notice is sent by this process when
    # the broker cannot take it.
    scoring_request(evaluation=locked)
    webhook_event_emit(
        organization=locked.organization,
        kind="evaluation.submitted",
        data={
            "evaluation": {**evaluation_event_data(locked), "status": Evaluation.Status.SUBMITTED},
            "submitted_by": contact.name if contact else "",
        },
    )
    evaluation_id = locked.pk
    enqueue_or_run_on_commit("procurement.tasks.notify_evaluation_submitted", evaluation_id)
    return evaluation
