"""The vendor page and the autosave read a fixed number of rows and write nothing they need not."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection

from procurement.models import Answer, Evaluation
from questionnaires.models import Question
from tests.factories import AnswerFactory, EvaluationFactory, InviteFactory, QuestionFactory, SectionFactory
from tests.procurement.conftest import answer_post, portal_url

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
AUTOSAVE_BUDGET = 6
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements():
    """The SQL run inside the block, counted at the cursor.

    Django's own query log is emptied when a request starts, so a count around a test-client
    request would see only part of it. Savepoints are left out: in production the save's one
    transaction is a BEGIN and a COMMIT on the connection, which run no statement here.
    """
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def _questionnaire_of(size: int):
    """An evaluation in progress over `size` questions of every kind, half of them answered."""
    evaluation = EvaluationFactory(status=Evaluation.Status.IN_PROGRESS)
    sections = [SectionFactory(template=evaluation.template, order=i) for i in range(3)]
    types = [Question.Type.YES_NO, Question.Type.NUMBER, Question.Type.LONG_TEXT, Question.Type.FILE]
    first_text = None
    for i in range(size):
        qtype = types[i % 4]
        question = QuestionFactory(section=sections[i % 3], type=qtype, order=i)
        if qtype == Question.Type.LONG_TEXT and first_text is None and question.section == sections[0]:
            first_text = question
        elif i % 2 and qtype == Question.Type.YES_NO:
            AnswerFactory(evaluation=evaluation, question=question, value="yes")
    return InviteFactory(evaluation=evaluation), first_text


@pytest.mark.parametrize("size", [12, 120])
def test_the_vendor_page_reads_the_same_rows_whatever_its_size_and_writes_nothing(size, client):
    invite, _ = _questionnaire_of(size)
    client.get(portal_url(invite))  # the link's first use this hour is written once
    with statements() as seen:
        response = client.get(portal_url(invite))
    assert response.status_code == 200
    assert [s for s in seen if s.lstrip().upper().startswith(WRITES)] == []
    # The invite, answers, files, comments and clarifications (the structure is held in memory).
    assert len(seen) == 5, seen


@pytest.mark.parametrize("size", [12, 120])
def test_an_autosave_stays_within_its_query_budget_whatever_the_size(size, client):
    invite, question = _questionnaire_of(size)
    url = portal_url(invite, f"q/{question.key}/")
    client.get(portal_url(invite))
    client.post(url, answer_post(question, "first words"), **HTMX)  # the first save also starts work
    with statements() as seen:
        response = client.post(url, answer_post(question, "first words, and more", version=1), **HTMX)
    assert response.status_code == 200
    assert '<span class="save-state-saved">Saved</span>' in response.content.decode()
    assert Answer.objects.get(question=question).value == "first words, and more"
    # The invite, the evaluation's lock, its answers, the update, the audit line, its live files.
    assert len(seen) <= AUTOSAVE_BUDGET, "\n".join(seen)
