"""My tasks: one member's open work, overdue first, on its page and on the dashboard."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from procurement.models import Evaluation
from procurement.worklist import my_tasks
from tests.factories import (
    ClarificationRequestFactory,
    DecisionConditionFactory,
    EvaluationFactory,
    QuestionFactory,
    ReviewerAssignmentFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
S = Evaluation.Status
TODAY = datetime.date(2030, 3, 10)


def _days(n):
    return TODAY + datetime.timedelta(days=n)


def _evaluation(org, owner, status=S.SUBMITTED, due=None, name="ChestScan"):
    return EvaluationFactory(organization=org, owner=owner, status=status, due_date=due, product__name=name)


def _worklist(user, org, role):
    return my_tasks(user=user, organization=org, role=role, today=TODAY)


def test_a_reviewers_tasks_are_their_parts_and_answered_clarifications(org, officer, reviewer):
    evaluation = _evaluation(org, officer, due=_days(5))
    evaluation.submitted_at = timezone.now()
    evaluation.save()
    section = SectionFactory(template=evaluation.template, title="Privacy")
    ReviewerAssignmentFactory(evaluation=evaluation, reviewer=reviewer, section=section)
    ReviewerAssignmentFactory(
        evaluation=evaluation, reviewer=reviewer, section=None, signed_off_at=timezone.now()
    )
    question = QuestionFactory(template=evaluation.template, prompt="Which subgroups were tested?")
    ClarificationRequestFactory(
        evaluation=evaluation,
        question=question,
        requested_by=reviewer,
        message="Give the sizes.",
        resolved_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    # Still open (the vendor has not answered) or asked by someone else: not the reviewer's task.
    ClarificationRequestFactory(evaluation=evaluation, question=question, requested_by=reviewer)
    ClarificationRequestFactory(
        evaluation=evaluation, question=question, requested_by=officer, resolved_at=timezone.now()
    )

    worklist = _worklist(reviewer, org, Role.REVIEWER)

    assert [(t.kind, t.title, t.url) for t in worklist.tasks] == [
        ("review", "Sign off: Privacy", f"{evaluation.get_absolute_url()}#reviewers-heading"),
        (
            "clarification",
            "Answered: Which subgroups were tested?",
            f"/evaluations/{evaluation.public_id}/questions/{question.pk}/",
        ),
    ]
    assert worklist.tasks[1].detail == "You asked: Give the sizes."


def test_overdue_tasks_come_first_then_the_nearest_due_date(org, officer):
    later = _evaluation(org, officer, due=_days(9), name="Later")
    undated = _evaluation(org, officer, status=S.UNDER_REVIEW, name="Undated")
    overdue = _evaluation(org, officer, due=_days(-2), name="Overdue")
    sooner = _evaluation(org, officer, due=_days(1), name="Sooner")
    DecisionConditionFactory(evaluation=later, owner=officer, due_date=_days(-10), description="Bias audit")

    worklist = _worklist(officer, org, Role.OFFICER)

    assert [(t.kind, t.evaluation.product.name, t.is_overdue) for t in worklist.tasks] == [
        ("condition", "Later", True),
        ("decision", "Overdue", True),
        ("decision", "Sooner", False),
        ("decision", "Later", False),
        ("decision", "Undated", False),
    ]
    assert worklist.overdue_count == 2
    assert {t.evaluation for t in worklist.tasks} == {later, undated, overdue, sooner}


def test_the_first_few_are_the_most_urgent_of_every_kind_and_the_counts_cover_them_all(org, officer):
    later = _evaluation(org, officer, due=_days(9), name="Later")
    _evaluation(org, officer, status=S.UNDER_REVIEW, name="Undated")
    _evaluation(org, officer, due=_days(-2), name="Overdue")
    _evaluation(org, officer, due=_days(1), name="Sooner")
    DecisionConditionFactory(evaluation=later, owner=officer, due_date=_days(-10), description="Bias audit")
    DecisionConditionFactory(evaluation=later, owner=officer, due_date=_days(4), description="Drift plan")
    DecisionConditionFactory(evaluation=later, owner=officer, description="Undated condition")

    every = _worklist(officer, org, Role.OFFICER)
    first = my_tasks(user=officer, organization=org, role=Role.OFFICER, today=TODAY, first=3)

    assert [(t.kind, t.title, t.due_date) for t in first.tasks] == [
        ("condition", "Bias audit", _days(-10)),
        ("decision", "Record the decision", _days(-2)),
        ("decision", "Record the decision", _days(1)),
    ]
    assert [(t.kind, t.title, t.due_date) for t in every.tasks][:3] == [
        (t.kind, t.title, t.due_date) for t in first.tasks
    ]
    assert (first.total, first.overdue_count) == (every.total, every.overdue_count) == (7, 2)


def test_decisions_are_only_for_owners_whose_role_decides(org, officer, compliance_lead):
    _evaluation(org, compliance_lead)
    _evaluation(org, officer, status=S.IN_PROGRESS)
    _evaluation(org, officer, status=S.DECIDED)

    assert _worklist(compliance_lead, org, Role.COMPLIANCE).tasks == []
    assert _worklist(officer, org, Role.OFFICER).tasks == []


def test_done_conditions_closed_evaluations_and_other_organizations_are_left_out(
    org, other_org, officer, outsider
):
    evaluation = _evaluation(org, officer, status=S.DECIDED)
    DecisionConditionFactory(evaluation=evaluation, owner=officer, completed_at=timezone.now())
    archived = _evaluation(org, officer, status=S.ARCHIVED)
    ReviewerAssignmentFactory(evaluation=archived, reviewer=officer)
    elsewhere = _evaluation(other_org, outsider)
    ReviewerAssignmentFactory(evaluation=elsewhere, reviewer=officer)
    DecisionConditionFactory(evaluation=elsewhere, owner=officer)

    assert _worklist(officer, org, Role.OFFICER).tasks == []


def test_a_part_assigned_before_submission_is_to_review_not_yet_to_sign_off(org, officer, reviewer):
    evaluation = _evaluation(org, officer, status=S.IN_PROGRESS)
    ReviewerAssignmentFactory(evaluation=evaluation, reviewer=reviewer)

    [task] = _worklist(reviewer, org, Role.REVIEWER).tasks

    assert task.title == "Review: The whole questionnaire"
    assert task.detail == "Waiting for the vendor (in progress)"


# ---- The page and the dashboard panel --------------------------------------------------------


def test_the_page_lists_the_tasks_in_their_sections(officer_client, org, officer):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    evaluation = _evaluation(org, officer, due=yesterday)
    DecisionConditionFactory(
        evaluation=evaluation, owner=officer, description="Bias audit within 90 days", due_date=yesterday
    )

    response = officer_client.get(reverse("my_tasks"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "2 open tasks, 2 overdue." in body
    assert (
        'id="tasks-decision-heading">Decisions I own <span class="badge text-bg-secondary">1</span>' in body
    )
    assert "Bias audit within 90 days" in body
    assert f'href="{evaluation.get_absolute_url()}#decision-heading"' in body


def test_the_dashboard_panel_shows_the_first_five(officer_client, org, officer):
    for n in range(7):
        _evaluation(org, officer, due=timezone.localdate() + datetime.timedelta(days=n), name=f"Product {n}")

    response = officer_client.get(reverse("dashboard"))

    body = response.content.decode()
    panel = body[body.index('id="my-tasks-panel-heading"') :].split("</section>")[0]
    assert 'id="my-tasks-panel-heading">My tasks <span class="badge text-bg-secondary">7</span>' in panel
    assert panel.count("Record the decision") == 5
    assert response.context["worklist"].total == 7
    assert len(response.context["worklist"].tasks) == 5
    assert "Product 4 2.1" in panel
    assert "Product 5 2.1" not in panel


def test_the_page_needs_sign_in(client, db):
    response = client.get(reverse("my_tasks"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_query_count_does_not_grow_with_the_tasks(
    officer_client, org, officer, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            evaluation = _evaluation(org, officer, due=_days(3))
            ReviewerAssignmentFactory(evaluation=evaluation, reviewer=officer, section=SectionFactory())
            DecisionConditionFactory(evaluation=evaluation, owner=officer)
            ClarificationRequestFactory(
                evaluation=evaluation, requested_by=officer, resolved_at=timezone.now()
            )

    add(1)
    with django_assert_max_num_queries(15) as few:
        officer_client.get(reverse("my_tasks"))
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = officer_client.get(reverse("my_tasks"))
    assert len(response.context["worklist"].tasks) == 16 * 3
