"""The buyer's inherent-risk intake: what it records and how it scopes the questionnaire."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from procurement.models import AuditEvent, Evaluation
from procurement.services.audit import audit_record
from questionnaires.engine.intake import IntakeError, clean_intake_answers, inherent_tier

if TYPE_CHECKING:
    from django.http import HttpRequest

S = Evaluation.Status
# Until the vendor submits, the scope may still be corrected; afterwards it is part of the record.
INTAKE_EDITABLE = frozenset({S.DRAFT, S.SENT, S.IN_PROGRESS})


@transaction.atomic
def evaluation_intake_record(
    *,
    evaluation: Evaluation,
    answers: dict[str, Any],
    user: User,
    request: HttpRequest | None = None,
) -> Evaluation:
    """Records the intake answers and the inherent tier they set, audited with the old and new scope.

    Raises ValidationError keyed by intake item when an answer is missing or not allowed. Answers
    the vendor already gave to questions that fall out of scope are kept (not asked, not scored),
    so widening the scope again brings them back.
    """
    evaluation = Evaluation.objects.select_for_update().select_related("template").get(pk=evaluation.pk)
    spec = evaluation.template.intake
    if not spec:
        raise ValidationError("This questionnaire has no intake: every question is asked.", code="no_intake")
    if evaluation.status not in INTAKE_EDITABLE:
        raise ValidationError(
            f"The evaluation is {evaluation.get_status_display().lower()}; its scope can no longer change.",
            code="locked",
        )
    try:
        clean = clean_intake_answers(spec, answers)
    except IntakeError as exc:
        raise ValidationError(exc.errors) from exc
    result = inherent_tier(spec, clean)
    before = {"tier": evaluation.inherent_tier, "answers": evaluation.intake_answers}
    if before == {"tier": result.tier, "answers": clean}:
        return evaluation
    evaluation.intake_answers = clean
    evaluation.inherent_tier = result.tier
    evaluation.inherent_reasons = list(result.reasons)
    evaluation.intake_answered_at = timezone.now()
    evaluation.intake_answered_by = user
    evaluation.save(
        update_fields=[
            "intake_answers",
            "inherent_tier",
            "inherent_reasons",
            "intake_answered_at",
            "intake_answered_by",
            "updated_at",
        ]
    )
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.INTAKE_RECORDED,
        summary=f"Risk intake recorded: inherent tier {result.tier}"
        + (f" (was {before['tier']})" if before["tier"] and before["tier"] != result.tier else ""),
        user=user,
        request=request,
        data={"answers": clean, "tier": result.tier, "reasons": list(result.reasons), "before": before},
    )
    return evaluation
