"""The vendor portal on a phone and while typing: sections in reach, nothing typed lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Answer, Evaluation
from questionnaires.models import Question
from tests.e2e.conftest import assert_accessible
from tests.factories import EvaluationFactory, InviteFactory, QuestionFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _long_questionnaire(org, *, vendor_name: str = "Northwind Clinical Analytics Incorporated"):
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.SENT)
    evaluation.product.vendor.legal_name = vendor_name
    evaluation.product.vendor.save()
    first = SectionFactory(template=evaluation.template, key="use", title="Intended use", order=1)
    second = SectionFactory(template=evaluation.template, key="privacy", title="Privacy", order=2)
    questions = [
        QuestionFactory(section=first, key=f"use.q{i}", type=Question.Type.LONG_TEXT, order=i)
        for i in range(12)
    ]
    QuestionFactory(section=second, key="privacy.baa", type=Question.Type.YES_NO, order=1)
    return InviteFactory(evaluation=evaluation), questions


def test_typed_text_is_saved_after_a_pause_without_leaving_the_field(page, org):
    invite, questions = _long_questionnaire(org)
    page.goto(f"/v/{invite.token}/")
    field = page.locator(f"#q-{questions[0].pk}-input")
    field.click()
    field.press_sequentially("Early warning of sepsis", delay=20)
    # Still in the field: the pause in typing saves it.
    expect(page.locator(f"#q-{questions[0].pk} .save-state-saved")).to_have_text("Saved", timeout=5_000)
    assert page.evaluate("document.activeElement.id") == f"q-{questions[0].pk}-input"
    field.press_sequentially(" in adults", delay=20)
    # Typing again takes "Saved" away until the new text is stored.
    expect(page.locator(f"#q-{questions[0].pk} .save-state-saved")).to_have_count(0)
    expect(page.locator(f"#q-{questions[0].pk} .save-state-saved")).to_have_text("Saved", timeout=5_000)
    expect(field).to_have_value("Early warning of sepsis in adults")
    answer = Answer.objects.get(question=questions[0])
    assert (answer.value, answer.version) == ("Early warning of sepsis in adults", 2)


def test_leaving_with_text_not_yet_sent_asks_first(page, org):
    invite, questions = _long_questionnaire(org)
    page.goto(f"/v/{invite.token}/")
    page.locator(f"#q-{questions[1].pk}-input").press_sequentially("Half a sen", delay=10)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]


def test_on_a_phone_the_header_fits_and_the_sections_stay_in_reach(new_context, org):
    invite, questions = _long_questionnaire(org)
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"/v/{invite.token}/")
    # Nothing is wider than the screen, and the vendor's name in the header is fully shown.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    name = page.locator(".portal-navbar .navbar-text")
    expect(name).to_contain_text("Northwind Clinical Analytics Incorporated")
    box = name.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert_accessible(page, context="portal on a phone")
    # Far down the section, the section list is still on screen.
    page.locator(f"#q-{questions[-1].pk}-input").scroll_into_view_if_needed()
    nav_box = page.locator("#section-nav").bounding_box()
    assert 0 <= nav_box["y"] < PHONE["height"]
    page.get_by_role("link", name="Next section").click()
    expect(page.get_by_role("heading", name="Privacy")).to_be_visible()
    expect(page.get_by_role("link", name="Previous section")).to_be_visible()
    expect(page.get_by_role("link", name="Review and submit →")).to_be_visible()
    assert_accessible(page, context="portal on a phone, last section")
