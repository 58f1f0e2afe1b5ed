"""An approved product: its evaluation submitted by the vendor, scored to a tier and approved."""

from __future__ import annotations

import datetime

from django.utils import timezone

from procurement.models import Evaluation
from procurement.services.reviews import decision_record
from tests.factories import InviteFactory
from tests.procurement.prefill_setup import submitted_evaluation


def approved(org, officer, *, tier: str = "high", decided_at: datetime.datetime | None = None):
    """(evaluation, questions): approved by `officer` with risk tier `tier`, now or at `decided_at`."""
    setup = submitted_evaluation(org, officer)
    evaluation = setup.evaluation
    Evaluation.objects.filter(pk=evaluation.pk).update(risk_tier=tier)
    evaluation.refresh_from_db()
    decision_record(
        evaluation=evaluation,
        decision=Evaluation.Decision.APPROVED,
        rationale="Meets the policy.",
        user=officer,
    )
    if decided_at is not None:
        Evaluation.objects.filter(pk=evaluation.pk).update(decided_at=decided_at)
        from procurement.models import ReviewCycle
        from procurement.services.reassessment import review_cycle_after_decision

        ReviewCycle.objects.filter(approved_evaluation=evaluation).delete()
        evaluation.refresh_from_db()
        review_cycle_after_decision(evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation, setup.questions


def vendor_invite(evaluation):
    """The vendor's link of the approved evaluation (still working after the decision)."""
    return InviteFactory(evaluation=evaluation, expires_at=timezone.now() + datetime.timedelta(days=60))
