"""A template upgrade in a real browser: the officer reads the plan and applies it; the vendor
confirms the answer whose question was reworded."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Answer, Evaluation
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import InviteFactory
from tests.procurement.upgrade_setup import evaluation_on_v1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def question(page, prompt: str):
    return page.locator(".question").filter(has=page.get_by_role("heading", name=prompt))


def test_officer_upgrades_and_vendor_confirms_the_flagged_answer(new_context, org, officer):
    officer.username = "officer"
    officer.save(update_fields=["username"])
    q = evaluation_on_v1(org, officer, status=Evaluation.Status.SENT)
    invite = InviteFactory(evaluation=q.evaluation)

    page = new_context().new_page()
    sign_in(page, "officer")
    page.goto(q.evaluation.get_absolute_url())
    page.get_by_role("link", name="Upgrade template to v2").click()
    expect(page.get_by_role("heading", level=1, name="Upgrade to Vendor review v2")).to_be_visible()
    plan = page.locator("#upgrade-plan")
    expect(plan.locator('tr[data-key="sec.owner"]')).to_contain_text("To confirm")
    expect(plan.locator('tr[data-key="sec.hosting"]')).to_contain_text("Choice removed")
    expect(plan.locator('tr[data-key="sec.fax"]')).to_contain_text("Archived")
    expect(plan.locator('tr[data-key="sec.sbom"]')).to_contain_text("New")
    assert_accessible(page, context="template upgrade plan")
    page.get_by_role("button", name="Apply the upgrade").click()
    expect(page.get_by_text("The evaluation now uses Vendor review v2")).to_be_visible()
    expect(page.get_by_text("Vendor review v2", exact=False).first).to_be_visible()
    expect(page.get_by_role("link", name="Upgrade template to v2")).to_have_count(0)

    vendor = new_context().new_page()
    vendor.goto(f"/v/{invite.token}/")
    reworded = question(vendor, "Who is accountable for security?")
    expect(reworded.locator(".prefill-note")).to_contain_text("To be confirmed")
    expect(reworded.locator(".prefill-note")).to_contain_text("Kept from the earlier version")
    expect(question(vendor, "Fax number?")).to_have_count(0)
    reworded.get_by_role("button", name="Confirm").click()
    expect(vendor.get_by_text("Answer confirmed.")).to_be_visible()
    expect(question(vendor, "Who is accountable for security?").locator(".prefill-note")).to_contain_text(
        "Confirmed"
    )
    answer = Answer.objects.get(pk=q.a_reword.pk)
    assert answer.confirmed_at is not None
    assert answer.value == "Jane Doe, CISO"
