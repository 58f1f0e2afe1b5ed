"""Report panel, downloads (who may, and the audit), comparison, changes and exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from procurement.models import AuditEvent, Evaluation
from reports import services
from reports.models import Report
from tests.factories import EvaluationFactory
from tests.reports.conftest import build_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fake_pdf(monkeypatch):
    monkeypatch.setattr(services, "render_pdf", lambda html, **kwargs: b"%PDF-1.7 stored report")


@pytest.fixture
def stored_report(evaluation, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(evaluation=evaluation, user=officer)
    report.refresh_from_db()
    return report


def _download(client, report):
    return client.get(reverse("report_download", args=[report.public_id]))


@pytest.mark.parametrize("persona", ["compliance_client", "officer_client", "admin_client_org"])
def test_leads_officers_and_admins_download_the_report_and_it_is_audited(request, persona, stored_report):
    response = _download(request.getfixturevalue(persona), stored_report)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "acme-clinical-ai-sepsiswatch" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7 stored report"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REPORT_DOWNLOADED)
    assert event.evaluation == stored_report.evaluation


def test_each_download_is_audited(compliance_client, stored_report):
    _download(compliance_client, stored_report)
    _download(compliance_client, stored_report)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_DOWNLOADED).count() == 2


def test_reviewers_may_not_download(reviewer_client, stored_report):
    assert _download(reviewer_client, stored_report).status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_DOWNLOADED).exists()


def test_another_organization_gets_not_found(outsider_client, stored_report):
    assert _download(outsider_client, stored_report).status_code == 404


def test_anonymous_users_are_sent_to_login(client, stored_report):
    response = _download(client, stored_report)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_report_still_rendering_cannot_be_downloaded(compliance_client, evaluation, compliance_lead):
    report = Report.objects.create(
        organization=evaluation.organization, evaluation=evaluation, kind="due_diligence", content_hash="h"
    )
    assert _download(compliance_client, report).status_code == 404


def test_the_panel_offers_generation_then_shows_the_download(
    compliance_client, evaluation, django_capture_on_commit_callbacks
):
    url = reverse("report_panel", args=[evaluation.public_id])
    assert b"Generate report" in compliance_client.get(url, HTTP_HX_REQUEST="true").content

    with django_capture_on_commit_callbacks(execute=True):
        response = compliance_client.post(
            reverse("report_generate", args=[evaluation.public_id]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert b"Queued" in response.content
    report = Report.objects.get(evaluation=evaluation)
    assert report.status == Report.Status.DONE
    panel = compliance_client.get(url, HTTP_HX_REQUEST="true")
    assert reverse("report_download", args=[report.public_id]).encode() in panel.content
    assert b"has changed since" not in panel.content


def test_the_panel_polls_while_the_report_renders(compliance_client, evaluation):
    report = Report.objects.create(
        organization=evaluation.organization, evaluation=evaluation, kind="due_diligence", content_hash="h"
    )
    response = compliance_client.get(reverse("report_status", args=[report.public_id]))
    assert b'hx-trigger="every 2s"' in response.content


def test_a_report_left_rendering_by_a_killed_worker_stops_polling_and_shows_failed(
    compliance_client, evaluation, settings
):
    from datetime import timedelta

    from django.utils import timezone

    started = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    report = Report.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind="due_diligence",
        content_hash="h",
        status=Report.Status.RENDERING,
        started_at=started,
    )
    for url in (
        reverse("report_panel", args=[evaluation.public_id]),
        reverse("report_status", args=[report.public_id]),
    ):
        body = compliance_client.get(url).content.decode()
        assert "The report could not be produced" in body
        assert 'hx-trigger="every 2s"' not in body
        if url.endswith("/panel/"):
            assert "Generate report" in body
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED


def test_the_panel_tells_reviewers_that_reports_are_not_theirs(reviewer_client, evaluation):
    response = reviewer_client.get(reverse("report_panel", args=[evaluation.public_id]))
    assert response.status_code == 200
    assert b"Generate report" not in response.content


def test_generation_is_post_only_and_needs_the_permission(compliance_client, reviewer_client, evaluation):
    url = reverse("report_generate", args=[evaluation.public_id])
    assert compliance_client.get(url).status_code == 405
    assert reviewer_client.post(url).status_code == 403
    assert not Report.objects.exists()


def test_generation_for_another_organization_is_not_found(outsider_client, evaluation):
    assert outsider_client.post(reverse("report_generate", args=[evaluation.public_id])).status_code == 404


def test_the_included_panel_loads_itself(evaluation):
    from django.template.loader import render_to_string

    html = render_to_string("reports/_report_panel.html", {"evaluation": evaluation})
    assert reverse("report_panel", args=[evaluation.public_id]) in html
    assert 'hx-trigger="load"' in html


def _evaluations(org, count):
    return [build_evaluation(org, vendor_name=f"Vendor {n}") for n in range(count)]


@pytest.mark.parametrize("count", [2, 5])
def test_the_comparison_page_shows_evaluations_side_by_side(compliance_client, org, count):
    evaluations = _evaluations(org, count)
    query = "&".join(f"e={e.public_id}" for e in evaluations)
    response = compliance_client.get(reverse("comparison") + "?" + query)
    assert response.status_code == 200
    for n in range(count):
        assert f"Vendor {n}: SepsisWatch 3.2".encode() in response.content
    assert b"Predicts sepsis six hours ahead." in response.content
    assert b"No signed business associate agreement" in response.content


@pytest.mark.parametrize("count", [1, 6])
def test_the_comparison_page_explains_the_limits(compliance_client, org, count):
    evaluations = [EvaluationFactory(organization=org) for _ in range(count)]
    query = "&".join(f"e={e.public_id}" for e in evaluations)
    response = compliance_client.get(reverse("comparison") + "?" + query)
    assert response.status_code == 200
    assert b"Choose between 2 and 5 evaluations" in response.content


def test_the_comparison_ignores_evaluations_of_other_organizations(compliance_client, org, other_org):
    ours = EvaluationFactory(organization=org)
    theirs = EvaluationFactory(organization=other_org)
    response = compliance_client.get(reverse("comparison") + f"?e={ours.public_id}&e={theirs.public_id}")
    assert b"Choose between 2 and 5 evaluations" in response.content
    assert str(theirs.product).encode() not in response.content


def test_the_comparison_pdf_is_produced_and_downloadable(
    compliance_client, org, django_capture_on_commit_callbacks
):
    evaluations = _evaluations(org, 3)
    with django_capture_on_commit_callbacks(execute=True):
        response = compliance_client.post(
            reverse("comparison_generate"), {"e": [str(e.public_id) for e in evaluations]}
        )
    assert response.status_code == 302
    report = Report.objects.get(kind=Report.Kind.COMPARISON)
    assert report.status == Report.Status.DONE
    assert set(report.evaluations.all()) == set(evaluations)
    page = compliance_client.get(response["Location"])
    assert reverse("report_download", args=[report.public_id]).encode() in page.content
    assert _download(compliance_client, report).status_code == 200


def test_the_comparison_is_for_report_readers(reviewer_client, client):
    assert reviewer_client.get(reverse("comparison")).status_code == 403
    assert client.get(reverse("comparison")).status_code == 302


def test_the_changes_page_shows_what_changed(officer_client, org):
    previous = build_evaluation(org)
    current = build_evaluation(
        org, previous=previous, product=previous.product, purpose=Evaluation.Purpose.REASSESSMENT
    )
    current.answers.filter(question__key="use.intended_use").update(value="Now also for children.")
    response = officer_client.get(reverse("reassessment_changes", args=[current.public_id]))
    assert response.status_code == 200
    assert b"Now also for children." in response.content
    assert b"Predicts sepsis six hours ahead." in response.content


def test_the_changes_page_needs_a_previous_evaluation(officer_client, evaluation, outsider_client):
    assert officer_client.get(reverse("reassessment_changes", args=[evaluation.public_id])).status_code == 404
    assert (
        outsider_client.get(reverse("reassessment_changes", args=[evaluation.public_id])).status_code == 404
    )


def test_the_csv_export_has_one_row_per_question(compliance_client, evaluation):
    response = compliance_client.get(reverse("answers_csv", args=[evaluation.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Section",
        "Key",
        "Question",
        "Answer",
        "Not applicable",
        "Computed score",
        "Override score",
        "Evidence files",
    ]
    intended = next(r for r in rows if r[1] == "use.intended_use")
    assert intended[0] == "Product and intended use"
    assert intended[3] == "Predicts sepsis six hours ahead."
    assert next(r for r in rows if r[1] == "deid.method_training")[6] == "60.0"
    assert len(rows) == 10


FORMULAS = ['=HYPERLINK("http://evil.invalid")', "+1+1", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_exports_never_hand_a_formula_to_a_spreadsheet(compliance_client, evaluation, formula):
    evaluation.answers.filter(question__key="use.intended_use").update(value=formula)
    csv_rows = list(
        csv.reader(
            io.StringIO(
                compliance_client.get(reverse("answers_csv", args=[evaluation.public_id])).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert next(r for r in csv_rows if r[1] == "use.intended_use")[3] == "'" + formula

    content = compliance_client.get(reverse("answers_xlsx", args=[evaluation.public_id])).content
    sheet = load_workbook(io.BytesIO(content)).active
    cell = next(row[3] for row in sheet.iter_rows(min_row=2) if row[1].value == "use.intended_use")
    assert cell.value == "'" + formula
    assert cell.data_type == "s"


def test_the_xlsx_export_has_a_header_and_one_row_per_question(compliance_client, evaluation):
    response = compliance_client.get(reverse("answers_xlsx", args=[evaluation.public_id]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Key"
    assert len(rows) == 10
    assert next(r for r in rows if r[1] == "security.soc2_type2")[7] == "soc2-report-0.pdf"


@pytest.mark.parametrize("name", ["answers_csv", "answers_xlsx"])
def test_exports_are_refused_to_reviewers_and_outsiders(reviewer_client, outsider_client, evaluation, name):
    url = reverse(name, args=[evaluation.public_id])
    assert reviewer_client.get(url).status_code == 403
    assert outsider_client.get(url).status_code == 404


def test_the_vendor_download_of_a_finished_pdf_is_audited(evaluation, django_capture_on_commit_callbacks):
    from reports import services
    from reports.views import vendor_answers_download

    with django_capture_on_commit_callbacks(execute=True):
        services.vendor_answers_request(evaluation=evaluation)
    report = services.vendor_answers_current(evaluation=evaluation)
    response = vendor_answers_download(RequestFactory().get("/v/some-token/answers.pdf"), report)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert report.evaluation == evaluation
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_DOWNLOADED, evaluation=evaluation).exists()


def test_the_vendor_pdf_waits_for_submission(org, client):
    from tests.factories import InviteFactory

    invite = InviteFactory(evaluation=EvaluationFactory(organization=org, status="sent"))
    for name in ("portal_answers_pdf", "portal_answers_pdf_status"):
        response = client.get(reverse(name, args=[invite.token]))
        assert response.status_code == 409
        assert response.content.decode() == "The answers have not been submitted yet."
    assert not Report.objects.exists()
