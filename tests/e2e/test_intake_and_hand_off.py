"""In the browser: the intake shortens the questionnaire for a low-risk use, and a vendor hands one
section to a colleague whose link changes only that section."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation, Invite
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import SAMPLE_INTAKE, EvaluationFactory, InviteFactory
from tests.procurement.conftest import build_questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nav_sections(page) -> list[str]:
    return [text.split("\n")[0].strip() for text in page.locator("#section-nav .nav-link").all_inner_texts()]


def test_the_intake_sends_a_visibly_shorter_questionnaire_for_a_low_risk_use(new_context, org, officer):
    officer.username = "officer"
    officer.save(update_fields=["username"])
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    questions = build_questionnaire(evaluation)
    evaluation.template.intake = SAMPLE_INTAKE
    evaluation.template.save()
    questions.second.asked_from = "high"
    questions.second.save()
    invite = InviteFactory(evaluation=evaluation)

    officer_page = new_context().new_page()
    sign_in(officer_page, "officer")
    officer_page.goto(f"/evaluations/{evaluation.public_id}/")
    officer_page.get_by_role("link", name="Answer the intake").click()
    assert_accessible(officer_page, context="intake page")
    officer_page.get_by_role("group", name="Does it handle PHI?").get_by_label("No").check()
    officer_page.get_by_role("group", name="Does its output reach patients directly?").get_by_label(
        "No"
    ).check()
    officer_page.get_by_label("Informs a clinician, who decides").check()
    officer_page.get_by_role("button", name="Save the intake").click()
    expect(officer_page.locator("#inherent-tier")).to_have_text("Low")
    expect(officer_page.locator("#scope-count")).to_have_text("The vendor is asked 5 of 9 questions.")

    vendor_page = new_context().new_page()
    vendor_page.goto(f"/v/{invite.token}/")
    assert _nav_sections(vendor_page) == ["Intended use"]

    officer_page.get_by_role("group", name="Does its output reach patients directly?").get_by_label(
        "Yes"
    ).check()
    officer_page.get_by_label("Acts without a clinician's review").check()
    officer_page.get_by_role("button", name="Save the intake").click()
    expect(officer_page.locator("#inherent-tier")).to_have_text("Critical")
    expect(officer_page.locator("#scope-count")).to_have_text("The vendor is asked 9 of 9 questions.")
    vendor_page.reload()
    assert _nav_sections(vendor_page) == ["Intended use", "Evidence"]


def test_a_vendor_hands_one_section_to_a_colleague_and_takes_it_back(new_context, org):
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.SENT)
    build_questionnaire(evaluation)
    invite = InviteFactory(evaluation=evaluation)
    page = new_context().new_page()
    page.goto(f"/v/{invite.token}/")
    page.get_by_role("link", name="Hand this to a colleague").click()
    page.get_by_label("Colleague's name").fill("Sam Security")
    page.get_by_label("Colleague's e-mail").fill("sam@vendor.example.com")
    page.get_by_label("Evidence").check()
    assert_accessible(page, context="hand-off page")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator(".alert-success")).to_contain_text("Sam Security will receive a personal link")
    handed = Invite.objects.get(delegated_from=invite)
    assert handed.sections == ["evidence"]

    page.get_by_role("link", name="Hand this to a colleague").click()
    expect(page.locator("#delegations")).to_contain_text("sections: Evidence")
    page.get_by_role("button", name="Take back Sam Security's link").click()
    expect(page.locator(".alert-success")).to_contain_text("Sam Security's link no longer works.")
    expect(page.locator("#delegations")).to_contain_text("taken back")
    handed.refresh_from_db()
    assert handed.revoked_at is not None
