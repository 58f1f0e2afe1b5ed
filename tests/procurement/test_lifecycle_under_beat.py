"""The lifecycle's daily jobs as production runs them: real beat sends them, a real worker runs them.

Nothing here calls a service: an approved product whose re-assessment date has come must get its
re-assessment, a document 60 days from expiry its reminder, and a remediation item a week from its
due date its reminder, from the schedule alone, each exactly once however often beat fires.
"""

from __future__ import annotations

import datetime
import os
import time

import pytest
from django.utils import timezone

from procurement.models import (
    Answer,
    Evaluation,
    Notification,
    RemediationItem,
    RemediationReminderLog,
    ReminderLog,
    ReviewCycle,
)
from tests.conftest import require_service, running_beat
from tests.factories import EvidenceFileFactory
from tests.procurement.reassessment_setup import approved, vendor_invite

pytestmark = pytest.mark.worker

CHECK_SECONDS = "1"


@pytest.fixture
def redis_url() -> str:
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    url = base.rsplit("/", 1)[0] + "/9"
    require_service(url, "Redis")
    return url


@pytest.fixture
def beat_process(monkeypatch, celery_worker_process, redis_url, tmp_path):
    """A real `celery beat` whose lifecycle jobs run every second, publishing to the worker."""
    with running_beat(
        worker=celery_worker_process,
        redis_url=redis_url,
        tmp_path=tmp_path,
        env={"CELERY_TASK_ALWAYS_EAGER": "false", "LIFECYCLE_CHECK_SECONDS": CHECK_SECONDS},
    ) as beat:
        yield beat


def test_the_schedule_runs_the_lifecycle_jobs_once(transactional_db, org, officer, tmp_path, request):
    evaluation, _ = approved(org, officer, tier="critical")
    # Committed rows (transactional_db first), so the worker sees them. Approved months ago: the
    # review date is close and the re-assessment is due to open.
    today = timezone.localdate()
    ReviewCycle.objects.filter(approved_evaluation=evaluation).update(
        review_on=today + datetime.timedelta(days=10), opens_on=today - datetime.timedelta(days=20)
    )
    not_yet, _ = approved(org, officer, tier="low")  # two years to go: left alone
    vendor_invite(evaluation)
    expiring = EvidenceFileFactory(evaluation=evaluation, expires_on=today + datetime.timedelta(days=60))
    item = RemediationItem.objects.create(
        organization=org,
        evaluation=evaluation,
        product=evaluation.product,
        source="finding",
        finding_code="baa.breach_notice",
        title="Breach notice within 60 days",
        side="buyer",
        owner=officer,
        due_date=today + datetime.timedelta(days=7),
    )
    beat = request.getfixturevalue("beat_process")

    def all_ran() -> bool:
        return (
            Evaluation.objects.filter(purpose=Evaluation.Purpose.REASSESSMENT).exists()
            and ReminderLog.objects.filter(evidence=expiring).exists()
            and RemediationReminderLog.objects.filter(item=item).exists()
        )

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if all_ran():
            break
        if beat.poll() is not None:
            pytest.fail("celery beat exited: " + (tmp_path / "beat.log").read_text())
        time.sleep(0.25)
    # Let beat fire a few more times: still one re-assessment.
    time.sleep(3 * float(CHECK_SECONDS) + 1)

    reassessments = Evaluation.objects.filter(purpose=Evaluation.Purpose.REASSESSMENT)
    assert reassessments.count() == 1, (tmp_path / "beat.log").read_text()
    reassessment = reassessments.get()
    assert reassessment.previous == evaluation
    assert reassessment.owner == officer
    assert reassessment.due_date == today + datetime.timedelta(days=30)  # the lead time, as it opened late
    # The approval's seven answers, and the expiring document's question with its file.
    assert Answer.objects.filter(evaluation=reassessment, source=Answer.Source.CARRIED).count() == 8
    assert (
        Notification.objects.filter(
            recipient=officer, kind=Notification.Kind.REASSESSMENT_OPENED, evaluation=reassessment
        ).count()
        == 1
    )
    assert ReviewCycle.objects.get(approved_evaluation=not_yet).reassessment is None
    beat_log = (tmp_path / "beat.log").read_text()
    assert "procurement.tasks.open_due_reassessments" in beat_log

    # The document's 60-day reminder went to the owner and the vendor contact, once each.
    reminders = ReminderLog.objects.filter(evidence=expiring)
    assert sorted(reminders.values_list("kind", flat=True)) == ["expiry_60", "expiry_60"], beat_log
    assert officer.email in set(reminders.values_list("recipient", flat=True))
    assert "procurement.tasks.check_evidence_expiry" in beat_log
    # The item's reminder a week before its due date went to its owner, once.
    assert list(RemediationReminderLog.objects.filter(item=item).values_list("kind", "recipient")) == [
        ("due_7", officer.email)
    ]
    assert "procurement.tasks.send_remediation_reminders" in beat_log
