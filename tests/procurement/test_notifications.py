"""Due-date reminders and the 'vendor submitted' e-mail."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from procurement import tasks
from procurement.models import Evaluation, ReminderLog
from procurement.services.notifications import reminder_kind, send_due_reminders
from tests.factories import EvaluationFactory, InviteFactory, ReviewerAssignmentFactory, SectionFactory

pytestmark = pytest.mark.django_db
S = Evaluation.Status
TODAY = datetime.date(2030, 3, 10)


@pytest.fixture
def due_soon(org, officer):
    evaluation = EvaluationFactory(
        organization=org, owner=officer, status=S.IN_PROGRESS, due_date=TODAY + datetime.timedelta(days=7)
    )
    InviteFactory(evaluation=evaluation, contact__email="vendor@acme.example")
    return evaluation


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(10, None), (7, "due_7"), (5, "due_7"), (1, "due_1"), (0, "due_1"), (-1, "overdue")],
)
def test_reminder_kind(days_left, expected):
    assert reminder_kind(TODAY + datetime.timedelta(days=days_left), TODAY, (7, 1)) == expected


def test_owner_and_invitees_are_reminded_once(due_soon, officer, settings):
    settings.SITE_URL = "https://dd.example.org"
    assert send_due_reminders(today=TODAY) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer.email, "vendor@acme.example"])
    owner_mail = next(m for m in mail.outbox if m.to == [officer.email])
    assert f"https://dd.example.org{due_soon.get_absolute_url()}" in owner_mail.body
    # The same day, or the next day within the same window: nothing new.
    assert send_due_reminders(today=TODAY) == 0
    assert send_due_reminders(today=TODAY + datetime.timedelta(days=1)) == 0
    assert len(mail.outbox) == 2


def test_the_one_day_and_overdue_reminders_follow(due_soon):
    send_due_reminders(today=TODAY)
    send_due_reminders(today=TODAY + datetime.timedelta(days=6))
    send_due_reminders(today=TODAY + datetime.timedelta(days=8))
    send_due_reminders(today=TODAY + datetime.timedelta(days=9))
    kinds = sorted(ReminderLog.objects.values_list("kind", flat=True))
    assert kinds == ["due_1", "due_1", "due_7", "due_7", "overdue", "overdue"]
    assert len(mail.outbox) == 6


def test_revoked_or_expired_invitees_and_finished_evaluations_are_not_reminded(org, officer):
    evaluation = EvaluationFactory(organization=org, owner=officer, status=S.SENT, due_date=TODAY)
    InviteFactory(evaluation=evaluation, revoked_at=timezone.now())
    InviteFactory(evaluation=evaluation, expires_at=timezone.now() - datetime.timedelta(days=1))
    EvaluationFactory(organization=org, status=S.DECIDED, due_date=TODAY)
    EvaluationFactory(organization=org, status=S.DRAFT, due_date=TODAY)
    assert send_due_reminders(today=TODAY) == 1
    assert mail.outbox[0].to == [officer.email]


def test_after_submission_only_the_owner_is_reminded(org, officer):
    evaluation = EvaluationFactory(organization=org, owner=officer, status=S.SUBMITTED, due_date=TODAY)
    InviteFactory(evaluation=evaluation)
    assert send_due_reminders(today=TODAY) == 1


def test_reminders_have_text_and_html_parts(due_soon):
    send_due_reminders(today=TODAY)
    for message in mail.outbox:
        assert message.body.strip()
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert "<p>" in html
        assert str(due_soon.product) in message.body


def test_the_reminder_task_sends_each_reminder_once(due_soon):
    due_soon.due_date = timezone.localdate() + datetime.timedelta(days=1)
    due_soon.save()
    assert tasks.send_due_reminders.delay().get() == 2
    assert sorted(ReminderLog.objects.values_list("kind", "recipient")) == [
        ("due_1", due_soon.owner.email),
        ("due_1", "vendor@acme.example"),
    ]
    assert tasks.send_due_reminders() == 0
    assert ReminderLog.objects.count() == 2


def test_owner_and_reviewers_hear_of_a_submission(org, officer, reviewer, settings):
    settings.SITE_URL = "https://dd.example.org"
    evaluation = EvaluationFactory(organization=org, owner=officer, status=S.SUBMITTED)
    ReviewerAssignmentFactory(evaluation=evaluation, reviewer=reviewer)
    ReviewerAssignmentFactory(
        evaluation=evaluation, reviewer=reviewer, section=SectionFactory(template=evaluation.template)
    )
    assert tasks.notify_evaluation_submitted(evaluation.pk) == 2
    [message] = mail.outbox
    assert sorted(message.to) == sorted([officer.email, reviewer.email])
    assert f"https://dd.example.org{evaluation.get_absolute_url()}" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert evaluation.get_absolute_url() in html


def test_submission_task_for_a_deleted_evaluation_does_nothing():
    assert tasks.notify_evaluation_submitted(987654) == 0
    assert mail.outbox == []
