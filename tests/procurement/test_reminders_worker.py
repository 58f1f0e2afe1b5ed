"""The daily reminder job as beat sends it: published by name through Redis, run by a real worker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from config.celery import app
from procurement.models import Evaluation, ReminderLog
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
