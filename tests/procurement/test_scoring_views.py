"""The score panel, Score now, Retry, overrides and the template rescore page, by persona."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from procurement.models import AuditEvent, RescoreBatch, ScoreOverride, ScoreRun
from procurement.services.scoring import scoring_run
from tests.procurement.scoring_setup import build_evaluation


@pytest.fixture
def evaluation(org):
    return build_evaluation(org, answers={"baa.will_sign": "will_not_sign"})


def scored(evaluation) -> ScoreRun:
    run = ScoreRun.objects.create(organization=evaluation.organization, evaluation=evaluation)
    scoring_run(score_run_id=run.pk)
    return run


def panel_url(evaluation):
    return reverse("score_panel", args=[evaluation.public_id])


def test_include_stub_loads_the_panel_with_htmx():
    from django.template.loader import render_to_string

    class Stub:
        public_id = "6d1f0b8e-0000-4000-8000-000000000000"

    html = render_to_string("procurement/_score_panel.html", {"evaluation": Stub()})
    assert 'hx-trigger="load"' in html
    assert "/evaluations/6d1f0b8e-0000-4000-8000-000000000000/score/" in html


def test_panel_shows_score_tier_sections_and_findings_critical_first(reviewer_client, evaluation):
    from tests.procurement.scoring_setup import set_answers

    set_answers(evaluation, {"baa.breach_notice_days": 90})
    scored(evaluation)
    response = reviewer_client.get(panel_url(evaluation), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "tier-critical" in html
    assert 'data-width="100.0"' in html
    will_sign = evaluation.template.questions.get(key="baa.will_sign")
    assert f'href="/evaluations/{evaluation.public_id}/questions/{will_sign.pk}/"' in html
    assert "every 2s" not in html  # finished: no more polling
    assert "<html" not in html  # the fragment alone
    assert html.index('data-finding="knockout:baa.will_sign"') < html.index(
        'data-finding="breach_notice_over_60_days"'
    )
    assert 'style="' not in html


def test_panel_polls_while_queued_and_shows_failures_with_retry(reviewer_client, evaluation):
    run = ScoreRun.objects.create(organization=evaluation.organization, evaluation=evaluation)
    html = reviewer_client.get(panel_url(evaluation), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "queued" in html
    run.status = ScoreRun.Status.FAILED
    run.error = "ValueError: boom"
    run.save()
    html = reviewer_client.get(panel_url(evaluation), HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in html
    assert "ValueError: boom" in html
    assert reverse("score_run_retry", args=[evaluation.public_id, run.public_id]) in html


def test_panel_full_page_without_htmx(reviewer_client, evaluation):
    response = reviewer_client.get(panel_url(evaluation))
    assert response.status_code == 200
    assert b"<html" in response.content


def test_panel_refuses_outsiders_and_anonymous(outsider_client, client, evaluation):
    assert outsider_client.get(panel_url(evaluation)).status_code == 404
    assert client.get(panel_url(evaluation)).status_code == 302


def test_score_now_queues_and_runs(reviewer_client, evaluation, django_capture_on_commit_callbacks):
    url = reverse("score_request", args=[evaluation.public_id])
    assert reviewer_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    run = ScoreRun.objects.get(evaluation=evaluation)
    assert run.status == ScoreRun.Status.DONE
    # Use 100 and BAA (0 + 100) / 2 = 50 average to 75 (moderate); the BAA refusal caps it at critical.
    assert (run.overall_score, run.risk_tier) == (Decimal("75.00"), "critical")
    assert sorted(run.findings.values_list("code", "caps_tier_at")) == [
        ("knockout:baa.will_sign", "critical"),
        ("phi_without_baa", "critical"),
    ]
    evaluation.refresh_from_db()
    assert (evaluation.overall_score, evaluation.risk_tier) == (Decimal("75.00"), "critical")
    panel = reviewer_client.get(panel_url(evaluation)).content.decode()
    assert "75.00" in panel
    assert "Critical" in panel


def test_score_now_refusals(outsider_client, client, evaluation):
    url = reverse("score_request", args=[evaluation.public_id])
    assert outsider_client.post(url).status_code == 404
    assert client.post(url).status_code == 302
    assert not ScoreRun.objects.exists()


def test_retry_sends_a_failed_run_again(officer_client, evaluation, django_capture_on_commit_callbacks):
    run = ScoreRun.objects.create(
        organization=evaluation.organization, evaluation=evaluation, status=ScoreRun.Status.FAILED, error="x"
    )
    url = reverse("score_run_retry", args=[evaluation.public_id, run.public_id])
    assert officer_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(url)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE


def test_override_by_compliance_lead(compliance_client, evaluation, django_capture_on_commit_callbacks):
    scored(evaluation)
    url = reverse("score_override", args=[evaluation.public_id, "fda.status"])
    assert compliance_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = compliance_client.post(
            url, {"score": "40", "justification": "Clearance covers adults only."}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    override = ScoreOverride.objects.get()
    assert override.score == 40
    html = response.content.decode()
    assert "Clearance covers adults only." in html
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SCORE_OVERRIDDEN).count() == 1


def test_override_without_justification_shows_the_error_with_status_200(compliance_client, evaluation):
    scored(evaluation)
    url = reverse("score_override", args=[evaluation.public_id, "fda.status"])
    response = compliance_client.post(url, {"score": "40", "justification": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"justification is required" in response.content
    assert not ScoreOverride.objects.exists()


def test_override_refused_to_reviewer_outsider_and_anonymous(
    reviewer_client, outsider_client, client, evaluation
):
    url = reverse("score_override", args=[evaluation.public_id, "fda.status"])
    data = {"score": "40", "justification": "x"}
    assert reviewer_client.post(url, data).status_code == 403
    assert outsider_client.post(url, data).status_code == 404
    assert client.post(url, data).status_code == 302
    assert not ScoreOverride.objects.exists()


def test_override_of_an_unknown_question_is_404(compliance_client, evaluation):
    url = reverse("score_override", args=[evaluation.public_id, "no.such.key"])
    assert compliance_client.post(url, {"score": "1", "justification": "x"}).status_code == 404


def test_template_rescore_page_starts_a_batch_and_shows_progress(
    officer_client, evaluation, django_capture_on_commit_callbacks
):
    url = reverse("template_rescore", args=[evaluation.template.public_id])
    page = officer_client.get(url)
    assert page.status_code == 200
    assert b"Rescore every evaluation of this template" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(url)
    assert response.status_code == 302
    batch = RescoreBatch.objects.get()
    assert batch.total == 1
    progress = officer_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "1 of 1 evaluations rescored" in progress
    assert "every 2s" not in progress


def test_template_rescore_refusals(reviewer_client, outsider_client, client, evaluation):
    url = reverse("template_rescore", args=[evaluation.template.public_id])
    assert reviewer_client.post(url).status_code == 403
    assert outsider_client.post(url).status_code == 404
    assert client.post(url).status_code == 302
    assert not RescoreBatch.objects.exists()


def test_the_published_template_page_links_to_rescoring(officer_client, org):
    from django.urls import reverse

    from tests.factories import TemplateFactory

    template = TemplateFactory(organization=org)
    response = officer_client.get(reverse("template_detail", args=[template.public_id]))
    assert reverse("template_rescore", args=[template.public_id]).encode() in response.content
