"""An invite link works at least until the due date plus the grace days, and says so."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation, Invite
from procurement.services.evaluations import evaluation_due_date_change
from procurement.services.invites import invite_resend, invite_send
from tests.factories import ContactFactory, EvaluationFactory, InviteFactory

pytestmark = pytest.mark.django_db
S = Evaluation.Status
UTC = datetime.UTC


@pytest.fixture
def frozen_now(monkeypatch):
    now = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


@pytest.fixture
def settings_expiry(settings):
    settings.INVITE_EXPIRY_DAYS = 30
    settings.INVITE_GRACE_DAYS = 7
    settings.TIME_ZONE = "UTC"
    return settings


def _evaluation(org, officer, due_date, status=S.DRAFT):
    return EvaluationFactory(organization=org, owner=officer, status=status, due_date=due_date)


def _contact(evaluation):
    return ContactFactory(vendor=evaluation.product.vendor, organization=evaluation.organization)


def test_a_link_lasts_to_the_due_date_plus_grace_when_that_is_later(
    org, officer, frozen_now, settings_expiry, django_capture_on_commit_callbacks
):
    evaluation = _evaluation(org, officer, datetime.date(2027, 1, 31))
    with django_capture_on_commit_callbacks(execute=True):
        (invite,) = invite_send(evaluation=evaluation, contacts=[_contact(evaluation)], invited_by=officer)
    # now + 30 days is 31 Dec; the due date 31 Jan plus 7 days wins, to the end of that day.
    assert invite.expires_at == datetime.datetime(2027, 2, 7, 23, 59, 59, tzinfo=UTC)
    (message,) = mail.outbox
    assert "Please complete it by 31 January 2027." in message.body
    assert "it works until 7 February 2027" in message.body
    assert "31 December 2026" not in message.body
    html = message.alternatives[0][0]
    assert "Please complete it by <strong>31 January 2027</strong>." in html
    assert "Your personal link works until 7 February 2027." in html


def test_a_link_lasts_the_expiry_days_when_the_due_date_is_near_or_missing(
    org, officer, frozen_now, settings_expiry
):
    soon = _evaluation(org, officer, datetime.date(2026, 12, 10))
    (invite,) = invite_send(evaluation=soon, contacts=[_contact(soon)], invited_by=officer)
    assert invite.expires_at == frozen_now + timedelta(days=30)
    undated = _evaluation(org, officer, None)
    (invite,) = invite_send(evaluation=undated, contacts=[_contact(undated)], invited_by=officer)
    assert invite.expires_at == frozen_now + timedelta(days=30)


def test_the_grace_period_is_a_setting(org, officer, frozen_now, settings_expiry):
    settings_expiry.INVITE_GRACE_DAYS = 14
    evaluation = _evaluation(org, officer, datetime.date(2027, 1, 31))
    (invite,) = invite_send(evaluation=evaluation, contacts=[_contact(evaluation)], invited_by=officer)
    assert invite.expires_at == datetime.datetime(2027, 2, 14, 23, 59, 59, tzinfo=UTC)


def test_a_resent_link_also_lasts_to_the_due_date_plus_grace(org, officer, frozen_now, settings_expiry):
    evaluation = _evaluation(org, officer, datetime.date(2027, 3, 1), status=S.SENT)
    invite = InviteFactory(evaluation=evaluation, expires_at=frozen_now + timedelta(days=2))
    invite = invite_resend(invite=invite, user=officer)
    assert invite.expires_at == datetime.datetime(2027, 3, 8, 23, 59, 59, tzinfo=UTC)


def test_moving_the_due_date_later_extends_open_links_but_not_revoked_ones(
    org, officer, frozen_now, settings_expiry
):
    evaluation = _evaluation(org, officer, datetime.date(2026, 12, 20), status=S.SENT)
    original = frozen_now + timedelta(days=30)
    open_link = InviteFactory(evaluation=evaluation, expires_at=original)
    revoked = InviteFactory(evaluation=evaluation, expires_at=original, revoked_at=frozen_now)
    evaluation_due_date_change(evaluation=evaluation, due_date=datetime.date(2027, 1, 31), user=officer)
    evaluation.refresh_from_db()
    assert evaluation.due_date == datetime.date(2027, 1, 31)
    open_link.refresh_from_db()
    revoked.refresh_from_db()
    assert open_link.expires_at == datetime.datetime(2027, 2, 7, 23, 59, 59, tzinfo=UTC)
    assert revoked.expires_at == original
    event = AuditEvent.objects.get(evaluation=evaluation, summary__startswith="Due date changed")
    assert event.summary == (
        "Due date changed from 2026-12-20 to 2027-01-31; 1 vendor link now works until 2027-02-07"
    )
    assert event.actor_user == officer
    assert event.data["due_date"] == {"from": "2026-12-20", "to": "2027-01-31"}
    assert event.data["invites_extended"] == [
        {"invite": str(open_link.public_id), "expires_at": "2027-02-07T23:59:59+00:00"}
    ]


def test_moving_the_due_date_earlier_never_shortens_a_link(org, officer, frozen_now, settings_expiry):
    evaluation = _evaluation(org, officer, datetime.date(2027, 1, 31), status=S.SENT)
    expiry = datetime.datetime(2027, 2, 7, 23, 59, 59, tzinfo=UTC)
    invite = InviteFactory(evaluation=evaluation, expires_at=expiry)
    evaluation_due_date_change(evaluation=evaluation, due_date=datetime.date(2027, 1, 5), user=officer)
    invite.refresh_from_db()
    assert invite.expires_at == expiry
    assert Invite.objects.get(pk=invite.pk).is_active
