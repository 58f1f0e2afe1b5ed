from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from procurement.models import AuditEvent, Evaluation
from tests.factories import (
    AnswerFactory,
    InviteFactory,
    QuestionFactory,
    ReviewCommentFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


def test_the_vendor_downloads_its_submitted_answers_without_internal_comments(client):
    invite = InviteFactory(evaluation__status=Evaluation.Status.SUBMITTED)
    evaluation = invite.evaluation
    Evaluation.objects.filter(pk=evaluation.pk).update(submitted_at="2026-11-01T10:00:00Z")
    section = SectionFactory(template=evaluation.template, title="Product")
    question = QuestionFactory(section=section, type="short_text", prompt="Model version?")
    AnswerFactory(evaluation=evaluation, question=question, value="Sepsis model 4.2")
    ReviewCommentFactory(
        evaluation=evaluation, question=question, body="Internal: check this", is_visible_to_vendor=False
    )

    response = client.get(reverse("portal_answers_pdf", args=[invite.token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]

    text = "".join(
        page.extract_text()
        for page in PdfReader(
            BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
        ).pages
    )
    assert "Sepsis model 4.2" in text
    assert "Internal: check this" not in text
    assert AuditEvent.objects.filter(evaluation=evaluation, kind=AuditEvent.Kind.REPORT_DOWNLOADED).exists()


def test_a_bad_link_cannot_download_answers(client):
    response = client.get(reverse("portal_answers_pdf", args=["not-a-real-token"]))
    assert response.status_code == 404
