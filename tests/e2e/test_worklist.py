"""Find anything and my work in the browser: the search box, My tasks, notifications and settings."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from procurement.models import Evaluation, Notification
from procurement.services.notifications import notifications_create
from questionnaires.models import Question
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import (
    AnswerFactory,
    DecisionConditionFactory,
    EvaluationFactory,
    ProductFactory,
    QuestionFactory,
    SectionFactory,
    VendorFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evaluation(org, officer):
    product = ProductFactory(
        vendor=VendorFactory(organization=org, legal_name="Acme Imaging"), name="ChestScan"
    )
    evaluation = EvaluationFactory(
        organization=org, owner=officer, product=product, status=Evaluation.Status.SUBMITTED
    )
    section = SectionFactory(template=evaluation.template, title="Monitoring")
    for n in range(12):
        QuestionFactory(section=section, type=Question.Type.LONG_TEXT, prompt=f"Filler question {n}?")
    question = QuestionFactory(
        section=section, type=Question.Type.LONG_TEXT, prompt="How is drift monitored?"
    )
    for other in section.questions.exclude(pk=question.pk):
        AnswerFactory(evaluation=evaluation, question=other, value="Nothing to see.")
    AnswerFactory(
        evaluation=evaluation, question=question, value="<b>Monthly</b> calibration reviews by the vendor."
    )
    evaluation.question = question
    return evaluation


def test_search_my_tasks_notifications_and_settings_in_the_browser(page, org, officer, evaluation):
    DecisionConditionFactory(evaluation=evaluation, owner=officer, description="Bias audit within 90 days")
    [notification] = notifications_create(
        recipients=[officer],
        organization=org,
        evaluation=evaluation,
        kind=Notification.Kind.EVALUATION_SUBMITTED,
        message="Acme Imaging submitted the questionnaire for ChestScan 2.1.",
        link=evaluation.get_absolute_url(),
        email=False,
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, officer.username)

    # The dashboard: the bell's unread count and the My tasks panel.
    expect(page.locator("#nav-unread-count")).to_have_text("1")
    panel = page.locator("section", has=page.locator("#my-tasks-panel-heading"))
    expect(panel.get_by_role("link", name="Record the decision")).to_be_visible()
    expect(panel.get_by_role("link", name="Bias audit within 90 days")).to_be_visible()
    # At 1280 px the search box and the bell sit in the bar, not in a collapsed menu.
    expect(page.get_by_role("searchbox", name="Search the organization")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    assert_accessible(page, context="dashboard")

    # Search from the navigation bar; the match is highlighted, the hostile markup shown as text.
    page.get_by_role("searchbox", name="Search the organization").fill("calibration")
    page.keyboard.press("Enter")
    expect(page.locator("#search-summary")).to_have_text("1 result for “calibration”.")
    expect(page.locator(".search-snippet mark")).to_have_text("calibration")
    assert page.locator(".search-snippet b").count() == 0
    assert_accessible(page, context="search results")
    page.get_by_role("link", name="How is drift monitored?").click()
    # The answer is in the review workspace, on its section, scrolled to the question.
    workspace = reverse("review_workspace", args=[evaluation.public_id])
    page.wait_for_url(f"**{workspace}?section={evaluation.question.section.key}#q-{evaluation.question.pk}")
    expect(page.locator(f"#q-{evaluation.question.pk}")).to_be_in_viewport()

    # My tasks, from the user menu.
    page.locator("#nav-user-menu").click()
    page.get_by_role("link", name="My tasks").click()
    expect(page.locator("#my-tasks-summary")).to_contain_text("2 open tasks")
    expect(page.locator("#tasks-condition-heading")).to_contain_text("Conditions of approval I own")
    assert_accessible(page, context="my tasks")

    # Notifications: marking one read updates the row and the bell without a reload.
    page.get_by_role("link", name="Notifications, 1 unread").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    assert_accessible(page, context="notifications")
    row = page.locator(f"#notification-{notification.public_id}")
    row.get_by_role("button", name="Mark read").click()
    expect(page.locator("#nav-unread-count")).to_have_count(0)
    expect(row.get_by_role("button")).to_have_count(0)
    expect(row).to_contain_text("Acme Imaging submitted the questionnaire for ChestScan 2.1.")
    notification.refresh_from_db()
    assert notification.read_at is not None

    # Settings: the daily digest instead of one e-mail per event.
    page.locator("#nav-user-menu").click()
    page.get_by_role("link", name="Notification settings").click()
    assert_accessible(page, context="notification settings")
    page.get_by_label("Once a day, in a digest").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    officer.refresh_from_db()
    assert officer.email_notifications == User.EmailNotifications.DAILY_DIGEST
