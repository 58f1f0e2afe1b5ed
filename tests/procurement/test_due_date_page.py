"""Changing an evaluation's due date from its page extends the vendor's open links, by persona."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from procurement.models import AuditEvent, Evaluation
from tests.factories import EvaluationFactory, InviteFactory

pytestmark = pytest.mark.django_db
NEW_DUE = datetime.date(2031, 1, 31)


@pytest.fixture
def evaluation(org, officer):
    return EvaluationFactory(
        organization=org, owner=officer, status=Evaluation.Status.SENT, due_date=datetime.date(2030, 12, 20)
    )


def url(evaluation):
    return reverse("evaluation_due_date", args=[evaluation.public_id])


def test_the_officer_moves_the_due_date_and_the_open_link_follows(officer_client, evaluation, settings):
    settings.INVITE_GRACE_DAYS = 7
    open_link = InviteFactory(evaluation=evaluation)
    page = officer_client.get(evaluation.get_absolute_url()).content.decode()
    assert "Change due date" in page

    response = officer_client.post(url(evaluation), {"due_date": NEW_DUE.isoformat()}, follow=True)

    assert response.redirect_chain[-1][0] == evaluation.get_absolute_url()
    assert "Due date changed" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.due_date == NEW_DUE
    open_link.refresh_from_db()
    assert open_link.expires_at.date() >= NEW_DUE + datetime.timedelta(days=7)
    event = AuditEvent.objects.filter(evaluation=evaluation).latest("id")
    assert event.data["due_date"] == {"from": "2030-12-20", "to": "2031-01-31"}


def test_a_date_that_cannot_be_read_changes_nothing(officer_client, evaluation):
    response = officer_client.post(url(evaluation), {"due_date": "31/01/2031"}, follow=True)
    assert "The due date was not changed" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.due_date == datetime.date(2030, 12, 20)


def test_refusals(officer_client, reviewer_client, outsider_client, client, evaluation):
    data = {"due_date": NEW_DUE.isoformat()}
    assert officer_client.get(url(evaluation)).status_code == 405
    assert client.post(url(evaluation), data).status_code == 302
    assert outsider_client.post(url(evaluation), data).status_code == 404
    assert reviewer_client.post(url(evaluation), data).status_code == 403
    assert "Change due date" not in reviewer_client.get(evaluation.get_absolute_url()).content.decode()
    evaluation.refresh_from_db()
    assert evaluation.due_date == datetime.date(2030, 12, 20)
