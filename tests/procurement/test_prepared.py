"""Prepared queries give the rows their queryset gives, however often and on whichever session."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from procurement.models import Answer, Invite, ReviewComment
from procurement.prepared import PreparedQuery
from procurement.services.invites import invite_token_hash
from tests.factories import AnswerFactory, EvaluationFactory, InviteFactory, ReviewCommentFactory

pytestmark = pytest.mark.django_db


def _answers_with_question(evaluation_id):
    return (
        Answer.objects.filter(evaluation_id=evaluation_id).select_related("question__section").order_by("pk")
    )


answers_with_question = PreparedQuery(_answers_with_question, evaluation_id=int)


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_rows_and_their_related_objects_are_those_of_the_queryset():
    first, second = EvaluationFactory(), EvaluationFactory()
    for evaluation in (first, second, first):
        AnswerFactory(evaluation=evaluation, value={"rows": [1, 2]})
    for evaluation in (first, second, first):  # the second call of a shape runs the compiled SQL
        prepared = answers_with_question(evaluation_id=evaluation.pk)
        expected = list(_answers_with_question(evaluation.pk))
        assert [_fields(a) for a in prepared] == [_fields(a) for a in expected]
        assert [a.value for a in prepared] == [{"rows": [1, 2]}] * len(expected)  # JSON decoded
        with CaptureQueriesContext(connection) as related:
            sections = [(a.question.prompt, a.question.section.title) for a in prepared]
        assert sections == [(a.question.prompt, a.question.section.title) for a in expected]
        assert len(related) == 0, "select_related objects must come with the row"
    assert len(answers_with_question(evaluation_id=first.pk)) == 2


def test_annotations_and_string_parameters_are_carried():
    invite = InviteFactory()
    ReviewCommentFactory(evaluation=invite.evaluation)
    ReviewCommentFactory(evaluation=invite.evaluation)
    by_hash = PreparedQuery(
        lambda token_hash: (
            Invite.objects.filter(token_hash=token_hash)
            .select_related("evaluation")
            .annotate(comments=Count("evaluation__comments"))
        ),
        token_hash=str,
    )
    for _ in range(2):
        (found,) = by_hash(token_hash=invite_token_hash(invite.token))
        assert found.pk == invite.pk
        assert found.comments == ReviewComment.objects.filter(evaluation=invite.evaluation).count() == 2
        assert found.evaluation.pk == invite.evaluation_id
    assert by_hash(token_hash="not a hash") == []


@pytest.mark.django_db(transaction=True)
def test_each_call_is_one_statement_and_a_reconnection_prepares_again():
    evaluation = EvaluationFactory()
    AnswerFactory(evaluation=evaluation)
    answers_with_question(evaluation_id=evaluation.pk)
    with CaptureQueriesContext(connection) as captured:
        assert len(answers_with_question(evaluation_id=evaluation.pk)) == 1
    assert len(captured) == 1
    if connection.vendor == "postgresql":
        assert captured[0]["sql"].startswith("EXECUTE "), "PostgreSQL runs the session's prepared statement"
    # A new session has no prepared statement: the next call must prepare it there again.
    connection.close()
    assert len(answers_with_question(evaluation_id=evaluation.pk)) == 1


def test_parameters_are_checked():
    with pytest.raises(TypeError, match="evaluation_id"):
        answers_with_question(question_id=1)
    unused = PreparedQuery(lambda evaluation_id: Answer.objects.filter(pk=1), evaluation_id=int)
    with pytest.raises(ValueError, match="evaluation_id"):
        unused(evaluation_id=1)
    prefetching = PreparedQuery(
        lambda evaluation_id: Answer.objects.filter(evaluation_id=evaluation_id).prefetch_related("question"),
        evaluation_id=int,
    )
    with pytest.raises(ValueError, match="prefetch"):
        prefetching(evaluation_id=1)
