"""Requesting reports: stored and reused while the content is the same, rendered again when it changes."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from procurement.models import AuditEvent
from reports import services
from reports.models import Report
from tests.factories import EvaluationFactory
from tests.reports.conftest import build_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """Counts renders and skips WeasyPrint, which other tests exercise."""
    calls = []

    def fake_render(html, **kwargs):
        calls.append(html)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(services, "render_pdf", fake_render)
    return calls


def test_a_request_renders_and_stores_the_report(
    evaluation, officer, renders, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(evaluation=evaluation, user=officer)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.file.name.startswith("reports/")
    assert (settings.PRIVATE_STORAGE_ROOT / report.file.name).read_bytes() == b"%PDF-1.7 fake"
    assert report.size == len(b"%PDF-1.7 fake")
    assert report.sha256 == hashlib.sha256(b"%PDF-1.7 fake").hexdigest()
    assert report.finished_at is not None
    assert report.requested_by == officer
    assert len(report.content_hash) == 64
    assert len(renders) == 1


def test_the_same_content_reuses_the_stored_report(
    evaluation, officer, renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.report_request(evaluation=evaluation, user=officer)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.report_request(evaluation=evaluation, user=officer)
    assert second == first
    assert len(renders) == 1
    assert Report.objects.count() == 1


def test_a_download_does_not_make_the_report_stale(
    evaluation, officer, renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.report_request(evaluation=evaluation, user=officer)
    first.refresh_from_db()
    services.report_download(report=first, user=officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_request(evaluation=evaluation, user=officer) == first


def test_a_changed_answer_gives_a_new_hash_and_a_new_render(
    evaluation, officer, renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.report_request(evaluation=evaluation, user=officer)
    evaluation.answers.filter(question__key="use.intended_use").update(value="A different intended use.")
    with django_capture_on_commit_callbacks(execute=True):
        second = services.report_request(evaluation=evaluation, user=officer)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second != first
    assert second.content_hash != first.content_hash
    assert second.status == Report.Status.DONE
    assert len(renders) == 2
    assert "A different intended use." in renders[1]


def test_the_task_is_queued_only_on_commit(evaluation, officer, renders, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.report_request(evaluation=evaluation, user=officer)
    assert report.status == Report.Status.QUEUED
    assert len(callbacks) == 1
    assert renders == []


def test_a_rendering_error_marks_the_report_failed(
    evaluation, officer, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html, **kwargs):
        raise RuntimeError("Pango exploded")

    monkeypatch.setattr(services, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(evaluation=evaluation, user=officer)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert "Pango exploded" in report.error
    assert not report.file


def test_a_failed_report_is_not_reused(
    evaluation, officer, monkeypatch, renders, django_capture_on_commit_callbacks
):
    Report.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=Report.Kind.DUE_DILIGENCE,
        content_hash="x" * 64,
        status=Report.Status.FAILED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(evaluation=evaluation, user=officer)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_comparisons_keep_the_chosen_order_and_are_reused(
    org, officer, renders, django_capture_on_commit_callbacks
):
    evaluations = [build_evaluation(org, vendor_name=name) for name in ("Zeta AI", "Alpha AI", "Mu AI")]
    with django_capture_on_commit_callbacks(execute=True):
        report = services.comparison_request(evaluations=evaluations, user=officer)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert services._ordered_evaluations(report) == evaluations
    assert renders[0].index("Zeta AI") < renders[0].index("Alpha AI") < renders[0].index("Mu AI")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.comparison_request(evaluations=evaluations, user=officer) == report
    assert len(renders) == 1


def test_a_comparison_of_one_evaluation_is_refused_and_nothing_is_written(org, officer, renders):
    with pytest.raises(ValidationError, match="between 2 and 5"):
        services.comparison_request(evaluations=[EvaluationFactory(organization=org)], user=officer)
    assert Report.objects.count() == 0


def test_the_vendor_copy_is_rendered_once_and_reused(evaluation, renders, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.vendor_answers_request(evaluation=evaluation)
    second = services.vendor_answers_request(evaluation=evaluation)
    assert first == second
    assert services.vendor_answers_current(evaluation=evaluation).status == Report.Status.DONE
    assert len(renders) == 1
    assert "Internal: check the alerting path." not in renders[0]
    assert "No signed business associate agreement" not in renders[0]


def test_a_download_is_audited(evaluation, officer, renders, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(evaluation=evaluation, user=officer)
    report.refresh_from_db()
    services.report_download(report=report, user=officer)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REPORT_DOWNLOADED)
    assert event.evaluation == evaluation
    assert event.actor_user == officer
    assert event.data["report"] == str(report.public_id)


def test_a_report_left_rendering_past_the_time_limit_is_failed_and_not_reused(
    evaluation, officer, renders, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        stuck = services.report_request(evaluation=evaluation, user=officer)
    limit = settings.CELERY_TASK_TIME_LIMIT + services.STUCK_MARGIN_SECONDS
    Report.objects.filter(pk=stuck.pk).update(
        status=Report.Status.RENDERING, started_at=timezone.now() - timedelta(seconds=limit + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        fresh = services.report_request(evaluation=evaluation, user=officer)
    stuck.refresh_from_db()
    assert stuck.status == Report.Status.FAILED
    assert fresh.pk != stuck.pk
    fresh.refresh_from_db()
    assert fresh.status == Report.Status.DONE


def test_a_report_queued_but_never_started_fails_only_after_the_broker_would_have_redelivered_it(
    evaluation, officer, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(evaluation=evaluation, user=officer)
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    limit = settings.CELERY_TASK_TIME_LIMIT + services.STUCK_MARGIN_SECONDS + visibility
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(seconds=limit - 30))
    assert services.report_fail_if_stuck(report=report).status == Report.Status.QUEUED
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(seconds=limit + 1))
    report.refresh_from_db()
    assert services.report_fail_if_stuck(report=report).status == Report.Status.FAILED
