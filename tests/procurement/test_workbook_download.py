"""The officer's "Download workbook" on the evaluation page: the organization's copy, scoped to it."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AnswerFactory

pytestmark = pytest.mark.django_db


def _url(evaluation) -> str:
    return reverse("evaluation_workbook", args=[evaluation.public_id])


def test_the_evaluation_page_links_the_workbook(officer_client, evaluation, questions):
    body = officer_client.get(evaluation.get_absolute_url()).content.decode()
    assert f'href="{_url(evaluation)}">Download workbook</a>' in body


def test_an_officer_downloads_the_workbook_with_the_answers(officer_client, evaluation, questions):
    AnswerFactory(evaluation=evaluation, question=questions.phi, value="no")
    response = officer_client.get(_url(evaluation))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="questionnaire-')
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["1. Intended use"]
    assert (sheet["A2"].value, sheet["E2"].value) == (questions.phi.key, "No")
    assert workbook["_identity"]["B3"].value is None  # made for the organization, not for a link
    assert "Prepared for the organization" in [c.value for c in workbook["Instructions"]["A"]]


def test_a_reviewer_may_download_it_too(reviewer_client, evaluation, questions):
    assert reviewer_client.get(_url(evaluation)).status_code == 200


def test_another_organization_gets_not_found(outsider_client, evaluation, questions):
    assert outsider_client.get(_url(evaluation)).status_code == 404


def test_anonymous_users_are_sent_to_login(client, evaluation, questions):
    response = client.get(_url(evaluation))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_download_is_read_only(officer_client, evaluation, questions):
    assert officer_client.post(_url(evaluation)).status_code == 405
