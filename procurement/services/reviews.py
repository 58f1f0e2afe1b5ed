"""Review of a submitted evaluation: assignments, sign-off, comments, clarification, decision."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Perm, role_has_perm
from procurement.models import (
    Answer,
    AuditEvent,
    ClarificationRequest,
    DecisionCondition,
    Evaluation,
    Notification,
    ReviewComment,
    ReviewerAssignment,
)
from procurement.services.audit import audit_record
from procurement.services.notifications import notifications_create
from procurement.services.reassessment import review_cycle_after_decision
from procurement.services.remediation import remediation_condition_met, remediation_from_conditions
from procurement.services.webhooks import evaluation_event_data, webhook_event_emit
from procurement.services.workflow import evaluation_transition
from questionnaires.models import Question, Section

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from django.http import HttpRequest

S = Evaluation.Status
IN_REVIEW = frozenset({S.SUBMITTED, S.UNDER_REVIEW})


def _ensure_member_may(evaluation: Evaluation, user: User, perm: str) -> None:
    membership = Membership.objects.filter(organization=evaluation.organization, user=user).first()
    if membership is None or not role_has_perm(membership.role, perm):
        raise ValidationError("This person's role does not allow that.")


def _ensure_in_review(evaluation: Evaluation, what: str) -> None:
    if evaluation.status not in IN_REVIEW:
        raise ValidationError(
            f"{what} is possible only once the vendor has submitted (the evaluation is "
            f"{evaluation.get_status_display().lower()})."
        )


# ---------------------------------------------------------------------------------------------
# Reading: the answers as reviewers see them
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Assignments and sign-off
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def reviewer_assign(
    *, evaluation: Evaluation, reviewer: User, section: Section | None, user: User, request=None
) -> ReviewerAssignment:
    _ensure_member_may(evaluation, reviewer, Perm.REVIEW)
    if section is not None and section.template_id != evaluation.template_id:
        raise ValidationError({"section": "That section is not part of this questionnaire."})
    if evaluation.status == S.ARCHIVED:
        raise ValidationError("An archived evaluation cannot change.")
    # A null section is not caught by the unique constraint on every database.
    if ReviewerAssignment.objects.filter(evaluation=evaluation, reviewer=reviewer, section=section).exists():
        raise ValidationError("This reviewer is already assigned to that part.")
    try:
        with transaction.atomic():
            assignment = ReviewerAssignment.objects.create(
                organization=evaluation.organization,
                evaluation=evaluation,
                reviewer=reviewer,
                section=section,
            )
    except IntegrityError as exc:
        raise ValidationError("This reviewer is already assigned to that part.") from exc
    if reviewer.pk != user.pk:
        part = section.title if section is not None else "the whole questionnaire"
        notifications_create(
            recipients=[reviewer],
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=Notification.Kind.SECTION_ASSIGNED,
            message=f"{user.get_full_name() or user} asked you to review {part} of {evaluation.product}.",
            link=f"{evaluation.get_absolute_url()}#reviewers-heading",
        )
    return assignment


@transaction.atomic
def section_sign_off(*, assignment: ReviewerAssignment, user: User, request: HttpRequest | None = None):
    if assignment.reviewer_id != user.pk:
        raise ValidationError("Only the assigned reviewer can sign off their part.")
    if assignment.signed_off_at is not None:
        raise ValidationError("This part is already signed off.")
    evaluation = assignment.evaluation
    _ensure_in_review(evaluation, "Signing off")
    assignment.signed_off_at = timezone.now()
    assignment.save(update_fields=["signed_off_at"])
    part = assignment.section.title if assignment.section_id else "the whole questionnaire"
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.SECTION_SIGNED_OFF,
        summary=f"Signed off {part}",
        user=user,
        request=request,
        data={"section": assignment.section.key if assignment.section_id else None},
    )
    # The last sign-off hands the evaluation to its owner for the decision.
    if not evaluation.assignments.filter(signed_off_at__isnull=True).exists():
        notifications_create(
            recipients=[evaluation.owner],
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=Notification.Kind.DECISION_REQUESTED,
            message=f"Every part of {evaluation.product} is signed off: the decision is yours.",
            link=f"{evaluation.get_absolute_url()}#decision-heading",
        )
    return assignment


# ---------------------------------------------------------------------------------------------
# Comments and clarification
# ---------------------------------------------------------------------------------------------


def _question_of(evaluation: Evaluation, question_id: int) -> Question:
    question = Question.objects.filter(template_id=evaluation.template_id, pk=question_id).first()
    if question is None:
        raise ValidationError("That question is not part of this questionnaire.")
    return question


@transaction.atomic
def comment_add(
    *,
    evaluation: Evaluation,
    question_id: int,
    body: str,
    user: User,
    is_visible_to_vendor: bool = False,
    request: HttpRequest | None = None,
) -> ReviewComment:
    question = _question_of(evaluation, question_id)
    if not body.strip():
        raise ValidationError({"body": "Write the comment."})
    comment = ReviewComment.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        question=question,
        author=user,
        body=body.strip(),
        is_visible_to_vendor=is_visible_to_vendor,
    )
    audience = "visible to the vendor" if is_visible_to_vendor else "internal"
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.COMMENT_ADDED,
        summary=f"Comment ({audience}) on {question.key}",
        user=user,
        request=request,
        data={"question": question.key, "visible_to_vendor": is_visible_to_vendor},
    )
    return comment


@transaction.atomic
def clarification_request(
    *,
    evaluation: Evaluation,
    question_ids: Sequence[int],
    message: str,
    user: User,
    request: HttpRequest | None = None,
) -> list[ClarificationRequest]:
    """Reopens the chosen questions and sends the evaluation back to the vendor."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    _ensure_in_review(evaluation, "Requesting clarification")
    if not message.strip():
        raise ValidationError({"message": "Tell the vendor what needs clarifying."})
    questions = list(Question.objects.filter(template_id=evaluation.template_id, pk__in=set(question_ids)))
    if not questions or len(questions) != len(set(question_ids)):
        raise ValidationError({"questions": "Choose at least one question of this questionnaire."})
    answers = {
        a.question_id: a.value for a in Answer.objects.filter(evaluation=evaluation, question__in=questions)
    }
    created = ClarificationRequest.objects.bulk_create(
        ClarificationRequest(
            organization=evaluation.organization,
            evaluation=evaluation,
            question=q,
            requested_by=user,
            message=message.strip(),
            answer_snapshot=answers.get(q.id),
        )
        for q in questions
    )
    keys = sorted(q.key for q in questions)
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.CLARIFICATION_REQUESTED,
        summary=f"Clarification requested on {len(keys)} question(s): {', '.join(keys)}"[:400],
        user=user,
        request=request,
        data={"questions": keys, "message": message.strip()},
    )
    evaluation_transition(
        evaluation=evaluation, to_status=S.CHANGES_REQUESTED, user=user, note=message.strip(), request=request
    )
    return created


