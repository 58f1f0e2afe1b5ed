"""Scoring in a real worker process: the happy path, a worker killed mid-run, and a broker outage."""

from __future__ import annotations

import datetime
import os
import time

import pytest
from django.db import transaction
from django.utils import timezone

from procurement.models import Finding, ScoreRun
from procurement.services.scoring import scoring_request, scoring_sweep
from tests.conftest import require_service, reset_celery_connections
from tests.procurement.scoring_setup import build_evaluation

pytestmark = pytest.mark.worker


@pytest.fixture
def redis_url() -> str:
    # A Redis database of its own: the short visibility timeout used below restores *every*
    # unacknowledged message of the database it runs against, and must touch no one else's.
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    url = base.rsplit("/", 1)[0] + "/11"
    require_service(url, "Redis")
    return url


def wait_for(run: ScoreRun, status: str, timeout: float = 60) -> ScoreRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status == status:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run stayed {run.status} (wanted {status}); error: {run.error!r}")


def request_scoring(evaluation, user=None) -> ScoreRun:
    # A real commit: the task is published by on_commit, as after a vendor's submission.
    with transaction.atomic():
        return scoring_request(evaluation=evaluation, user=user)


def test_scoring_requested_here_runs_in_the_worker_process(celery_worker_process, org):
    evaluation = build_evaluation(org, answers={"baa.will_sign": "will_not_sign"})
    run = wait_for(request_scoring(evaluation), ScoreRun.Status.DONE)
    assert run.risk_tier == "critical"
    assert Finding.objects.filter(score_run=run, code="knockout:baa.will_sign").exists()
    evaluation.refresh_from_db()
    assert evaluation.risk_tier == "critical"


@pytest.fixture
def slow_scoring(monkeypatch):
    # Read by the worker process only: each run pauses, and a message whose worker died is
    # handed out again after 2 s instead of an hour.
    monkeypatch.setenv("SCORING_FAULT_DELAY_SECONDS", "4")
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "2")
    monkeypatch.setenv("CELERY_UNACKED_RESTORE_INTERVAL", "1")


def test_a_worker_killed_mid_run_loses_nothing(slow_scoring, celery_worker_process, org):
    evaluation = build_evaluation(org, answers={"baa.will_sign": "will_not_sign"})
    run = wait_for(request_scoring(evaluation), ScoreRun.Status.RUNNING, timeout=30)
    celery_worker_process.kill()
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.RUNNING
    assert not Finding.objects.filter(score_run=run).exists()

    celery_worker_process.start()  # the message was never acknowledged: the new worker gets it
    run = wait_for(run, ScoreRun.Status.DONE, timeout=90)
    assert run.attempts == 2
    assert run.risk_tier == "critical"
    assert Finding.objects.filter(score_run=run, code="knockout:baa.will_sign").count() == 1


def test_a_broker_outage_keeps_the_request_and_the_sweep_sends_it_when_back(
    celery_worker_process, redis_url, org
):
    from config.celery import app

    evaluation = build_evaluation(org)
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there: the broker is "down"
    reset_celery_connections(app)
    try:
        run = request_scoring(evaluation)
    finally:
        app.conf.broker_url = redis_url
        reset_celery_connections(app)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.QUEUED
    assert run.enqueued_at is None

    # What the beat schedule does every minute, once the run is older than the grace period.
    assert scoring_sweep(now=timezone.now() + datetime.timedelta(seconds=61)) == 1
    run = wait_for(run, ScoreRun.Status.DONE)
    assert run.enqueued_at is not None
