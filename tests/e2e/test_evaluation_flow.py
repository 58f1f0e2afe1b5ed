"""The whole evaluation story in a real browser, one person (and one browser context) per role."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from procurement.models import Evaluation
from tests.e2e.conftest import assert_accessible, sign_in
from tests.e2e.scenario import (
    EVIDENCE_SECTION,
    PRODUCT_SECTION,
    build_compact_template,
    invite_path,
    minimal_pdf,
)
from tests.factories import EvaluationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = "Northwind Diagnostics Inc."
PRODUCT = "SepsisWatch"
CONTACT = "Dana Vendorson"


def watched_page(new_context, problems: list[str]):
    """A page in a fresh context whose script errors and console errors (CSP reports among them) are kept."""
    page = new_context().new_page()
    page.on(
        "console", lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return page


def question(page, prompt: str):
    """The card of one question on the vendor's page, found by its visible prompt."""
    return page.locator(".question").filter(has=page.get_by_role("heading", name=prompt))


def wait_saved(card) -> None:
    expect(card.locator(".save-state-saved")).to_have_text("Saved")


def progress(page) -> int:
    return int(page.locator("#progress [role=progressbar]").get_attribute("aria-valuenow"))


def officer_prepares_and_invites(page, org, mailoutbox) -> str:
    page.goto("/")
    assert_accessible(page, context="login page")
    sign_in(page, "officer")
    expect(page.get_by_role("heading", level=1, name=org.name)).to_be_visible()
    assert_accessible(page, context="dashboard")

    # The vendor directory: vendor, product and contact, as an officer enters them.
    page.get_by_role("link", name="Vendors").first.click()
    expect(page.get_by_role("heading", level=1, name="Vendors")).to_be_visible()
    assert_accessible(page, context="vendor list")
    page.get_by_role("link", name="New vendor").click()
    page.get_by_label("Legal name").fill(VENDOR)
    page.get_by_label("Website").fill("https://northwind.example.com")
    page.get_by_role("button", name=re.compile("Save|Create")).click()
    expect(page.get_by_role("heading", level=1, name=VENDOR)).to_be_visible()
    page.get_by_role("link", name="Add product").click()
    page.get_by_label("Name").fill(PRODUCT)
    page.get_by_label("Version").fill("3.2")
    page.get_by_label("Intended use").fill("Early warning of sepsis in adult inpatients.")
    page.get_by_role("button", name=re.compile("Save|Add|Create")).click()
    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("Name").fill(CONTACT)
    page.get_by_label("Email").fill("dana@northwind.example.com")
    page.get_by_role("button", name=re.compile("Save|Add|Create")).click()
    expect(page.get_by_role("cell", name=CONTACT, exact=True)).to_be_visible()
    assert_accessible(page, context="vendor detail")

    # Templates: list, the published questionnaire, its preview and a draft in the editor.
    page.get_by_role("link", name="Templates").first.click()
    expect(page.get_by_role("heading", level=1, name="Questionnaire templates")).to_be_visible()
    assert_accessible(page, context="template list")
    page.get_by_role("link", name="Compact due diligence").first.click()
    page.wait_for_url(re.compile(r"/templates/[0-9a-f-]+/$"))
    assert_accessible(page, context="template detail (published)")
    page.get_by_role("link", name="Preview as vendor").click()
    page.wait_for_url(re.compile("/preview/$"))
    assert_accessible(page, context="template preview")
    page.go_back()
    page.get_by_role("button", name="New version").click()
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    assert_accessible(page, context="template editor (draft)")

    # The evaluation.
    page.get_by_role("link", name="Evaluations").first.click()
    expect(page.get_by_role("heading", level=1, name="Evaluations")).to_be_visible()
    assert_accessible(page, context="evaluation list")
    page.get_by_role("link", name="New evaluation").click()
    expect(page.get_by_role("heading", level=1, name="New evaluation")).to_be_visible()
    assert_accessible(page, context="evaluation create form")
    page.get_by_label("Product").select_option(label=f"{VENDOR} — {PRODUCT} 3.2")
    questionnaire = page.get_by_label("Questionnaire (published version)")
    option = questionnaire.locator("option", has_text="Compact due diligence")
    questionnaire.select_option(value=option.get_attribute("value"))
    page.get_by_label("Owner").select_option(label="Olivia Officer")
    page.get_by_role("checkbox", name="Rita Reviewer").check()
    page.get_by_role("button", name="Create evaluation").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(PRODUCT))).to_be_visible()
    assert_accessible(page, context="evaluation detail (officer)")

    panel = page.locator("#invites-panel")
    panel.get_by_label(re.compile(CONTACT)).check()
    panel.get_by_role("button", name="Send invites").click()
    expect(panel.get_by_text("Active")).to_be_visible()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["dana@northwind.example.com"]
    return invite_path(mailoutbox[0].body)


