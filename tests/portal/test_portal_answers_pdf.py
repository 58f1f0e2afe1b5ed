from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from procurement.models import AuditEvent, Evaluation
from reports import services
from reports.models import Report
from tests.factories import (
    AnswerFactory,
    InviteFactory,
    QuestionFactory,
    ReviewCommentFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def submitted():
    invite = InviteFactory(evaluation__status=Evaluation.Status.SUBMITTED)
    evaluation = invite.evaluation
    Evaluation.objects.filter(pk=evaluation.pk).update(submitted_at="2026-11-01T10:00:00Z")
    section = SectionFactory(template=evaluation.template, title="Product")
    question = QuestionFactory(section=section, type="short_text", prompt="Model version?")
    answer = AnswerFactory(evaluation=evaluation, question=question, value="Sepsis model 4.2")
    ReviewCommentFactory(
        evaluation=evaluation, question=question, body="Internal: check this", is_visible_to_vendor=False
    )
    invite.answer = answer
    return invite


@pytest.fixture
def vendor(client, django_capture_on_commit_callbacks):
    """The vendor's browser, with the tasks queued on commit run (eagerly) after each request."""

    class Vendor:
        def get(self, url, **extra):
            with django_capture_on_commit_callbacks(execute=True):
                return client.get(url, **extra)

        def post(self, url, **extra):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(url, **extra)

    return Vendor()


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content if response.streaming else [response.content])
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_the_pdf_is_rendered_by_the_task_and_then_offered_for_download(
    submitted, client, monkeypatch, django_capture_on_commit_callbacks
):
    rendered_by_task = []
    real_render = services.report_render
    monkeypatch.setattr(
        "reports.tasks.report_render",
        lambda *, report_id: rendered_by_task.append(report_id) or real_render(report_id=report_id),
    )
    status_url = reverse("portal_answers_pdf_status", args=[submitted.token])
    # The task is queued on commit; without running it, the page says the PDF is being prepared.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.get(status_url).content.decode()
    assert "Your PDF is being prepared" in page
    assert f'hx-get="{status_url}" hx-trigger="every 2s"' in page
    report = Report.objects.get(evaluation=submitted.evaluation, kind=Report.Kind.VENDOR_ANSWERS)
    assert report.status == Report.Status.QUEUED
    # Before it is ready, the download address sends the vendor to the status page.
    download_url = reverse("portal_answers_pdf", args=[submitted.token])
    assert client.get(download_url)["Location"] == status_url
    for callback in callbacks:
        callback()
    assert rendered_by_task == [report.id]
    fragment = client.get(status_url, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="answers-pdf-status"')
    assert "hx-trigger" not in fragment
    assert f'href="{download_url}"' in fragment
    response = client.get(download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response)
    assert "Sepsis model 4.2" in text
    assert "Internal: check this" not in text
    assert AuditEvent.objects.filter(
        evaluation=submitted.evaluation, kind=AuditEvent.Kind.REPORT_DOWNLOADED
    ).exists()


def test_the_stored_pdf_is_reused_until_the_answers_change(submitted, vendor):
    status_url = reverse("portal_answers_pdf_status", args=[submitted.token])
    vendor.get(status_url)
    vendor.get(status_url)
    assert Report.objects.filter(kind=Report.Kind.VENDOR_ANSWERS, status=Report.Status.DONE).count() == 1
    submitted.answer.value = "Sepsis model 4.3"
    submitted.answer.save()
    vendor.get(status_url)
    assert Report.objects.filter(kind=Report.Kind.VENDOR_ANSWERS, status=Report.Status.DONE).count() == 2
    text = _pdf_text(vendor.get(reverse("portal_answers_pdf", args=[submitted.token])))
    assert "Sepsis model 4.3" in text


def test_a_failed_render_is_shown_as_failed_with_a_retry(submitted, vendor, monkeypatch):
    def broken(html, **kwargs):
        raise RuntimeError("Pango exploded")

    monkeypatch.setattr(services, "render_pdf", broken)
    status_url = reverse("portal_answers_pdf_status", args=[submitted.token])
    assert "being prepared" in vendor.get(status_url).content.decode()
    page = vendor.get(status_url, **HTMX).content.decode()
    assert "The PDF could not be prepared" in page
    assert "Try again" in page
    assert "hx-trigger" not in page  # polling stops
    # Reloading does not queue another attempt; the vendor's retry does.
    vendor.get(status_url)
    assert Report.objects.filter(kind=Report.Kind.VENDOR_ANSWERS).count() == 1
    monkeypatch.undo()
    assert "being prepared" in vendor.post(status_url, **HTMX).content.decode()
    assert "Download the PDF of your answers" in vendor.get(status_url, **HTMX).content.decode()
    assert list(Report.objects.values_list("status", flat=True).order_by("id")) == ["failed", "done"]


def test_a_row_left_rendering_by_a_killed_worker_is_shown_failed_not_forever(submitted, vendor, settings):
    status_url = reverse("portal_answers_pdf_status", args=[submitted.token])
    vendor.get(status_url)
    report = Report.objects.get(kind=Report.Kind.VENDOR_ANSWERS)
    # As a worker killed mid-render leaves it: rendering, no file.
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RENDERING, file="", started_at=timezone.now() - timedelta(seconds=100)
    )
    assert "being prepared" in vendor.get(status_url).content.decode()  # within the time limit
    started = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    Report.objects.filter(pk=report.pk).update(started_at=started)
    page = vendor.get(status_url).content.decode()
    assert "The PDF could not be prepared" in page
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == "Still rendering after the time limit; the rendering was abandoned."
    # A late redelivery of the killed task does not revive the row; the retry makes a new one.
    assert services.report_render(report_id=report.id).status == Report.Status.FAILED
    vendor.post(status_url, **HTMX)
    assert "Download the PDF" in vendor.get(status_url, **HTMX).content.decode()


def test_the_read_only_questionnaire_links_to_the_pdf_page(submitted, client):
    page = client.get(reverse("portal_questionnaire", args=[submitted.token])).content.decode()
    assert reverse("portal_answers_pdf_status", args=[submitted.token]) in page


def test_a_bad_link_cannot_download_answers(client):
    assert client.get(reverse("portal_answers_pdf", args=["not-a-real-token"])).status_code == 404
    assert client.get(reverse("portal_answers_pdf_status", args=["not-a-real-token"])).status_code == 404