# ---------------------------------------------------------------------------------------------
# Decision and its conditions
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def decision_record(
    *,
    evaluation: Evaluation,
    decision: str,
    rationale: str,
    user: User,
    conditions: Iterable[dict[str, Any]] = (),
    request: HttpRequest | None = None,
) -> Evaluation:
    """Records the decision; 'approved with conditions' turns its conditions into a checklist."""
    conditions = [c for c in conditions if (c.get("description") or "").strip()]
    errors: dict[str, str] = {}
    if decision not in Evaluation.Decision.values:
        errors["decision"] = "Choose approve, approve with conditions or reject."
    if not rationale.strip():
        errors["rationale"] = "A decision needs a rationale."
    if decision == Evaluation.Decision.APPROVED_WITH_CONDITIONS and not conditions:
        errors["decision"] = "Approving with conditions needs at least one condition."
    if conditions and decision != Evaluation.Decision.APPROVED_WITH_CONDITIONS:
        errors["decision"] = "Conditions apply only to an approval with conditions."
    if errors:
        raise ValidationError(errors)
    _ensure_in_review(evaluation, "Deciding")
    locked = evaluation_transition(evaluation=evaluation, to_status=S.DECIDED, user=user, request=request)
    locked.decision = decision
    locked.decision_rationale = rationale.strip()
    locked.decided_at = timezone.now()
    locked.decided_by = user
    locked.save(update_fields=["decision", "decision_rationale", "decided_at", "decided_by", "updated_at"])
    created = DecisionCondition.objects.bulk_create(
        DecisionCondition(
            organization=locked.organization,
            evaluation=locked,
            description=c["description"].strip(),
            owner=c.get("owner"),
            due_date=c.get("due_date"),
        )
        for c in conditions
    )
    # Each condition is followed up as a blocking remediation item on our side (notified below).
    remediation_from_conditions(
        evaluation=locked, conditions=created, user=user, request=request, notify=False
    )
    for condition in created:
        if condition.owner is not None and condition.owner.pk != user.pk:
            notifications_create(
                recipients=[condition.owner],
                organization=locked.organization,
                evaluation=locked,
                kind=Notification.Kind.CONDITION_ASSIGNED,
                message=f"A condition of approval of {locked.product} is yours: {condition.description}",
                link=f"{locked.get_absolute_url()}#conditions-heading",
            )
    audit_record(
        organization=locked.organization,
        evaluation=locked,
        kind=AuditEvent.Kind.DECISION_RECORDED,
        summary=f"Decision: {Evaluation.Decision(decision).label}"
        + (f" ({len(conditions)} condition(s))" if conditions else ""),
        user=user,
        request=request,
        data={"decision": decision, "rationale": rationale.strip(), "conditions": len(conditions)},
    )
    review_cycle_after_decision(evaluation=locked)
    webhook_event_emit(
        organization=locked.organization,
        kind="evaluation.decided",
        data={
            "evaluation": evaluation_event_data(locked),
            "decision": decision,
            "rationale": locked.decision_rationale,
            "decided_at": locked.decided_at.isoformat(),
            "decided_by": user.get_full_name() or user.get_username(),
            "conditions": [
                {"description": c.description, "due_date": c.due_date.isoformat() if c.due_date else None}
                for c in created
            ],
        },
    )
    for attr in ("decision", "decision_rationale", "decided_at", "decided_by"):
        setattr(evaluation, attr, getattr(locked, attr))
    return locked


@transaction.atomic
def condition_complete(
    *, condition: DecisionCondition, user: User, request: HttpRequest | None = None
) -> DecisionCondition:
    if condition.completed_at is not None:
        raise ValidationError("This condition is already marked as met.")
    condition.completed_at = timezone.now()
    condition.save(update_fields=["completed_at"])
    audit_record(
        organization=condition.organization,
        evaluation=condition.evaluation,
        kind=AuditEvent.Kind.DECISION_RECORDED,
        summary=f"Condition met: {condition.description}"[:400],
        user=user,
        request=request,
        data={"condition_id": condition.pk},
    )
    remediation_condition_met(condition=condition, user=user, request=request)
    return condition


def conditions_overdue(evaluation: Evaluation, today: datetime.date | None = None) -> list[DecisionCondition]:
    today = today or timezone.localdate()
    return [c for c in evaluation.conditions.all() if not c.is_done and c.due_date and c.due_date < today]
