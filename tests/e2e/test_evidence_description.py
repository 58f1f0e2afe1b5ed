"""Describing evidence in a real browser: the vendor uploads a document with its type and period,
corrects it on its own page, and the officer sees the description on the evaluation page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation, EvidenceFile
from tests.e2e.conftest import assert_accessible
from tests.factories import EvaluationFactory, InviteFactory, QuestionFactory, SectionFactory, TemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_vendor_uploads_describes_and_corrects_a_document(page, org, tmp_path):
    template = TemplateFactory(organization=org, name="Security", slug="security-docs")
    section = SectionFactory(template=template, key="security", title="Security", order=0)
    QuestionFactory(
        section=section,
        key="security.soc2_type2",
        type="file",
        prompt="Attach your SOC 2 Type II report.",
        requires_evidence=True,
        options={"has_expiry": True, "document_types": ["soc2"]},
    )
    evaluation = EvaluationFactory(organization=org, template=template, status=Evaluation.Status.SENT)
    invite = InviteFactory(evaluation=evaluation)
    report = tmp_path / "soc2.pdf"
    report.write_bytes(PDF)

    page.goto(f"/v/{invite.token}/")
    expect(page.get_by_label("Document type")).to_have_value("soc2")
    page.get_by_label("Upload a document (PDF, DOCX, XLSX, CSV, PNG, JPEG or TXT)").set_input_files(
        str(report)
    )
    page.get_by_label("Issued by").fill("Example Audit LLP")
    page.get_by_label("Period covered from").fill("2025-01-01")
    page.get_by_label("Period covered to").fill("2025-12-31")
    page.get_by_role("button", name="Upload Attach your SOC 2 Type II report.").click()
    expect(page.get_by_text("Document uploaded.")).to_be_visible()
    expect(
        page.get_by_text("SOC 2 report · issued by Example Audit LLP · covers 2025-01-01 to 2025-12-31")
    ).to_be_visible()

    page.get_by_role("link", name="Describe").click()
    expect(page.get_by_role("heading", level=1, name="Describe soc2.pdf")).to_be_visible()
    assert_accessible(page, context="evidence description")
    page.get_by_label("Model version it describes").fill("4.2")
    page.get_by_label("Period covered to").fill("2024-12-31")
    page.get_by_role("button", name="Save the description").click()
    expect(page.get_by_text("The period covered cannot end before it starts.")).to_be_visible()
    page.get_by_label("Period covered to").fill("2025-12-31")
    page.get_by_role("button", name="Save the description").click()
    expect(page.get_by_text("Description of soc2.pdf saved.")).to_be_visible()
    evidence = EvidenceFile.objects.get()
    assert (evidence.document_type, evidence.issuer, evidence.model_version) == (
        "soc2",
        "Example Audit LLP",
        "4.2",
    )
