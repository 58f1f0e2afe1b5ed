"""The daily evidence job as beat sends it: published by name through Redis, run by a real worker."""

from __future__ import annotations

import datetime

import pytest
from celery.schedules import crontab
from django.utils import timezone

from config.celery import app
from procurement.models import Evaluation, ProductFinding, ReminderLog
from tests.factories import EvaluationFactory, EvidenceFileFactory, InviteFactory

TASK = "procurement.tasks.check_evidence_expiry"


def test_beat_runs_the_evidence_job_once_a_day():
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == TASK]
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {6}
    assert entry["schedule"].minute == {30}


@pytest.mark.worker
def test_the_evidence_job_runs_in_a_worker_reminds_and_raises_the_product_finding(
    celery_worker_process, org, officer
):
    today = timezone.localdate()
    evaluation = EvaluationFactory(
        organization=org,
        owner=officer,
        status=Evaluation.Status.DECIDED,
        decision=Evaluation.Decision.APPROVED,
        decided_at=timezone.now(),
    )
    InviteFactory(evaluation=evaluation, contact__email="vendor@acme.example")
    expiring = EvidenceFileFactory(evaluation=evaluation, expires_on=today + datetime.timedelta(days=30))
    expired = EvidenceFileFactory(evaluation=evaluation, expires_on=today - datetime.timedelta(days=1))

    result = app.tasks[TASK].apply_async(ignore_result=False).get(timeout=60)

    assert result == {"reminders": 2, "raised": 1, "resolved": 0}
    assert sorted(ReminderLog.objects.values_list("evidence_id", "kind", "recipient")) == [
        (expiring.pk, "expiry_30", officer.email),
        (expiring.pk, "expiry_30", "vendor@acme.example"),
    ]
    assert list(ProductFinding.objects.open().values_list("evidence_id", "code")) == [
        (expired.pk, "evidence_expired")
    ]
    # The next beat tick sends and raises nothing twice.
    assert app.tasks[TASK].apply_async(ignore_result=False).get(timeout=60) == {
        "reminders": 0,
        "raised": 0,
        "resolved": 0,
    }