def test_an_evaluation_from_invitation_to_decision_and_report(
    new_context, org, officer, reviewer, compliance_lead, mailoutbox
):
    for user, username, first_name, last_name in (
        (officer, "officer", "Olivia", "Officer"),
        (reviewer, "reviewer", "Rita", "Reviewer"),
        (compliance_lead, "compliance", "Carl", "Compliance"),
    ):
        user.username, user.first_name, user.last_name = username, first_name, last_name
        user.save(update_fields=["username", "first_name", "last_name"])
    template = build_compact_template(organization=org)
    # An earlier evaluation of another product, for the comparison at the end.
    EvaluationFactory(organization=org, template=template, owner=officer, product__name="TriageAssist")

    problems: list[str] = []
    officer_page = watched_page(new_context, problems)
    link = officer_prepares_and_invites(officer_page, org, mailoutbox)
    evaluation_url = officer_page.url

    vendor_page = watched_page(new_context, problems)
    vendor_answers(vendor_page, link)
    assert Evaluation.objects.get(product__name=PRODUCT).status == Evaluation.Status.SUBMITTED

    # A reviewer reads the answers beside the guidance and sends one question back.
    reviewer_page = watched_page(new_context, problems)
    sign_in(reviewer_page, "reviewer")
    reviewer_page.goto(evaluation_url)
    assert_accessible(reviewer_page, context="evaluation summary (reviewer)")
    # The answers are read in the review workspace, one section at a time.
    reviewer_page.get_by_role("link", name="Open the review workspace").click()
    expect(reviewer_page.get_by_text("Flags adult inpatients at risk of sepsis")).to_be_visible()
    intended = reviewer_page.locator("article").filter(
        has=reviewer_page.get_by_role("heading", name=re.compile("Describe the intended use"))
    )
    intended.get_by_text("Reviewer guidance").click()
    expect(intended.get_by_text("Reviewer guidance for use.intended_use.")).to_be_visible()
    assert_accessible(reviewer_page, context="review workspace (reviewer)")
    workspace_url = reviewer_page.url
    intended.get_by_label("Ask the vendor to clarify").check()
    reviewer_page.get_by_label("Message to the vendor").fill("Which wards and which age groups exactly?")
    reviewer_page.get_by_role("button", name="Request clarification").click()
    expect(reviewer_page.get_by_text("Clarification requested on 1 question")).to_be_visible()
    expect(reviewer_page.get_by_role("heading", name=re.compile("Changes requested"))).to_be_visible()

    # The vendor sees only that question open, with the message, and answers it.
    vendor_page.reload()
    expect(vendor_page.get_by_text("Which wards and which age groups exactly?")).to_be_visible()
    assert vendor_page.get_by_role("textbox").count() == 1
    card = question(vendor_page, "Describe the intended use of the product.")
    card.get_by_role("textbox").fill("Flags adults (18+) on medical and surgical wards at risk of sepsis.")
    card.get_by_role("textbox").press("Tab")
    wait_saved(question(vendor_page, "Describe the intended use of the product."))
    vendor_page.get_by_role("link", name="Review and submit", exact=True).click()
    vendor_page.get_by_role("button", name="Submit the questionnaire").click()
    expect(vendor_page.get_by_text("This is a read-only copy of your answers.")).to_be_visible()

    # The reviewer sees what changed.
    reviewer_page.goto(workspace_url)
    expect(intended.get_by_text("Changed")).to_be_visible()
    expect(intended.get_by_text("Flags adults (18+) on medical and surgical wards")).to_be_visible()
    expect(intended.get_by_text("Flags adult inpatients at risk of sepsis")).to_be_visible()

    # The officer approves with a condition.
    officer_page.reload()
    officer_page.get_by_label("Approved with conditions").check()
    officer_page.get_by_label("Rationale").fill("Sound evidence; subgroup results need a local check.")
    officer_page.locator("#id_conditions-0-description").fill("Validate on local data before go-live")
    officer_page.locator("#id_conditions-0-owner").select_option(label="Rita Reviewer")
    officer_page.locator("#id_conditions-0-due_date").fill("2030-06-30")
    officer_page.get_by_role("button", name="Record decision").click()
    expect(officer_page.get_by_role("heading", name=re.compile("Status: Decided"))).to_be_visible()
    conditions = officer_page.get_by_role("region", name="Conditions of approval")
    expect(conditions.get_by_text("Validate on local data before go-live")).to_be_visible()
    expect(conditions.get_by_text("Rita Reviewer")).to_be_visible()
    assert_accessible(officer_page, context="evaluation detail (decided)")
    evaluation = Evaluation.objects.get(product__name=PRODUCT)
    assert evaluation.decision == Evaluation.Decision.APPROVED_WITH_CONDITIONS

    # The compliance lead sees the score and downloads the due-diligence report.
    compliance_page = watched_page(new_context, problems)
    sign_in(compliance_page, "compliance")
    compliance_page.goto(evaluation_url)
    score = compliance_page.locator("#score-panel")
    # Every scored answer earns full marks (intended use, the customer's BAA, notice within 30 days, a
    # complete subgroup row, the document): 100 in both sections, tier low, no finding.
    evaluation.refresh_from_db()
    assert (evaluation.overall_score, evaluation.risk_tier) == (Decimal("100.00"), "low")
    expect(score.get_by_text("Low risk", exact=True)).to_be_visible()
    expect(score.get_by_text("100.00", exact=True)).to_be_visible()
    assert_accessible(compliance_page, context="evaluation detail (compliance, score panel)")
    compliance_page.get_by_role("button", name="Generate report").click()
    download_link = compliance_page.locator(".report-panel").get_by_role("link", name=re.compile("Download"))
    expect(download_link).to_be_visible(timeout=30_000)
    with compliance_page.expect_download() as download_info:
        download_link.click()
    pdf_bytes = Path(download_info.value.path()).read_bytes()
    assert pdf_bytes.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)
    assert PRODUCT in text
    assert PRODUCT_SECTION in text

    compliance_page.get_by_role("link", name="Compare").first.click()
    compliance_page.wait_for_url(re.compile("/reports/compare/"))
    compliance_page.get_by_label(re.compile(PRODUCT)).check()
    compliance_page.get_by_label(re.compile("TriageAssist")).check()
    compliance_page.get_by_role("button", name="Compare", exact=True).click()
    expect(compliance_page.get_by_role("heading", name="Scores and tiers")).to_be_visible()
    assert_accessible(compliance_page, context="comparison page")
    assert problems == []


