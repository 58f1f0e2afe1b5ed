"""A failed autosave says so, keeps what the vendor typed, retries, and can be sent again by hand."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Answer, Evaluation
from questionnaires.models import Question
from tests.factories import EvaluationFactory, InviteFactory, QuestionFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failing_autosave_is_retried_then_shown_as_not_saved_with_the_text_kept(page, org):
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.SENT)
    section = SectionFactory(template=evaluation.template, key="use", order=1)
    question = QuestionFactory(section=section, key="use.name", type=Question.Type.SHORT_TEXT, order=1)
    invite = InviteFactory(evaluation=evaluation)
    saves: list[str] = []

    def fail(route):
        saves.append(route.request.method)
        route.fulfill(status=500, body="Server Error (500)")

    page.goto(f"/v/{invite.token}/")
    page.route(f"**/v/{invite.token}/q/{question.key}/", fail)
    field = page.locator(f"#q-{question.pk}-input")
    field.fill("SepsisWatch 2")
    field.press("Tab")

    state = page.locator(f"#q-{question.pk} .save-slot")
    expect(state).to_contain_text("Not saved \u2013 your text is kept; retrying")
    # The first save and three retries, then the vendor decides.
    expect(state).to_have_text("Not saved \u2013 your text is kept.Save again", timeout=20_000)
    assert saves == ["POST"] * 4
    expect(field).to_have_value("SepsisWatch 2")
    expect(page.locator(f"#q-{question.pk} .save-state-saved")).to_have_count(0)
    assert not Answer.objects.filter(evaluation=evaluation, question=question).exists()

    page.unroute(f"**/v/{invite.token}/q/{question.key}/")
    page.get_by_role("button", name="Save again").click()
    expect(page.locator(f"#q-{question.pk} .save-state-saved")).to_have_text("Saved")
    answer = Answer.objects.get(evaluation=evaluation, question=question)
    assert (answer.value, answer.version) == ("SepsisWatch 2", 1)
