"""Working offline in the portal: the workbook downloaded through the link and uploaded back."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from procurement.models import Answer, Evaluation
from procurement.services.answers import answer_save
from tests.factories import AnswerFactory
from tests.procurement.conftest import portal_url
from tests.procurement.workbook_filling import fill

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(client, invite) -> bytes:
    response = client.get(portal_url(invite, "workbook.xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="questionnaire-')
    return response.content


def _upload(client, invite, content: bytes, name: str = "answers.xlsx"):
    return client.post(portal_url(invite, "workbook/"), {"file": SimpleUploadedFile(name, content, XLSX)})


def test_the_questionnaire_page_offers_the_workbook(client, invite, questions):
    body = client.get(portal_url(invite)).content.decode()
    assert f'href="/v/{invite.token}/workbook.xlsx"' in body
    assert f'href="/v/{invite.token}/workbook/"' in body


def test_the_download_has_a_sheet_per_section_with_the_current_answers(client, invite, questions):
    AnswerFactory(evaluation=invite.evaluation, question=questions.days, value=30)
    workbook = load_workbook(io.BytesIO(_download(client, invite)))
    assert workbook.sheetnames[:3] == ["Instructions", "1. Intended use", "2. Evidence"]
    sheet = workbook["1. Intended use"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == questions.days.key)
    assert sheet.cell(row, 2).value == questions.days.prompt
    assert sheet.cell(row, 5).value == 30
    assert "A number in days, at least 0 and at most 365." in sheet.cell(row, 4).value


def test_an_upload_saves_the_answers_and_lists_each_refused_cell(client, invite, questions):
    content = fill(_download(client, invite), {questions.phi.key: "Yes", questions.days.key: 400})
    response = _upload(client, invite, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Workbook read: 1 answers saved." in body
    assert "<td>1. Intended use</td><td>E5</td>" in body
    assert "The answer must be between 0 and 365 days." in body
    assert Answer.objects.get(question=questions.phi).value == "yes"
    assert not Answer.objects.filter(question=questions.days).exists()


def test_an_upload_shows_a_conflict_with_both_answers(client, invite, questions):
    AnswerFactory(evaluation=invite.evaluation, question=questions.days, value=30, version=1)
    content = fill(_download(client, invite), {questions.days.key: 45})
    answer_save(evaluation=invite.evaluation, question=questions.days, value="60", expected_version=1)
    body = _upload(client, invite, content).content.decode()
    assert "Changed online: nothing was overwritten" in body
    assert "<td>45 days</td><td>60 days</td>" in body
    assert Answer.objects.get(question=questions.days).value == 60


def test_a_file_that_is_not_a_workbook_gets_a_message_beside_the_field(client, invite, questions):
    response = _upload(client, invite, b"%PDF-1.4\n%%EOF\n", name="answers.xlsx")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Upload the questionnaire workbook as an Excel workbook (.xlsx)." in body
    assert "is-invalid" in body
    assert not Answer.objects.filter(evaluation=invite.evaluation).exists()


def test_an_upload_without_a_file_asks_for_one(client, invite, questions):
    response = client.post(portal_url(invite, "workbook/"), {})
    assert "This field is required." in response.content.decode()


def test_a_submitted_questionnaire_offers_the_download_but_no_upload(client, invite, questions):
    content = fill(_download(client, invite), {questions.phi.key: "Yes"})
    Evaluation.objects.filter(pk=invite.evaluation_id).update(status=Evaluation.Status.SUBMITTED)
    page = client.get(portal_url(invite, "workbook/")).content.decode()
    assert "answers can no longer be uploaded" in page
    assert 'type="file"' not in page
    response = _upload(client, invite, content)
    assert "The questionnaire is submitted and can no longer be changed." in response.content.decode()
    assert not Answer.objects.filter(evaluation=invite.evaluation).exists()


def test_an_invalid_link_gets_the_link_invalid_page(client, invite, questions):
    assert client.get("/v/not-a-token/workbook.xlsx").status_code == 404
    assert client.post("/v/not-a-token/workbook/", {}).status_code == 404


def test_the_upload_needs_the_csrf_token(invite, questions):
    response = Client(enforce_csrf_checks=True).post(portal_url(invite, "workbook/"), {})
    assert response.status_code == 403


def test_the_download_is_read_only(client, invite, questions):
    assert client.post(portal_url(invite, "workbook.xlsx")).status_code == 405


def test_the_download_reads_a_fixed_number_of_queries(
    client, invite, questions, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        _download(client, invite)
