"""Remediation in the browser: an item from a finding, the vendor's reply with a file, the lift."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation, RemediationItem
from tests.e2e.conftest import assert_accessible, sign_in
from tests.procurement.remediation_setup import remediation_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


def test_officer_opens_an_item_vendor_replies_with_a_file_officer_accepts_and_the_approval_lifts(
    new_context, org, officer
):
    setup = remediation_setup(
        org,
        officer,
        status=Evaluation.Status.DECIDED,
        decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS,
        decision_rationale="Approved once subgroup metrics arrive.",
    )
    evaluation = setup.evaluation

    officer_page = new_context().new_page()
    sign_in(officer_page, officer.username)
    officer_page.goto(evaluation.get_absolute_url())
    panel = officer_page.locator("#remediation-panel")
    panel.get_by_text("Open remediation items from findings or conditions").click()
    panel.get_by_label("No subgroup performance reported (bias.no_subgroup_metrics)").check()
    panel.get_by_label("Due date").fill("2027-01-31")
    panel.get_by_role("button", name="Open items").click()
    expect(officer_page.get_by_text("1 remediation item opened.")).to_be_visible()
    expect(panel.get_by_role("link", name="No subgroup performance reported")).to_be_visible()
    item = RemediationItem.objects.get()

    vendor_page = new_context().new_page()
    vendor_page.goto(f"/v/{setup.invite.token}/remediation/")
    card = vendor_page.locator(f"#item-{item.public_id}")
    expect(card.get_by_role("heading", name="No subgroup performance reported")).to_be_visible()
    assert_accessible(vendor_page, context="the vendor's remediation page")
    card.get_by_label("Your answer").fill("Sensitivity by age band and sex is attached.")
    card.get_by_label("Document (optional)").set_input_files(
        files=[{"name": "subgroups.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    card.get_by_role("button", name="Send the answer").click()
    expect(vendor_page.get_by_text("Thank you: your answer was sent.")).to_be_visible()
    expect(vendor_page.get_by_role("link", name="subgroups.pdf")).to_be_visible()

    officer_page.goto(item.get_absolute_url())
    expect(officer_page.get_by_text("Vendor responded").first).to_be_visible()
    expect(officer_page.get_by_role("link", name="subgroups.pdf")).to_be_visible()
    assert_accessible(officer_page, context="the remediation item page")
    officer_page.get_by_label("Note to the thread").fill("Thank you, this closes it.")
    officer_page.get_by_role("button", name="Accept").click()
    expect(officer_page.get_by_text("The item is now accepted.")).to_be_visible()
    expect(officer_page.get_by_text(re.compile("no longer conditional"))).to_be_visible()

    officer_page.goto(evaluation.get_absolute_url())
    expect(officer_page.get_by_text(re.compile("The conditional approval was lifted"))).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.decision == Evaluation.Decision.APPROVED
