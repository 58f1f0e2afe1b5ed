"""The review workspace in the browser: filter, open a thread on demand, clarify ticked questions."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from procurement.models import ClarificationRequest, Evaluation, ReviewComment
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import (
    AnswerFactory,
    EvaluationFactory,
    FindingFactory,
    QuestionFactory,
    ReviewCommentFactory,
    ScoreRunFactory,
    SectionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_filters_comments_in_place_and_asks_for_clarification(page, org, reviewer):
    evaluation = EvaluationFactory(
        organization=org, status=Evaluation.Status.SUBMITTED, product__name="EarlyWarn"
    )
    questions = {}
    for s, title in enumerate(["Privacy", "Bias testing"]):
        section = SectionFactory(template=evaluation.template, key=f"part-{s}", title=title, order=s)
        for q in range(3):
            question = QuestionFactory(
                section=section,
                key=f"part{s}.q{q}",
                prompt=f"{title} question {q}?",
                type="short_text",
                order=q,
            )
            AnswerFactory(evaluation=evaluation, question=question, value=f"{title} answer {q}")
            questions[question.key] = question
    run = ScoreRunFactory(evaluation=evaluation)
    FindingFactory(score_run=run, title="Subgroups not reported", question_keys=["part1.q2"])
    ReviewCommentFactory(evaluation=evaluation, question=questions["part1.q2"], body="Which cohort was this?")

    sign_in(page, reviewer.username)
    page.goto(evaluation.get_absolute_url())
    page.get_by_role("link", name="Open the review workspace").click()
    expect(page.get_by_role("heading", level=2, name="Privacy")).to_be_visible()
    assert_accessible(page, context="review workspace")

    page.get_by_role("navigation", name="Filters").get_by_role("link", name="Findings only 1").click()
    expect(page.get_by_role("heading", level=2, name="Bias testing")).to_be_visible()
    expect(page.get_by_text("Bias testing question 2?")).to_be_visible()
    expect(page.get_by_text("Bias testing question 0?")).to_have_count(0)
    expect(page.get_by_text("Subgroups not reported")).to_be_visible()

    expect(page.get_by_text("Which cohort was this?")).to_have_count(0)
    page.get_by_role("link", name="Comments (1)").click()
    expect(page.get_by_text("Which cohort was this?")).to_be_visible()
    page.get_by_label("Comment on part1.q2").fill("Ask for the table by age band.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Ask for the table by age band.")).to_be_visible()
    assert ReviewComment.objects.filter(body="Ask for the table by age band.").exists()
    assert_accessible(page, context="review workspace with a thread open")

    page.get_by_label("Ask the vendor to clarify").check()
    page.get_by_label("Message to the vendor").fill("Please add the subgroup table.")
    page.get_by_role("button", name="Request clarification").click()
    expect(page.get_by_text("Clarification requested on 1 question")).to_be_visible()
    assert list(ClarificationRequest.objects.values_list("question__key", flat=True)) == ["part1.q2"]


def test_a_questions_address_and_an_old_answers_link_open_the_workspace_at_the_question(page, org, reviewer):
    evaluation = EvaluationFactory(
        organization=org, status=Evaluation.Status.SUBMITTED, product__name="EarlyWarn"
    )
    SectionFactory(template=evaluation.template, key="first", title="Privacy", order=0)
    later = SectionFactory(template=evaluation.template, key="later", title="Bias testing", order=1)
    for q in range(12):
        question = QuestionFactory(
            section=later, key=f"later.q{q}", prompt=f"Bias question {q}?", type="short_text", order=q
        )
        AnswerFactory(evaluation=evaluation, question=question, value=f"Bias answer {q}")
    workspace = reverse("review_workspace", args=[evaluation.public_id])

    sign_in(page, reviewer.username)
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(evaluation.get_question_url(question.pk))
    page.wait_for_url(f"**{workspace}?section=later#q-{question.pk}")
    expect(page.get_by_role("heading", level=2, name="Bias testing")).to_be_visible()
    expect(page.locator(f"#q-{question.pk}")).to_be_in_viewport()

    # A link made when the answers were listed on the evaluation page lands there too.
    page.goto(f"{evaluation.get_absolute_url()}#q-{question.pk}")
    page.wait_for_url(f"**{workspace}?section=later#q-{question.pk}")
    expect(page.locator(f"#q-{question.pk}")).to_be_in_viewport()
