from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from procurement.models import AuditEvent, Evaluation, EvaluationStatusChange
from procurement.services.workflow import evaluation_transition
from tests.factories import EvaluationFactory

pytestmark = pytest.mark.django_db
S = Evaluation.Status


def test_a_legal_move_is_recorded_with_who_and_when(officer):
    evaluation = EvaluationFactory(status=S.DRAFT)
    evaluation_transition(evaluation=evaluation, to_status=S.SENT, user=officer)
    evaluation.refresh_from_db()
    assert evaluation.status == S.SENT
    assert evaluation.sent_at is not None
    change = EvaluationStatusChange.objects.get(evaluation=evaluation)
    assert (change.from_status, change.to_status, change.actor) == (S.DRAFT, S.SENT, officer)
    event = AuditEvent.objects.get(evaluation=evaluation)
    assert event.kind == AuditEvent.Kind.STATUS_CHANGED
    assert event.actor_user == officer


def test_the_whole_review_loop_is_allowed(officer):
    evaluation = EvaluationFactory(status=S.DRAFT)
    for to_status in [
        S.SENT,
        S.IN_PROGRESS,
        S.SUBMITTED,
        S.UNDER_REVIEW,
        S.CHANGES_REQUESTED,
        S.IN_PROGRESS,
        S.SUBMITTED,
        S.UNDER_REVIEW,
        S.DECIDED,
        S.ARCHIVED,
    ]:
        evaluation_transition(evaluation=evaluation, to_status=to_status, user=officer)
    assert EvaluationStatusChange.objects.filter(evaluation=evaluation).count() == 10


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [(S.DRAFT, S.DECIDED), (S.SENT, S.UNDER_REVIEW), (S.ARCHIVED, S.SENT), (S.DECIDED, S.IN_PROGRESS)],
)
def test_an_illegal_move_is_refused_with_a_clear_message_and_nothing_is_written(
    officer, from_status, to_status
):
    evaluation = EvaluationFactory(status=from_status)
    with pytest.raises(ValidationError, match="cannot move to"):
        evaluation_transition(evaluation=evaluation, to_status=to_status, user=officer)
    evaluation.refresh_from_db()
    assert evaluation.status == from_status
    assert not EvaluationStatusChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_audit_log_cannot_be_edited_or_deleted(officer):
    evaluation = EvaluationFactory(status=S.DRAFT)
    evaluation_transition(evaluation=evaluation, to_status=S.SENT, user=officer)
    event = AuditEvent.objects.get()
    event.summary = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        AuditEvent.objects.all().update(summary="rewritten")
    with pytest.raises(ValidationError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().summary != "rewritten"
