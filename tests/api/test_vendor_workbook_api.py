"""The workbook through the vendor API: GET and POST /api/v1/vendor/questionnaire.xlsx (invite token)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import Answer
from procurement.services.answers import answer_save
from tests.api.conftest import api_client
from tests.factories import AnswerFactory
from tests.procurement.workbook_filling import fill

URL = "/api/v1/vendor/questionnaire.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client, content: bytes):
    return client.post(URL, {"file": SimpleUploadedFile("answers.xlsx", content, XLSX)}, format="multipart")


def test_get_returns_the_workbook(vendor_api, questions):
    response = vendor_api.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"PK\x03\x04")


def test_get_asking_for_the_workbook_type_gets_it(vendor_api, questions):
    response = vendor_api.get(URL, HTTP_ACCEPT=XLSX)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX


def test_post_saves_and_answers_with_per_cell_results(vendor_api, evaluation, questions):
    AnswerFactory(evaluation=evaluation, question=questions.method, value="unknown", version=1)
    content = fill(
        vendor_api.get(URL).content,
        {questions.phi.key: "Yes", questions.days.key: "soon", questions.method.key: "Safe harbor"},
    )
    answer_save(evaluation=evaluation, question=questions.method, value="safe_harbor", expected_version=1)
    response = _upload(vendor_api, content)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["counts"] == {"saved": 1, "unchanged": 6, "kept_online": 0, "invalid": 1, "conflict": 0}
    results = {r["question"]: r for r in body["results"]}
    assert results[questions.phi.key]["status"] == "saved"
    assert results[questions.days.key] == {
        "status": "invalid",
        "sheet": "1. Intended use",
        "cell": "E5",
        "question": questions.days.key,
        "prompt": questions.days.prompt,
        "message": "The answer must be a number, for example 12 or 12.5.",
        "yours": "",
        "stored": "",
    }
    # Typed offline to the value someone saved online meanwhile: the same answer, nothing to save.
    assert results[questions.method.key]["status"] == "unchanged"
    assert Answer.objects.get(question=questions.phi).value == "yes"


def test_post_reports_a_conflict_with_both_values(vendor_api, evaluation, questions):
    AnswerFactory(evaluation=evaluation, question=questions.phi, value="no", version=1)
    content = fill(vendor_api.get(URL).content, {questions.phi.key: "Yes"})
    answer_save(evaluation=evaluation, question=questions.phi, value="", expected_version=1)
    result = _upload(vendor_api, content).json()["results"][0]
    assert (result["status"], result["yours"], result["stored"]) == ("conflict", "Yes", "Not answered")


def test_a_refused_file_is_a_400_at_the_file_path(vendor_api, evaluation, questions):
    response = _upload(vendor_api, b"%PDF-1.4\n%%EOF\n")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "file",
            "message": "Upload the questionnaire workbook as an Excel workbook (.xlsx).",
            "code": "not_xlsx",
        }
    ]


def test_a_workbook_of_another_link_is_refused(vendor_api, evaluation, questions, contact):
    from tests.factories import InviteFactory

    colleague = api_client(InviteFactory(evaluation=evaluation, contact=contact).token, scheme="Invite")
    response = _upload(vendor_api, fill(colleague.get(URL).content, {questions.phi.key: "Yes"}))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "foreign"
    assert not Answer.objects.filter(evaluation=evaluation).exists()


def test_without_the_invite_token_it_is_a_401(questions):
    assert api_client().get(URL).status_code == 401
    assert api_client("nope", scheme="Invite").post(URL).status_code == 401


def test_an_organization_token_does_not_open_it(officer_api, questions):
    assert officer_api.get(URL).status_code == 401


def test_the_schema_documents_both_operations(officer_api):
    schema = officer_api.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/vendor/questionnaire.xlsx"]
    assert set(operations) == {"get", "post"}
    assert XLSX in operations["get"]["responses"]["200"]["content"]
    assert "multipart/form-data" in operations["post"]["requestBody"]["content"]
    assert "400" in operations["post"]["responses"]
