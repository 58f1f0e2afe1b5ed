"""Reviewers' replacements for computed question scores, each with its justification."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from procurement.models import (
    AuditEvent,
    Evaluation,
    ScoreOverride,
    ScoreRun,
)
from procurement.services.audit import audit_record
from questionnaires.models import Question

if TYPE_CHECKING:
    from django.http import HttpRequest

from procurement.services.scoring import scoring_request


@transaction.atomic
def score_override_set(
    *,
    evaluation: Evaluation,
    question: Question,
    score: Decimal | float | int | None,
    justification: str,
    user: User,
    request: HttpRequest | None = None,
) -> ScoreOverride:
    """Replace a question's computed score with a reviewer's, with the reason, then rescore."""
    errors: dict[str, str] = {}
    justification = (justification or "").strip()
    if not justification:
        errors["justification"] = "Explain why the computed score is wrong; the justification is required."
    try:
        value = Decimal(str(score)) if score is not None and score != "" else None
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not (0 <= value <= 100):
        errors["score"] = "Enter a score from 0 to 100."
    if question.template_id != evaluation.template_id or not question.scoring:
        errors["question"] = "This question is not scored in this evaluation's questionnaire."
    if errors:
        raise ValidationError(errors)
    value = value.quantize(Decimal("0.01"))

    existing = (
        ScoreOverride.objects.select_for_update().filter(evaluation=evaluation, question=question).first()
    )
    latest = evaluation.score_runs.filter(status=ScoreRun.Status.DONE).order_by("-finished_at", "-id").first()
    computed = None
    if latest is not None:
        computed = latest.computed_scores.get(question.key)
    old = str(existing.score) if existing else None
    if existing:
        existing.score, existing.justification, existing.created_by = value, justification, user
        existing.created_at = timezone.now()
        existing.save(update_fields=["score", "justification", "created_by", "created_at"])
        override = existing
    else:
        override = ScoreOverride.objects.create(
            organization_id=evaluation.organization_id,
            evaluation=evaluation,
            question=question,
            score=value,
            justification=justification,
            created_by=user,
        )
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.SCORE_OVERRIDDEN,
        summary=f"Score of {question.key} overridden: {old if old is not None else computed} → {value}",
        user=user,
        request=request,
        data={
            "question": question.key,
            "old": old,
            "computed": computed,
            "new": str(value),
            "justification": justification,
        },
    )
    scoring_request(evaluation=evaluation, user=user)
    return override


@transaction.atomic
def score_override_clear(
    *, evaluation: Evaluation, question: Question, user: User, request: HttpRequest | None = None
) -> None:
    existing = ScoreOverride.objects.filter(evaluation=evaluation, question=question).first()
    if existing is None:
        raise ValidationError("There is no override on this question.")
    existing.delete()
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.SCORE_OVERRIDDEN,
        summary=f"Override of {question.key} removed (was {existing.score})",
        user=user,
        request=request,
        data={"question": question.key, "old": str(existing.score), "new": None},
    )
    scoring_request(evaluation=evaluation, user=user)
