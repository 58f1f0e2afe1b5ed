"""A model change in a real browser: the vendor reports a version outside the authorized PCCP through
its link; the officer finds the re-assessment it opened and the product's version history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation
from tests.e2e.conftest import assert_accessible, sign_in
from tests.procurement.reassessment_setup import approved, vendor_invite

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_outside_pccp_version_opens_a_reassessment_the_officer_sees(new_context, org, officer):
    evaluation, _ = approved(org, officer, tier="high")
    invite = vendor_invite(evaluation)
    product = evaluation.product

    vendor = new_context().new_page()
    vendor.goto(f"/v/{invite.token}/")
    vendor.get_by_role("link", name="Report a new model version").first.click()
    expect(vendor.get_by_role("heading", level=1)).to_contain_text("Report a new model version")
    assert_accessible(vendor, context="model version report")
    vendor.get_by_label("New version").fill("3.0")
    vendor.get_by_label("Release notes").fill("Retrained on 2026 admissions; new lactate input.")
    vendor.get_by_label("No, outside it").check()
    vendor.get_by_role("button", name="Report the version").click()
    expect(vendor.get_by_text("version 3.0 is recorded")).to_be_visible()
    expect(vendor.get_by_text("opened a re-assessment")).to_be_visible()
    expect(vendor.get_by_role("cell", name="Re-assessment opened")).to_be_visible()

    reassessment = Evaluation.objects.get(purpose=Evaluation.Purpose.REASSESSMENT)
    assert reassessment.previous_id == evaluation.pk

    staff = new_context().new_page()
    sign_in(staff, officer.username)
    staff.goto("/notifications/")
    staff.get_by_role("link", name=re.compile("Re-assessment of")).first.click()
    expect(staff).to_have_url(re.compile(str(reassessment.public_id)))
    expect(staff.get_by_text("Re-assessment after a model update")).to_be_visible()

    staff.get_by_role("link", name=product.name).first.click()
    history = staff.locator("#version-history")
    expect(history.locator("tbody tr")).to_have_count(2)
    newest = history.locator("tbody tr").first
    expect(newest).to_contain_text("3.0")
    expect(newest).to_contain_text("Outside the authorized PCCP")
    expect(newest).to_contain_text("Re-assessment opened")
    expect(history.locator("tbody tr").nth(1)).to_contain_text("Evaluated")
    expect(staff.locator("#next-review")).to_contain_text("Re-assessment opened")
    assert_accessible(staff, context="product page")
    newest.get_by_role("link").click()
    expect(staff).to_have_url(re.compile(str(reassessment.public_id)))
