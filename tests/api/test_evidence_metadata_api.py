"""The API side of evidence descriptions: upload and list carry them, PATCH corrects them with
errors naming the field, and a product's findings after approval are listed."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation, EvidenceFile, ProductFinding
from tests.api.test_vendor_api import PDF
from tests.factories import EvaluationFactory, EvidenceFileFactory

pytestmark = pytest.mark.django_db
UPLOAD = "/api/v1/vendor/answers/security.soc2_type2/evidence/"
DESCRIPTION = {
    "document_type": "soc2",
    "issuer": "Example Audit LLP",
    "model_version": "4.2",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "effective_on": "2026-02-01",
}


def test_an_upload_carries_its_description_and_the_questionnaire_lists_it(vendor_api, questions):
    upload = SimpleUploadedFile("soc2.pdf", PDF, content_type="application/pdf")
    response = vendor_api.post(
        UPLOAD, {"file": upload, "expires_on": "2027-01-31", **DESCRIPTION}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in DESCRIPTION} == DESCRIPTION
    assert body["expires_on"] == "2027-01-31"
    listed = vendor_api.get("/api/v1/vendor/questionnaire/").json()
    [file] = [f for s in listed["sections"] for q in s["questions"] for f in q["files"]]
    assert {k: file[k] for k in DESCRIPTION} == DESCRIPTION


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"period_start": "2025-12-31", "period_end": "2025-01-01"}, "period_end"),
        ({"document_type": "diploma"}, "document_type"),
        ({"period_start": "31/12/2025"}, "period_start"),
        ({"effective_on": "2027-02-01", "expires_on": "2027-01-31"}, "expires_on"),
    ],
)
def test_a_wrong_description_is_refused_with_the_field_path(vendor_api, questions, fields, path):
    upload = SimpleUploadedFile("soc2.pdf", PDF, content_type="application/pdf")
    response = vendor_api.post(UPLOAD, {"file": upload, **fields}, format="multipart")
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == [path]
    assert not EvidenceFile.objects.exists()


def test_patch_corrects_the_description_and_keeps_what_it_leaves_out(vendor_api, invite, questions):
    evidence = EvidenceFileFactory(
        evaluation=invite.evaluation, question=questions.report, issuer="Old LLP", model_version="4.1"
    )
    url = f"/api/v1/vendor/evidence/{evidence.public_id}/"
    response = vendor_api.patch(url, {"document_type": "soc2", "model_version": "4.2"}, format="json")
    assert response.status_code == 200, response.json()
    assert (
        response.json()["document_type"],
        response.json()["issuer"],
        response.json()["model_version"],
    ) == (
        "soc2",
        "Old LLP",
        "4.2",
    )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EVIDENCE_DESCRIBED)
    assert event.data["changed"] == {"document_type": ["", "soc2"], "model_version": ["4.1", "4.2"]}
    refused = vendor_api.patch(url, {"period_start": "2026-01-02", "period_end": "2026-01-01"}, format="json")
    assert refused.status_code == 400
    assert [e["path"] for e in refused.json()["errors"]] == ["period_end"]


def test_patch_reaches_only_this_invites_current_files(vendor_api, invite, questions, org):
    other = EvidenceFileFactory(evaluation=EvaluationFactory(organization=org))
    removed = EvidenceFileFactory(
        evaluation=invite.evaluation, question=questions.report, removed_at=timezone.now()
    )
    for evidence in (other, removed):
        response = vendor_api.patch(
            f"/api/v1/vendor/evidence/{evidence.public_id}/", {"issuer": "X"}, format="json"
        )
        assert response.status_code == 404


def test_a_submitted_evaluation_refuses_the_patch(vendor_api, invite, questions):
    evidence = EvidenceFileFactory(evaluation=invite.evaluation, question=questions.report)
    Evaluation.objects.filter(pk=invite.evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    response = vendor_api.patch(
        f"/api/v1/vendor/evidence/{evidence.public_id}/", {"issuer": "X"}, format="json"
    )
    assert response.status_code in (400, 409)
    evidence.refresh_from_db()
    assert evidence.issuer == ""


def test_a_products_findings_are_listed_open_first(officer_api, org, officer, product, outsider):
    evaluation = EvaluationFactory(
        organization=org,
        owner=officer,
        product=product,
        status=Evaluation.Status.DECIDED,
        decision=Evaluation.Decision.APPROVED,
        decided_at=timezone.now(),
    )
    expired = EvidenceFileFactory(evaluation=evaluation, expires_on=datetime.date(2020, 1, 1))
    old = ProductFinding.objects.create(
        organization=org,
        product=product,
        evaluation=evaluation,
        evidence=expired,
        code="evidence_expired",
        severity="high",
        title="old",
        raised_at=timezone.now() - datetime.timedelta(days=3),
        resolved_at=timezone.now(),
    )
    current = ProductFinding.objects.create(
        organization=org, product=product, evaluation=evaluation, evidence=expired, code="evidence_expired",
        severity="high", title="current",
    )  # fmt: skip
    response = officer_api.get(f"/api/v1/products/{product.public_id}/findings/")
    assert response.status_code == 200
    assert [(f["id"], f["title"], f["resolved_at"] is None) for f in response.json()] == [
        (str(current.public_id), "current", True),
        (str(old.public_id), "old", False),
    ]
    assert response.json()[0]["evidence"] == str(expired.public_id)
    assert response.json()[0]["evaluation"] == str(evaluation.public_id)


def test_the_schema_documents_the_new_endpoints(officer_api):
    schema = officer_api.get("/api/schema/?format=json").json()
    assert "/api/v1/products/{id}/findings/" in schema["paths"]
    assert "patch" in schema["paths"]["/api/v1/vendor/evidence/{id}/"]
    evidence = schema["components"]["schemas"]["Evidence"]["properties"]
    assert {"document_type", "issuer", "period_start", "period_end", "model_version", "effective_on"} <= set(
        evidence
    )
