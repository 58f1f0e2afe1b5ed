"""In-app notifications beside the e-mails, each person's e-mail choice, the digest, and the pages."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from procurement.models import ClarificationRequest, Evaluation, Notification
from procurement.services.notifications import notification_digest_send, notifications_create
from procurement.services.reviews import (
    clarification_request,
    decision_record,
    reviewer_assign,
    section_sign_off,
)
from procurement.services.submission import evaluation_submit
from tests.factories import (
    AnswerFactory,
    ContactFactory,
    EvaluationFactory,
    QuestionFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
S = Evaluation.Status
E = User.EmailNotifications


@pytest.fixture
def evaluation(org, officer):
    return EvaluationFactory(organization=org, owner=officer, status=S.SUBMITTED, product__name="ChestScan")


@pytest.fixture
def section(evaluation):
    return SectionFactory(template=evaluation.template, title="Privacy")


def _prefer(user, choice):
    user.email_notifications = choice
    user.save(update_fields=["email_notifications"])


def test_an_assigned_reviewer_is_notified_in_app_and_by_email(
    evaluation, section, officer, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://dd.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_assign(evaluation=evaluation, reviewer=reviewer, section=section, user=officer)

    [notification] = Notification.objects.filter(recipient=reviewer)
    assert notification.kind == Notification.Kind.SECTION_ASSIGNED
    assert notification.organization == evaluation.organization
    assert notification.message == f"{officer.get_full_name()} asked you to review Privacy of ChestScan 2.1."
    assert notification.link == f"{evaluation.get_absolute_url()}#reviewers-heading"
    assert notification.emailed_at is not None
    [message] = mail.outbox
    assert message.to == [reviewer.email]
    assert message.subject == f"Assigned to review: {notification.message}"
    assert f"Open it: https://dd.example.org{evaluation.get_absolute_url()}#reviewers-heading" in message.body


@pytest.mark.parametrize("choice", [E.DAILY_DIGEST, E.OFF])
def test_no_immediate_email_for_digest_readers_or_people_who_turned_email_off(
    evaluation, section, officer, reviewer, choice, django_capture_on_commit_callbacks
):
    _prefer(reviewer, choice)
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_assign(evaluation=evaluation, reviewer=reviewer, section=section, user=officer)

    notification = Notification.objects.get(recipient=reviewer)
    assert notification.emailed_at is None
    assert mail.outbox == []


def test_assigning_oneself_notifies_nobody(evaluation, section, officer):
    reviewer_assign(evaluation=evaluation, reviewer=officer, section=section, user=officer)

    assert not Notification.objects.exists()


def test_the_last_sign_off_asks_the_owner_for_the_decision(
    evaluation, section, officer, reviewer, compliance_lead
):
    first = reviewer_assign(evaluation=evaluation, reviewer=reviewer, section=section, user=officer)
    second = reviewer_assign(evaluation=evaluation, reviewer=compliance_lead, section=None, user=officer)

    section_sign_off(assignment=first, user=reviewer)
    assert not Notification.objects.filter(kind=Notification.Kind.DECISION_REQUESTED).exists()
    section_sign_off(assignment=second, user=compliance_lead)

    [notification] = Notification.objects.filter(kind=Notification.Kind.DECISION_REQUESTED)
    assert notification.recipient == officer
    assert notification.message == "Every part of ChestScan 2.1 is signed off: the decision is yours."


def test_condition_owners_are_notified_of_their_condition(evaluation, officer, compliance_lead):
    decision_record(
        evaluation=evaluation,
        decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS,
        rationale="Fine with a bias audit.",
        user=officer,
        conditions=[
            {"description": "Bias audit within 90 days", "owner": compliance_lead},
            {"description": "Officer's own follow-up", "owner": officer},
        ],
    )

    [notification] = Notification.objects.all()
    assert notification.recipient == compliance_lead
    assert notification.kind == Notification.Kind.CONDITION_ASSIGNED
    assert (
        notification.message == "A condition of approval of ChestScan 2.1 is yours: Bias audit within 90 days"
    )


def test_a_submission_notifies_owner_reviewers_and_whoever_asked_for_clarification(
    org, officer, reviewer, compliance_lead, django_capture_on_commit_callbacks
):
    evaluation = EvaluationFactory(organization=org, owner=officer, status=S.SUBMITTED)
    question = QuestionFactory(section=SectionFactory(template=evaluation.template), type="long_text")
    AnswerFactory(evaluation=evaluation, question=question, value="Initial answer.")
    reviewer_assign(evaluation=evaluation, reviewer=reviewer, section=None, user=officer)
    _prefer(compliance_lead, E.DAILY_DIGEST)
    clarification_request(
        evaluation=evaluation, question_ids=[question.pk], message="Which cohort?", user=compliance_lead
    )
    Notification.objects.all().delete()
    mail.outbox.clear()

    contact = ContactFactory(vendor=evaluation.product.vendor)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_submit(evaluation=evaluation, contact=contact)

    rows = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert rows == sorted(
        [
            (officer.username, Notification.Kind.EVALUATION_SUBMITTED),
            (reviewer.username, Notification.Kind.EVALUATION_SUBMITTED),
            (compliance_lead.username, Notification.Kind.CLARIFICATION_ANSWERED),
        ]
    )
    # The submission e-mail goes to the two who want e-mails at once; the digest reader waits.
    assert [sorted(m.to) for m in mail.outbox] == [sorted([officer.email, reviewer.email])]
    assert not Notification.objects.filter(recipient=compliance_lead, emailed_at__isnull=False).exists()
    assert ClarificationRequest.objects.get().resolved_at is not None
    # Whoever asked lands on the question asked about, in the review workspace.
    answered = Notification.objects.get(kind=Notification.Kind.CLARIFICATION_ANSWERED)
    assert answered.link == f"/evaluations/{evaluation.public_id}/questions/{question.pk}/"


# ---- The daily digest ------------------------------------------------------------------------


def _notify(user, org, message, **kwargs):
    return notifications_create(
        recipients=[user],
        organization=org,
        evaluation=None,
        kind=Notification.Kind.SECTION_ASSIGNED,
        message=message,
        link="/my-tasks/",
        email=False,
        **kwargs,
    )[0]


def test_the_digest_sends_one_email_per_reader_and_nothing_twice(org, officer, reviewer, compliance_lead):
    _prefer(reviewer, E.DAILY_DIGEST)
    _prefer(compliance_lead, E.OFF)
    first = _notify(reviewer, org, "Review Privacy of ChestScan")
    second = _notify(reviewer, org, "Review Security of ChestScan")
    _notify(compliance_lead, org, "Never e-mailed")
    _notify(officer, org, "Sent at once, not in a digest")

    assert notification_digest_send() == 1

    [message] = mail.outbox
    assert message.to == [reviewer.email]
    assert message.subject == "Your daily summary: 2 updates"
    assert "[Riverside Health] Assigned to review: Review Privacy of ChestScan" in message.body
    assert "[Riverside Health] Assigned to review: Review Security of ChestScan" in message.body
    assert "Never e-mailed" not in message.body
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.emailed_at is not None
    assert second.emailed_at == first.emailed_at
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2

    assert notification_digest_send() == 0
    assert len(mail.outbox) == 1


def test_the_digest_leaves_out_a_backlog_older_than_two_days(org, reviewer):
    _prefer(reviewer, E.DAILY_DIGEST)
    old = _notify(reviewer, org, "Old news")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))

    assert notification_digest_send() == 0
    assert mail.outbox == []


def test_the_digest_is_on_the_beat_schedule():
    from config.celery import app

    [entry] = [
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "procurement.tasks.send_notification_digest"
    ]
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {0}


# ---- The pages -------------------------------------------------------------------------------


def test_the_nav_shows_the_unread_count(reviewer_client, reviewer, org, other_org):
    _notify(reviewer, org, "One")
    _notify(reviewer, org, "Two")
    _notify(reviewer, other_org, "Of another organization")
    read = _notify(reviewer, org, "Read already")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())

    body = reviewer_client.get(reverse("dashboard")).content.decode()

    assert 'aria-label="Notifications, 2 unread"' in body
    assert '<span class="badge rounded-pill text-bg-warning" id="nav-unread-count">2</span>' in body


def test_the_list_shows_own_notifications_newest_first(reviewer_client, reviewer, officer, org):
    _notify(reviewer, org, "Older")
    _notify(reviewer, org, "Newer")
    _notify(officer, org, "Someone else's")

    response = reviewer_client.get(reverse("notification_list"))

    assert response.status_code == 200
    assert [n.message for n in response.context["page"].object_list] == ["Newer", "Older"]


def test_marking_one_read_with_htmx_swaps_the_row_and_the_bell(reviewer_client, reviewer, org):
    notification = _notify(reviewer, org, "Review Privacy")
    _notify(reviewer, org, "Still unread")

    response = reviewer_client.post(
        reverse("notification_read", args=[notification.public_id]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is not None
    body = response.content.decode()
    assert f'id="notification-{notification.public_id}"' in body
    assert "Mark read" not in body
    assert 'hx-swap-oob="true" aria-label="Notifications, 1 unread"' in body


def test_marking_all_read(reviewer_client, reviewer, officer, org):
    _notify(reviewer, org, "One")
    _notify(reviewer, org, "Two")
    others = _notify(officer, org, "Not mine")

    response = reviewer_client.post(reverse("notifications_read_all"))

    assert response.status_code == 302
    assert response["Location"] == reverse("notification_list")
    assert not Notification.objects.filter(recipient=reviewer, read_at__isnull=True).exists()
    others.refresh_from_db()
    assert others.read_at is None


def test_someone_elses_notification_is_not_found(reviewer_client, officer, outsider, org, other_org):
    mine_not = _notify(officer, org, "The officer's")
    elsewhere = _notify(outsider, other_org, "Another organization's")

    for notification in (mine_not, elsewhere):
        response = reviewer_client.post(reverse("notification_read", args=[notification.public_id]))
        assert response.status_code == 404
        notification.refresh_from_db()
        assert notification.read_at is None


def test_marking_read_needs_post_and_sign_in(client, reviewer_client, reviewer, org):
    notification = _notify(reviewer, org, "One")
    url = reverse("notification_read", args=[notification.public_id])

    assert reviewer_client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    notification.refresh_from_db()
    assert notification.read_at is None
