from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from procurement.models import Answer, ClarificationRequest, Evaluation
from procurement.services.submission import evaluation_submit
from tests.factories import AnswerFactory, ClarificationRequestFactory, EvidenceFileFactory
from tests.procurement.conftest import answer_post, portal_url

pytestmark = pytest.mark.django_db
S = Evaluation.Status


def _answer_everything(evaluation, q):
    AnswerFactory(evaluation=evaluation, question=q.phi, value="no")
    AnswerFactory(evaluation=evaluation, question=q.method, value="unknown")
    AnswerFactory(evaluation=evaluation, question=q.days, value=30)
    AnswerFactory(evaluation=evaluation, question=q.table, value=[{"subgroup": "All", "n": 10}])
    EvidenceFileFactory(evaluation=evaluation, question=q.report)


def test_the_review_page_lists_every_missing_required_answer_with_a_link(invite, questions, client):
    body = client.get(portal_url(invite, "review/")).content.decode()
    for q in (questions.phi, questions.method, questions.days, questions.table, questions.report):
        assert q.prompt in body
        assert f"#q-{q.pk}" in body
    assert questions.zip.prompt not in body  # hidden
    assert questions.site.prompt not in body  # optional
    assert "Submit the questionnaire" not in body


def test_submitting_an_incomplete_questionnaire_lists_the_missing_keys(invite, evaluation, questions):
    AnswerFactory(evaluation=evaluation, question=questions.method, value="safe_harbor")
    with pytest.raises(ValidationError) as exc:
        evaluation_submit(evaluation=evaluation, contact=invite.contact, request=None)
    assert exc.value.code == "incomplete"
    assert "deid.safe_harbor.full_zip" in exc.value.params["missing"]
    assert "use.processes_phi" in exc.value.messages[0]
    evaluation.refresh_from_db()
    assert evaluation.status == S.SENT


def test_the_submit_view_re_renders_the_list_when_answers_are_missing(invite, questions, client):
    response = client.post(portal_url(invite, "submit/"))
    assert response.status_code == 200
    assert "Some required questions are not answered yet." in response.content.decode()


def test_submitting_locks_the_answers(invite, evaluation, questions, client):
    _answer_everything(evaluation, questions)
    assert "Submit the questionnaire" in client.get(portal_url(invite, "review/")).content.decode()
    response = client.post(portal_url(invite, "submit/"))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED
    assert evaluation.submitted_at is not None
    client.post(
        portal_url(invite, f"q/{questions.phi.key}/"),
        answer_post(questions.phi, "yes", version=1),
        HTTP_HX_REQUEST="true",
    )
    assert Answer.objects.get(question=questions.phi).value == "no"
    with pytest.raises(ValidationError, match="cannot be submitted"):
        evaluation_submit(evaluation=evaluation, contact=invite.contact)


def test_a_clarification_round_ends_with_the_next_submission(invite, evaluation, questions, client, officer):
    _answer_everything(evaluation, questions)
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.CHANGES_REQUESTED)
    request = ClarificationRequestFactory(
        evaluation=evaluation, question=questions.days, requested_by=officer
    )
    client.post(
        portal_url(invite, f"q/{questions.days.key}/"),
        answer_post(questions.days, "15", version=1),
        HTTP_HX_REQUEST="true",
    )
    evaluation.refresh_from_db()
    assert evaluation.status == S.IN_PROGRESS
    assert client.post(portal_url(invite, "submit/")).status_code == 302
    evaluation.refresh_from_db()
    request.refresh_from_db()
    assert evaluation.status == S.SUBMITTED
    assert request.resolved_at is not None
    assert not ClarificationRequest.objects.filter(resolved_at__isnull=True).exists()
