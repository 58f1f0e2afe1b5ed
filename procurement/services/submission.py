"""The vendor's submission of an evaluation's answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from procurement.models import ClarificationRequest, Evaluation
from procurement.services.scoring import scoring_request
from procurement.services.workflow import evaluation_transition
from procurement.tasks import notify_evaluation_submitted
from questionnaires.answers import QuestionnaireState
from questionnaires.models import Answer, EvidenceFile, Question, Section

if TYPE_CHECKING:
    from django.http import HttpRequest

    from vendors.models import Contact

SUBMITTABLE = frozenset(
    {Evaluation.Status.SENT, Evaluation.Status.IN_PROGRESS, Evaluation.Status.CHANGES_REQUESTED}
)


def evaluation_state(evaluation: Evaluation) -> QuestionnaireState:
    """Visibility and completeness of the evaluation's answers as stored now (four queries)."""
    sections = {s.pk: i for i, s in enumerate(Section.objects.filter(template_id=evaluation.template_id))}
    questions = sorted(
        Question.objects.filter(template_id=evaluation.template_id),
        key=lambda q: (sections.get(q.section_id, 0), q.order, q.pk),
    )
    answers = {a.question_id: a for a in Answer.objects.filter(evaluation_id=evaluation.pk)}
    counts: dict[int, int] = {}
    for question_id in EvidenceFile.objects.filter(
        evaluation_id=evaluation.pk, removed_at__isnull=True
    ).values_list("question_id", flat=True):
        counts[question_id] = counts.get(question_id, 0) + 1
    return QuestionnaireState(questions=questions, answers=answers, file_counts=counts)


@transaction.atomic
def evaluation_submit(
    *, evaluation: Evaluation, contact: Contact | None, request: HttpRequest | None = None
) -> Evaluation:
    """Locks the answers and hands the evaluation to the reviewers.

    Raises ValidationError (code "incomplete", params["missing"] = the question keys) while a
    required, visible question is unanswered. The evaluation row is locked before completeness is
    checked; answer saves take the same lock, so no answer can change between check and submit.
    """
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.status not in SUBMITTABLE:
        raise ValidationError(
            f"The questionnaire is {locked.get_status_display().lower()} and cannot be submitted.",
            code="not_submittable",
        )
    missing = [q.key for q in evaluation_state(locked).missing()]
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
    # the broker is down the outbox sweep sends it later. The e-mail is best effort (robust).
    scoring_request(evaluation=locked)
    evaluation_id = locked.pk
    transaction.on_commit(lambda: notify_evaluation_submitted.delay(evaluation_id), robust=True)
    return evaluation