def vendor_answers(page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=2, name=PRODUCT_SECTION)).to_be_visible()
    assert_accessible(page, context="portal questionnaire")
    start = progress(page)

    # Autosave: the answer is saved when the field is left, and is still there after a reload.
    intended = question(page, "Describe the intended use of the product.")
    intended.get_by_role("textbox").fill(
        "Flags adult inpatients at risk of sepsis for the rapid response team."
    )
    intended.get_by_role("textbox").press("Tab")
    wait_saved(intended)
    page.reload()
    expect(question(page, "Describe the intended use of the product.").get_by_role("textbox")).to_have_value(
        "Flags adult inpatients at risk of sepsis for the rapid response team."
    )
    assert progress(page) > start

    # The BAA question depends on the PHI answer: it appears with "Yes" and goes again with "No".
    phi = question(page, "Does the product process our patients' PHI?")
    baa_heading = page.get_by_role("heading", name="Will you sign a business associate agreement?")
    expect(baa_heading).to_be_hidden()
    phi.get_by_label("Yes").check()
    expect(baa_heading).to_be_visible()
    wait_saved(question(page, "Does the product process our patients' PHI?"))
    question(page, "Does the product process our patients' PHI?").get_by_label("No").check()
    expect(baa_heading).to_be_hidden()
    question(page, "Does the product process our patients' PHI?").get_by_label("Yes").check()
    expect(baa_heading).to_be_visible()
    baa = question(page, "Will you sign a business associate agreement?")
    baa.get_by_label("We sign the customer's BAA").check()
    wait_saved(question(page, "Will you sign a business associate agreement?"))

    notice = question(page, "How many days after discovery do you notify a breach?")
    before = progress(page)
    notice.get_by_role("textbox").fill("30")
    notice.get_by_role("textbox").press("Tab")
    wait_saved(question(page, "How many days after discovery do you notify a breach?"))
    expect(page.locator("#progress [role=progressbar]")).not_to_have_attribute("aria-valuenow", str(before))

    # Second section: a table, filled row by row, and an uploaded PDF.
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name=re.compile(EVIDENCE_SECTION)
    ).click()
    expect(page.get_by_role("heading", level=2, name=EVIDENCE_SECTION)).to_be_visible()
    assert_accessible(page, context="portal questionnaire, second section")
    # A table is saved when focus leaves it: typing from cell to cell loses nothing.
    table = question(page, "Performance by subgroup")
    table.get_by_label("Subgroup, row 1").fill("Female")
    table.get_by_label("Patients, row 1").fill("1200")
    table.get_by_label("Patients, row 1").press("Tab")
    wait_saved(table)
    expect(table.get_by_label("Patients, row 1")).to_have_value("1200")
    table.get_by_label("Subgroup, row 2").fill("Male")
    table.get_by_label("Patients, row 2").fill("1100")
    table.get_by_label("Patients, row 2").press("Tab")
    expect(table.get_by_label("Subgroup, row 3")).to_have_value("")
    expect(table.get_by_label("Patients, row 2")).to_have_value("1100")

    evidence = question(page, "Attach your latest SOC 2 Type II report.")
    evidence.get_by_label(re.compile("Upload a document")).set_input_files(
        files=[{"name": "soc2-type2.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}]
    )
    evidence.get_by_role("button", name=re.compile(r"^Upload Attach")).click()
    expect(page.get_by_role("link", name="soc2-type2.pdf")).to_be_visible()
    expect(page.locator("#progress [role=progressbar]")).to_have_attribute("aria-valuenow", "100")

    page.get_by_role("link", name="Review and submit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Review and submit")).to_be_visible()
    assert_accessible(page, context="portal review page")
    page.get_by_role("button", name="Submit the questionnaire").click()
    expect(page.get_by_text("This is a read-only copy of your answers.")).to_be_visible()
    assert page.get_by_role("textbox").count() == 0
    assert_accessible(page, context="portal questionnaire (read-only)")
