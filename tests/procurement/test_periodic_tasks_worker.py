"""Periodic jobs as beat sends them: published by name through Redis, run by a real worker."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from config.celery import app
from procurement.models import Evaluation, ReminderLog
from procurement.services.invites import MAIL_PENDING_PREFIX, _unmailed_hash
from tests.factories import EvaluationFactory, InviteFactory

pytestmark = pytest.mark.worker


def test_the_scheduled_reminder_task_runs_in_a_worker_and_records_each_reminder(
    celery_worker_process, org, officer
):
    [entry] = [
        e for e in app.conf.beat_schedule.values() if e["task"] == "procurement.tasks.send_due_reminders"
    ]
    evaluation = EvaluationFactory(
        organization=org,
        owner=officer,
        status=Evaluation.Status.IN_PROGRESS,
        due_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    InviteFactory(evaluation=evaluation, contact__email="vendor@acme.example")

    task = app.tasks[entry["task"]]
    sent = task.apply_async(ignore_result=False).get(timeout=60)

    assert sent == 2
    assert sorted(ReminderLog.objects.values_list("evaluation_id", "kind", "recipient")) == [
        (evaluation.pk, "due_1", officer.email),
        (evaluation.pk, "due_1", "vendor@acme.example"),
    ]
    # Run again by the next beat tick: nothing is sent twice.
    assert task.apply_async(ignore_result=False).get(timeout=60) == 0
    assert ReminderLog.objects.count() == 2


def test_the_scheduled_invite_email_sweep_runs_in_a_worker_and_mails_the_stranded_invite(
    celery_worker_process, org, officer
):
    [entry] = [
        e for e in app.conf.beat_schedule.values() if e["task"] == "procurement.tasks.sweep_unmailed_invites"
    ]
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    # As an invite sent while the broker was down is left: its link not yet minted, sent 15 minutes ago.
    stranded = InviteFactory(
        evaluation=evaluation,
        token_hash=_unmailed_hash(),
        last_sent_at=timezone.now() - datetime.timedelta(minutes=15),
    )

    assert app.tasks[entry["task"]].apply_async(ignore_result=False).get(timeout=60) == 1

    # The worker then runs the e-mail task the sweep queued, which mints the link it mails.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stranded.refresh_from_db()
        if not stranded.token_hash.startswith(MAIL_PENDING_PREFIX):
            break
        time.sleep(0.25)
    assert len(stranded.token_hash) == 64
    assert not stranded.token_hash.startswith(MAIL_PENDING_PREFIX)
