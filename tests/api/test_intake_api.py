"""The intake through the API: read it, record it, errors with their paths."""

from __future__ import annotations

import pytest

from procurement.models import Evaluation
from tests.factories import CRITICAL_INTAKE, SAMPLE_INTAKE, EvaluationFactory
from tests.procurement.conftest import build_questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(org, officer):
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.DRAFT)
    questions = build_questionnaire(evaluation)
    evaluation.template.intake = SAMPLE_INTAKE
    evaluation.template.save()
    questions.second.asked_from = "high"
    questions.second.save()
    return evaluation


def _url(evaluation):
    return f"/api/v1/evaluations/{evaluation.public_id}/intake/"


def test_get_shows_the_items_and_that_everything_is_asked_until_answered(officer_api, scoped):
    body = officer_api.get(_url(scoped)).json()
    assert [item["key"] for item in body["items"]] == ["phi", "patient_facing", "autonomy"]
    assert body["inherent_tier"] == ""
    assert body["asked_sections"] == ["intended-use", "evidence"]
    assert (body["asked_questions"], body["total_questions"]) == (9, 9)


def test_put_records_the_answers_and_answers_with_the_scope(officer_api, scoped):
    low = {"phi": False, "patient_facing": False, "autonomy": "informs"}
    body = officer_api.put(_url(scoped), {"answers": low}, format="json").json()
    assert body["inherent_tier"] == "low"
    assert body["left_out_sections"] == ["evidence"]
    assert (body["asked_questions"], body["total_questions"]) == (5, 9)
    body = officer_api.put(_url(scoped), {"answers": CRITICAL_INTAKE}, format="json").json()
    assert body["inherent_tier"] == "critical"
    assert body["reasons"][-1] == "It acts on its own and reaches patients."
    detail = officer_api.get(f"/api/v1/evaluations/{scoped.public_id}/").json()
    assert detail["inherent_tier"] == "critical"


def test_a_wrong_answer_is_named_by_its_path_and_nothing_changes(officer_api, scoped):
    response = officer_api.put(
        _url(scoped), {"answers": {"phi": "maybe", "autonomy": "informs"}}, format="json"
    )
    assert response.status_code == 400
    assert {(e["path"], e["message"]) for e in response.json()["errors"]} == {
        ("answers.phi", "Choose one of the offered answers."),
        ("answers.patient_facing", "Answer this question."),
    }
    scoped.refresh_from_db()
    assert scoped.inherent_tier == ""


def test_a_reviewer_reads_but_cannot_record(reviewer_api, scoped):
    client = reviewer_api
    assert client.get(_url(scoped)).status_code == 200
    assert client.put(_url(scoped), {"answers": CRITICAL_INTAKE}, format="json").status_code == 403
