"""What a vendor does through an invite link: save answers, upload evidence, load the questionnaire."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from procurement.models import (
    Answer,
    AuditEvent,
    ClarificationRequest,
    Evaluation,
    Invite,
)
from procurement.prepared import PreparedQuery
from procurement.services.audit import audit_record
from procurement.services.workflow import evaluation_transition
from questionnaires.engine.answers import AnswerConflict, clean_value
from questionnaires.engine.intake import in_scope
from questionnaires.models import Question, Section

if TYPE_CHECKING:
    from django.http import HttpRequest

    from vendors.models import Contact

S = Evaluation.Status


def _lock_for_vendor_change(
    *, evaluation: Evaluation, question: Question, invite: Invite | None = None
) -> Evaluation:
    """Locks the evaluation row and checks that this question may change now.

    Every answer save and the submission take this same lock, so a save can never slip in after
    the evaluation was submitted, and saves of one evaluation apply one after another. Whether a
    clarification round restricts editing, and whether the question is in the scope the intake
    set, are read in the same query. A link handed over for some sections (`invite.sections`)
    changes only those.
    """
    if question.template_id != evaluation.template_id:
        raise ValidationError("This question is not part of this questionnaire.", code="foreign_question")
    locked = _locked_row(evaluation_id=evaluation.pk, question=question)
    if not (
        in_scope(locked.section_asked_from or "", locked.inherent_tier)
        and in_scope(question.asked_from, locked.inherent_tier)
    ):
        raise ValidationError("This question is not asked for this use.", code="out_of_scope")
    if invite is not None and invite.sections and locked.section_key not in invite.sections:
        raise ValidationError(
            "This link was handed over for other sections; this one is answered by your colleague.",
            code="not_delegated",
        )
    if locked.status not in Evaluation.VENDOR_EDITABLE:
        raise ValidationError(
            f"The questionnaire is {locked.get_status_display().lower()} and can no longer be changed.",
            code="locked",
        )
    # During a clarification round only the questions a reviewer reopened may change.
    if locked.has_open_requests and not locked.question_is_open:
        raise ValidationError(
            "Only the questions the reviewers asked about can be changed now.", code="not_reopened"
        )
    return locked


def _locked_row(*, evaluation_id: int, question: Question) -> Evaluation:
    """The evaluation's row, locked, with what the save checks read beside it, in one statement.

    Written as SQL because every autosave runs it: the ORM spent longer composing the four
    subqueries than the database took to answer them.
    """
    ev, cr, sec = (m._meta.db_table for m in (Evaluation, ClarificationRequest, Section))
    features = connection.features
    lock = " FOR UPDATE" if features.has_select_for_update else ""
    # Only table names from the models are formatted in; every value goes as a parameter.
    open_requests = f"SELECT 1 FROM {cr} c WHERE c.evaluation_id = e.id AND c.resolved_at IS NULL"  # noqa: S608
    sql = (
        "SELECT e.id, e.status, e.organization_id, e.template_id, e.inherent_tier, "  # noqa: S608
        f"EXISTS ({open_requests}) AS has_open_requests, "
        f"EXISTS ({open_requests} AND c.question_id = %s) AS question_is_open, "
        f'(SELECT s."key" FROM {sec} s WHERE s.id = %s) AS section_key, '
        f"(SELECT s.asked_from FROM {sec} s WHERE s.id = %s) AS section_asked_from "
        f"FROM {ev} e WHERE e.id = %s{lock}"
    )
    params = [question.pk, question.section_id, question.section_id, evaluation_id]
    rows = list(Evaluation.objects.raw(sql, params))
    if not rows:
        raise Evaluation.DoesNotExist("The evaluation no longer exists.")
    return rows[0]


def _mark_in_progress(*, locked: Evaluation, evaluation: Evaluation, contact, user, request) -> None:
    if locked.status in (S.SENT, S.CHANGES_REQUESTED):
        evaluation_transition(
            evaluation=evaluation, to_status=S.IN_PROGRESS, contact=contact, user=user, request=request
        )


# Every autosave reads the evaluation's answers: compiled once per connection.
_live_answers_of = PreparedQuery(
    lambda evaluation_id: Answer.objects.filter(evaluation_id=evaluation_id, archived_at__isnull=True),
    evaluation_id=int,
)


@dataclass(frozen=True)
class AnswerSaved:
    """A stored answer, with every answer of the evaluation as read under the save's lock.

    `before` and `after` map question ids to answers, so the caller can tell what the save showed
    or hid and count progress without reading the answers again.
    """

    answer: Answer
    before: dict[int, Answer]
    after: dict[int, Answer]


def answer_save(
    *,
    evaluation: Evaluation,
    question: Question,
    value: Any,
    is_not_applicable: bool = False,
    expected_version: int,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
    invite: Invite | None = None,
) -> Answer:
    """Validates and stores one answer, or raises ValidationError / AnswerConflict.

    `expected_version` is the version the person saw. If someone saved in between, the stored
    answer is returned inside AnswerConflict and nothing is written: the later save never
    silently replaces the earlier one.
    """
    return answer_save_in_context(
        evaluation=evaluation,
        question=question,
        value=value,
        is_not_applicable=is_not_applicable,
        expected_version=expected_version,
        contact=contact,
        user=user,
        request=request,
        invite=invite,
    ).answer


@transaction.atomic
def answer_save_in_context(
    *,
    evaluation: Evaluation,
    question: Question,
    value: Any,
    is_not_applicable: bool = False,
    expected_version: int,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
    invite: Invite | None = None,
) -> AnswerSaved:
    """`answer_save`, answering with the evaluation's answers before and after the save.

    The autosave reads no more than this: the evaluation's lock, its answers, one write and one
    audit line (a first save also moves the evaluation to "in progress").
    """
    if is_not_applicable:
        if not question.allows_na:
            raise ValidationError("This question cannot be answered 'not applicable'.", code="na")
        new_value = None
    else:
        new_value = clean_value(question, value)
    locked = _lock_for_vendor_change(evaluation=evaluation, question=question, invite=invite)
    # Every save of this evaluation holds its row lock (above), so the answers read now cannot
    # change before this transaction ends; no second lock on the answer row is needed.
    # Who saved an answer is read only for a conflict's message (lazily, then): not on every save.
    before = {a.question_id: a for a in _live_answers_of(evaluation_id=evaluation.pk)}
    answer = before.get(question.pk)
    stored_version = answer.version if answer is not None else 0
    if expected_version != stored_version:
        raise AnswerConflict(answer)
    now = timezone.now()
    old_value = answer.value if answer is not None else None
    old_na = answer.is_not_applicable if answer is not None else False
    if answer is None:
        answer = Answer.objects.create(
            organization_id=evaluation.organization_id,
            evaluation_id=evaluation.pk,
            question=question,
            value=new_value,
            is_not_applicable=is_not_applicable,
            version=1,
            updated_at=now,
            updated_by_contact=contact,
            updated_by_user=user,
        )
    else:
        if old_value == new_value and old_na == is_not_applicable:
            if answer.is_pending:
                # Saving a prefilled answer as it stands is the vendor's word for it.
                answer = copy.copy(answer)
                answer.question = question
                _confirm(answer, now=now, contact=contact, user=user, request=request, evaluation=evaluation)
                _mark_in_progress(
                    locked=locked, evaluation=evaluation, contact=contact, user=user, request=request
                )
                return AnswerSaved(answer=answer, before=before, after={**before, question.pk: answer})
            # Nothing changed: no new version, no audit line.
            return AnswerSaved(answer=answer, before=before, after=before)
        answer = copy.copy(answer)
        confirming = answer.is_pending
        answer.value = new_value
        answer.is_not_applicable = is_not_applicable
        answer.version = stored_version + 1
        answer.updated_at = now
        answer.updated_by_contact = contact
        answer.updated_by_user = user
        fields = [
            "value",
            "is_not_applicable",
            "version",
            "updated_at",
            "updated_by_contact",
            "updated_by_user",
        ]
        if confirming:
            # Editing a prefilled answer confirms it; `prefilled_value` keeps what was carried, so the
            # answer reads as changed after carrying.
            answer.confirmed_at = now
            answer.confirmed_by_contact = contact
            fields += ["confirmed_at", "confirmed_by_contact"]
        answer.save(update_fields=fields)
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.ANSWER_CHANGED,
        summary=f"Answer to {question.key} changed",
        user=user,
        contact=contact,
        request=request,
        data={
            "question": question.key,
            "old": old_value,
            "new": new_value,
            "old_not_applicable": old_na,
            "new_not_applicable": is_not_applicable,
            "version": answer.version,
            **({"prefilled": answer.source} if answer.source else {}),
        },
    )
    _mark_in_progress(locked=locked, evaluation=evaluation, contact=contact, user=user, request=request)
    return AnswerSaved(answer=answer, before=before, after={**before, question.pk: answer})


def _confirm(answer: Answer, *, now, contact, user, request, evaluation: Evaluation) -> None:
    answer.confirmed_at = now
    answer.confirmed_by_contact = contact
    answer.save(update_fields=["confirmed_at", "confirmed_by_contact"])
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.ANSWERS_CONFIRMED,
        summary=f"Prefilled answer to {answer.question.key} confirmed",
        user=user,
        contact=contact,
        request=request,
        data={"questions": [answer.question.key], "source": answer.source},
    )
