"""The browser tests fail on any Content-Security-Policy violation a page logs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation
from questionnaires.models import Question
from tests.factories import EvaluationFactory, InviteFactory, QuestionFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_style_blocked_by_the_policy_is_caught(new_context, csp_violations, org):
    invite = InviteFactory(evaluation=EvaluationFactory(organization=org, status=Evaluation.Status.SENT))
    page = new_context().new_page()
    page.goto(f"/v/{invite.token}/")
    page.evaluate("() => document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert any("inline style" in text for text in csp_violations), csp_violations
    csp_violations.clear()  # this test provoked it on purpose


def test_answering_on_the_portal_logs_no_violation(page, csp_violations, org):
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.SENT)
    section = SectionFactory(template=evaluation.template, key="use", order=1)
    text = QuestionFactory(section=section, key="use.name", type=Question.Type.SHORT_TEXT, order=1)
    choice = QuestionFactory(section=section, key="use.phi", type=Question.Type.YES_NO, order=2)
    invite = InviteFactory(evaluation=evaluation)
    page.goto(f"/v/{invite.token}/")
    page.locator(f"#q-{text.pk}-input").fill("SepsisWatch")
    page.locator(f"#q-{choice.pk}-yes").check()
    expect(page.locator(f"#q-{choice.pk} .save-state-saved")).to_have_text("Saved")
    expect(page.locator(f"#q-{text.pk} .save-state-saved")).to_have_text("Saved")
    assert csp_violations == []
