"""Scores, findings and reports through the API."""

from __future__ import annotations

import pytest

from procurement.models import AuditEvent, Evaluation
from reports import services as report_services
from reports.models import Report
from tests.factories import EvaluationFactory, FindingFactory, ScoreRunFactory


@pytest.fixture
def renders(monkeypatch):
    """Skips WeasyPrint (the reports tests exercise it) and returns a small PDF."""
    monkeypatch.setattr(report_services, "render_pdf", lambda html, **kwargs: b"%PDF-1.7 api test")


def test_latest_score_run_with_sections_and_findings(officer_api, org):
    evaluation = EvaluationFactory(organization=org)
    ScoreRunFactory(evaluation=evaluation, overall_score=40)
    run = ScoreRunFactory(
        evaluation=evaluation,
        overall_score=72.5,
        section_scores={"1": {"key": "baa", "title": "BAA", "score": 55, "weight": 1.0}},
        question_scores={"baa.will_sign": 0},
    )
    FindingFactory(
        score_run=run, code="baa.will_not_sign", question_keys=["baa.will_sign"], caps_tier_at="critical"
    )
    response = officer_api.get(f"/api/v1/evaluations/{evaluation.public_id}/score/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(run.public_id)
    assert body["overall_score"] == 72.5
    assert body["section_scores"] == [{"key": "baa", "title": "BAA", "score": 55.0, "weight": 1.0}]
    assert body["findings"][0]["code"] == "baa.will_not_sign"
    assert body["findings"][0]["question_keys"] == ["baa.will_sign"]


def test_an_unscored_evaluation_is_404_not_scored(officer_api, org):
    evaluation = EvaluationFactory(organization=org)
    response = officer_api.get(f"/api/v1/evaluations/{evaluation.public_id}/score/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_scored"


def test_request_poll_and_download_a_report(compliance_api, org, renders, django_capture_on_commit_callbacks):
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.DECIDED)
    with django_capture_on_commit_callbacks(execute=True):
        response = compliance_api.post(
            f"/api/v1/evaluations/{evaluation.public_id}/report/", {}, format="json"
        )
    assert response.status_code == 202, response.json()
    report_id = response.json()["id"]
    polled = compliance_api.get(f"/api/v1/reports/{report_id}/").json()
    assert polled["status"] == "done"
    assert polled["download_url"].endswith(f"/api/v1/reports/{report_id}/download/")
    download = compliance_api.get(f"/api/v1/reports/{report_id}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 api test"
    assert AuditEvent.objects.filter(evaluation=evaluation, kind=AuditEvent.Kind.REPORT_DOWNLOADED).exists()
    again = compliance_api.post(f"/api/v1/evaluations/{evaluation.public_id}/report/", {}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == report_id


def test_download_before_rendering_is_a_409(compliance_api, org):
    evaluation = EvaluationFactory(organization=org)
    report = Report.objects.create(
        organization=org, evaluation=evaluation, kind="due_diligence", content_hash="x"
    )
    response = compliance_api.get(
        f"/api/v1/reports/{report.public_id}/download/", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 409
    assert b"not_ready" in response.content


def test_reviewers_may_not_request_or_download_reports(reviewer_api, org):
    evaluation = EvaluationFactory(organization=org)
    report = Report.objects.create(
        organization=org, evaluation=evaluation, kind="due_diligence", content_hash="x"
    )
    assert (
        reviewer_api.post(
            f"/api/v1/evaluations/{evaluation.public_id}/report/", {}, format="json"
        ).status_code
        == 403
    )
    assert reviewer_api.get(f"/api/v1/reports/{report.public_id}/download/").status_code == 403


def test_another_organizations_report_is_404(outsider_api, org):
    evaluation = EvaluationFactory(organization=org)
    report = Report.objects.create(
        organization=org, evaluation=evaluation, kind="due_diligence", content_hash="x"
    )
    assert outsider_api.get(f"/api/v1/reports/{report.public_id}/").status_code == 404
    assert outsider_api.get(f"/api/v1/reports/{report.public_id}/download/").status_code == 404


def test_request_scoring_runs_it_and_the_result_is_readable(
    officer_api, evaluation, questions, django_capture_on_commit_callbacks
):
    url = f"/api/v1/evaluations/{evaluation.public_id}/score/"
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_api.post(url)
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    latest = officer_api.get(url).json()
    assert latest["id"] == response.json()["id"]
    assert latest["status"] in ("done", "failed")
    assert latest["status"] == "done", latest["error"]


def test_override_a_score_with_a_justification(officer_api, officer, evaluation, questions):
    from procurement.models import ScoreOverride

    questions.phi.scoring = {"expected": "no"}
    questions.phi.save()
    url = f"/api/v1/evaluations/{evaluation.public_id}/overrides/use.processes_phi/"
    missing = officer_api.put(url, {"score": 150}, format="json")
    assert missing.status_code == 400
    assert {e["path"] for e in missing.json()["errors"]} == {"score", "justification"}
    response = officer_api.put(url, {"score": 80, "justification": "BAA covers it."}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["score"] == 80.0
    assert ScoreOverride.objects.get().created_by == officer
    assert officer_api.delete(url).status_code == 204
    assert not ScoreOverride.objects.exists()
    assert (
        officer_api.put(
            f"/api/v1/evaluations/{evaluation.public_id}/overrides/no.such/",
            {"score": 1, "justification": "x"},
            format="json",
        ).status_code
        == 404
    )


def test_a_report_altered_in_the_bucket_is_a_409_with_its_code(
    compliance_api, org, renders, s3_storage, s3_server, django_capture_on_commit_callbacks
):
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.DECIDED)
    with django_capture_on_commit_callbacks(execute=True):
        report_id = compliance_api.post(
            f"/api/v1/evaluations/{evaluation.public_id}/report/", {}, format="json"
        ).json()["id"]
    report = Report.objects.get(public_id=report_id)
    s3_server.client().put_object(Bucket=s3_storage, Key=report.file.name, Body=b"%PDF-1.7 forged")
    response = compliance_api.get(f"/api/v1/reports/{report_id}/download/")
    assert response.status_code == 409
    [problem] = response.json()["errors"]
    assert problem["code"] == "altered"
    assert "no longer matches the fingerprint (SHA-256)" in problem["message"]
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_DOWNLOADED).exists()


def test_a_finding_carries_what_to_ask_its_facts_and_each_citations_standing(officer_api, org):
    evaluation = EvaluationFactory(organization=org)
    run = ScoreRunFactory(evaluation=evaluation, overall_score=72.5)
    FindingFactory(
        score_run=run,
        code="subcontractor_phi_without_baa",
        ask="Attach every subcontractor's BAA.",
        citations=[{"citation": "45 CFR 164.502(e)(1)(ii), 164.504(e)(5)", "standing": "law"}],
        facts=[{"fact": "baa.subcontractor_baas", "question_key": "baa.subs"}],
        question_keys=["baa.subs"],
        caps_tier_at="high",
    )
    FindingFactory(score_run=run, code="older", citation="45 CFR 170.315(b)(11); 45 CFR 92.210")
    findings = officer_api.get(f"/api/v1/evaluations/{evaluation.public_id}/score/").json()["findings"]
    new, older = sorted(findings, key=lambda f: f["code"] != "subcontractor_phi_without_baa")
    assert new["ask"] == "Attach every subcontractor's BAA."
    assert new["citations"] == [{"citation": "45 CFR 164.502(e)(1)(ii), 164.504(e)(5)", "standing": "law"}]
    assert new["facts"] == [{"fact": "baa.subcontractor_baas", "question_key": "baa.subs"}]
    assert new["caps_tier_at"] == "high"
    # Stored before findings kept their standing: each part's standing from its source.
    assert older["citations"] == [
        {"citation": "45 CFR 170.315(b)(11)", "standing": "voluntary"},
        {"citation": "45 CFR 92.210", "standing": "law"},
    ]
