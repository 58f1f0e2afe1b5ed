"""The daily digest as beat sends it: published by name through Redis, run and mailed by a real worker."""

from __future__ import annotations

import pytest

from accounts.models import User
from config.celery import app
from procurement.models import Notification
from procurement.services.notifications import notifications_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_mail(tmp_path, monkeypatch, request):
    directory = tmp_path / "mail"
    directory.mkdir()
    monkeypatch.setenv("TEST_WORKER_EMAIL_DIR", str(directory))
    request.getfixturevalue("celery_worker_process")
    return directory


def test_the_scheduled_digest_runs_in_a_worker_and_mails_each_reader_once(
    worker_mail, org, reviewer, officer
):
    [entry] = [
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "procurement.tasks.send_notification_digest"
    ]
    reviewer.email_notifications = User.EmailNotifications.DAILY_DIGEST
    reviewer.save(update_fields=["email_notifications"])
    for message in ("Review Privacy of ChestScan", "Review Security of ChestScan"):
        notifications_create(
            recipients=[reviewer, officer],
            organization=org,
            evaluation=None,
            kind=Notification.Kind.SECTION_ASSIGNED,
            message=message,
            link="/my-tasks/",
            email=False,
        )

    task = app.tasks[entry["task"]]
    assert task.apply_async(ignore_result=False).get(timeout=60) == 1

    [mailed] = list(worker_mail.glob("*.log"))
    body = mailed.read_text()
    assert f"To: {reviewer.email}" in body
    assert "Subject: Your daily summary: 2 updates" in body
    assert "[Riverside Health] Assigned to review: Review Security of ChestScan" in body
    assert officer.email not in body
    assert Notification.objects.filter(recipient=reviewer, emailed_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=officer, emailed_at__isnull=True).count() == 2

    # The next day's run finds nothing left to send.
    assert task.apply_async(ignore_result=False).get(timeout=60) == 0
    assert len(list(worker_mail.glob("*.log"))) == 1
