"""The daily remediation reminders as beat sends them: by name through Redis, run by a real worker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from config.celery import app
from procurement.models import Evaluation, RemediationItem, RemediationReminderLog
from tests.factories import EvaluationFactory, InviteFactory

pytestmark = pytest.mark.worker


def test_the_scheduled_remediation_reminders_run_in_a_worker_once_per_threshold(
    celery_worker_process, org, officer
):
    [entry] = [
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "procurement.tasks.send_remediation_reminders"
    ]
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.DECIDED)
    InviteFactory(evaluation=evaluation, contact__email="vendor@acme.example")
    today = timezone.localdate()
    vendor_item = RemediationItem.objects.create(
        organization=org,
        evaluation=evaluation,
        product=evaluation.product,
        source="finding",
        finding_code="bias.no_subgroup_metrics",
        title="Subgroup metrics",
        due_date=today + datetime.timedelta(days=1),
    )
    ours = RemediationItem.objects.create(
        organization=org,
        evaluation=evaluation,
        product=evaluation.product,
        source="condition",
        title="Sign the BAA",
        side="buyer",
        owner=officer,
        due_date=today - datetime.timedelta(days=2),
    )

    task = app.tasks[entry["task"]]
    assert task.apply_async(ignore_result=False).get(timeout=60) == 2
    assert sorted(RemediationReminderLog.objects.values_list("item_id", "kind", "recipient")) == sorted(
        [
            (vendor_item.pk, "due_1", "vendor@acme.example"),
            (ours.pk, "overdue", officer.email),
            (ours.pk, "overdue", ""),  # the overdue event, raised once
        ]
    )
    # The next beat tick sends nothing twice.
    assert task.apply_async(ignore_result=False).get(timeout=60) == 0
    assert RemediationReminderLog.objects.count() == 3
