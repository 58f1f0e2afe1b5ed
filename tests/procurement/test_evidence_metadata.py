"""What an evidence document says it is: set by the vendor when uploading and afterwards, checked,
audited, shown to officers, and read by the scoring as facts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation, EvidenceFile, ProductFinding
from procurement.services.scoring_inputs import inputs_hash, load_scoring_inputs
from questionnaires.engine.scoring import score_answers
from tests.factories import EvaluationFactory, EvidenceFileFactory
from tests.procurement.conftest import build_questionnaire, portal_url

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def upload(client, invite, question, **fields):
    data = {f"q{question.pk}-file": SimpleUploadedFile("report.pdf", PDF)}
    data.update({f"q{question.pk}-{k}": v for k, v in fields.items()})
    return client.post(portal_url(invite, f"q/{question.key}/upload/"), data)


def test_the_vendor_describes_a_document_when_uploading_it(invite, questions, client):
    response = upload(
        client,
        invite,
        questions.report,
        document_type="soc2",
        issuer=" Example Audit LLP ",
        model_version="4.2",
        period_start="2025-01-01",
        period_end="2025-12-31",
        effective_on="2026-02-01",
        expires_on="2027-01-31",
    )
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert (
        evidence.document_type,
        evidence.issuer,
        evidence.model_version,
        evidence.period_start,
        evidence.period_end,
        evidence.effective_on,
        evidence.expires_on,
    ) == (
        "soc2",
        "Example Audit LLP",
        "4.2",
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
        datetime.date(2026, 2, 1),
        datetime.date(2027, 1, 31),
    )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.FILE_UPLOADED)
    assert event.data["document_type"] == "soc2"
    assert event.data["period_end"] == "2025-12-31"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"period_start": "2025-12-31", "period_end": "2025-01-01"}, "Period covered to: The period covered "
         "cannot end before it starts."),
        ({"effective_on": "2026-02-01", "expires_on": "2026-01-01"}, "Valid until: A document cannot expire "
         "before it takes effect."),
        ({"document_type": "diploma"}, "Document type: Select a valid choice. diploma is not one of the "
         "available choices."),
    ],
)  # fmt: skip
def test_a_description_that_cannot_be_right_is_refused_beside_the_question(
    invite, questions, client, fields, message
):
    response = upload(client, invite, questions.report, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_the_question_expecting_a_type_preselects_it(invite, questions, client):
    questions.report.options = {"has_expiry": True, "document_types": ["soc2"]}
    questions.report.save()
    page = client.get(portal_url(invite) + "?section=evidence").content.decode()
    assert '<option value="soc2" selected>SOC 2 report</option>' in page


def test_the_vendor_corrects_the_description_afterwards_and_it_is_audited(invite, questions, client):
    evidence = EvidenceFileFactory(evaluation=invite.evaluation, question=questions.report)
    url = portal_url(invite, f"evidence/{evidence.public_id}/describe/")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"doc-document_type": "pen_test", "doc-issuer": "Red Team Ltd", "doc-expires_on": "2027-03-01"},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.document_type, evidence.issuer, evidence.expires_on) == (
        "pen_test",
        "Red Team Ltd",
        datetime.date(2027, 3, 1),
    )
    [event] = AuditEvent.objects.filter(kind=AuditEvent.Kind.EVIDENCE_DESCRIBED)
    assert event.data["changed"]["document_type"] == ["", "pen_test"]
    assert event.actor_contact == invite.contact
    # Saving the same description again changes and audits nothing.
    client.post(
        url,
        {"doc-document_type": "pen_test", "doc-issuer": "Red Team Ltd", "doc-expires_on": "2027-03-01"},
    )
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EVIDENCE_DESCRIBED).count() == 1


def test_a_wrong_correction_shows_its_message_beside_the_field(invite, questions, client):
    evidence = EvidenceFileFactory(evaluation=invite.evaluation, question=questions.report)
    response = client.post(
        portal_url(invite, f"evidence/{evidence.public_id}/describe/"),
        {"doc-period_start": "2026-01-02", "doc-period_end": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "The period covered cannot end before it starts." in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.period_end is None


def test_a_submitted_answer_cannot_be_redescribed(invite, questions, client):
    evidence = EvidenceFileFactory(evaluation=invite.evaluation, question=questions.report)
    Evaluation.objects.filter(pk=invite.evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    response = client.post(
        portal_url(invite, f"evidence/{evidence.public_id}/describe/"), {"doc-issuer": "Late Ltd"}
    )
    assert "This answer can no longer be changed." in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.issuer == ""


def test_officers_see_the_description_and_the_findings_after_approval(officer_client, org, officer):
    evaluation = EvaluationFactory(
        organization=org,
        owner=officer,
        status=Evaluation.Status.DECIDED,
        decision=Evaluation.Decision.APPROVED,
        decided_at=timezone.now(),
    )
    evidence = EvidenceFileFactory(
        evaluation=evaluation,
        question=build_questionnaire(evaluation).report,
        document_type="baa",
        issuer="Acme Health AI",
        model_version="4.2",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        expires_on=datetime.date(2020, 1, 1),
    )
    ProductFinding.objects.create(
        organization=org,
        product=evaluation.product,
        evaluation=evaluation,
        evidence=evidence,
        code="evidence_expired",
        severity="high",
        title="report.pdf (q) expired on 2020-01-01",
    )
    page = officer_client.get(evaluation.get_absolute_url()).content.decode()
    # The evidence is described beside its question, in the review workspace.
    question_url = evaluation.get_question_url(evidence.question_id)
    workspace = officer_client.get(question_url, follow=True).content.decode()
    assert (
        "Business associate agreement · issued by Acme Health AI · model version 4.2 · covers 2025-01-01 to "
        "2025-12-31" in workspace
    )
    assert "Findings after approval" in page
    assert "Evidence expired on an approved product: report.pdf (q) expired on 2020-01-01" in page
    vendor_page = officer_client.get(f"/vendors/{evaluation.product.vendor.public_id}/").content.decode()
    assert "Evidence expired on an approved product: report.pdf (q) expired on 2020-01-01" in vendor_page


def test_the_vendor_page_lists_products_and_findings_in_a_fixed_number_of_queries(
    officer_client, org, officer, django_assert_max_num_queries
):
    evaluation = EvaluationFactory(organization=org, owner=officer)
    url = f"/vendors/{evaluation.product.vendor.public_id}/"
    officer_client.get(url)
    with django_assert_max_num_queries(30) as one:
        officer_client.get(url)
    for _ in range(3):
        EvaluationFactory(organization=org, owner=officer, product__vendor=evaluation.product.vendor)
    with django_assert_max_num_queries(len(one.captured_queries)):
        officer_client.get(url)


def test_scoring_reads_the_descriptions_and_they_change_the_inputs_hash(invite, questions):
    evaluation = invite.evaluation
    questions.report.options = {"has_expiry": True, "document_types": ["soc2"]}
    questions.report.save()
    evidence = EvidenceFileFactory(evaluation=evaluation, question=questions.report)
    today = datetime.date(2026, 12, 1)
    before = inputs_hash(evaluation=evaluation, inputs=load_scoring_inputs(evaluation), today=today)
    EvidenceFile.objects.filter(pk=evidence.pk).update(document_type="pen_test")
    inputs = load_scoring_inputs(evaluation)
    assert inputs_hash(evaluation=evaluation, inputs=inputs, today=today) != before
    [document] = inputs["documents"][questions.report.key]
    assert document.document_type == "pen_test"
    result = score_answers(today=today, **inputs)
    assert "document_type_mismatch" in {f.code for f in result.findings}
