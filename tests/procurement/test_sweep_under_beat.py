"""The scoring outbox sweep as production runs it: a real beat process sends it, a real worker runs it.

Nothing here calls the sweep: a run left `running` by a killed worker and a run that never reached
the broker must both end `done`, scored as a direct scoring of the same answers would score them.
"""

from __future__ import annotations

import datetime
import os
import time

import pytest
from django.utils import timezone

from procurement.models import Finding, ScoreRun
from procurement.services.scoring import scoring_run
from tests.conftest import require_service, running_beat
from tests.procurement.scoring_setup import build_evaluation

pytestmark = pytest.mark.worker

SWEEP_SECONDS = "2"


@pytest.fixture
def redis_url() -> str:
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    url = base.rsplit("/", 1)[0] + "/5"
    require_service(url, "Redis")
    return url


@pytest.fixture
def fast_sweep(monkeypatch):
    # Read by the worker and beat processes only: the sweep every 2 s, tasks through the broker.
    monkeypatch.setenv("SCORING_SWEEP_SECONDS", SWEEP_SECONDS)
    monkeypatch.setenv("CELERY_TASK_ALWAYS_EAGER", "false")


@pytest.fixture
def beat_process(fast_sweep, celery_worker_process, redis_url, tmp_path):
    """A real `celery beat` publishing to the worker's queue, with its schedule file in tmp_path."""
    with running_beat(worker=celery_worker_process, redis_url=redis_url, tmp_path=tmp_path) as beat:
        yield beat


def direct_score(org, answers: dict) -> ScoreRun:
    evaluation = build_evaluation(org, answers=answers)
    run = ScoreRun.objects.create(organization=org, evaluation=evaluation)
    return scoring_run(score_run_id=run.pk)


def test_beat_and_worker_recover_a_stuck_run_and_an_undelivered_one(beat_process, org, tmp_path):
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    # (a) As a worker killed mid-run leaves it: running, claimed ten minutes ago, never finished.
    stuck_answers = {"baa.will_sign": "will_not_sign"}
    stuck = ScoreRun.objects.create(
        organization=org,
        evaluation=build_evaluation(org, answers=stuck_answers),
        status=ScoreRun.Status.RUNNING,
        started_at=long_ago,
        enqueued_at=long_ago,
        attempts=1,
    )
    # (b) A submission made while Redis was unreachable: queued, never published.
    undelivered_answers = {"fda.status": "non_device_cds"}
    undelivered = ScoreRun.objects.create(
        organization=org, evaluation=build_evaluation(org, answers=undelivered_answers)
    )
    ScoreRun.objects.filter(pk__in=[stuck.pk, undelivered.pk]).update(created_at=long_ago)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = set(
            ScoreRun.objects.filter(pk__in=[stuck.pk, undelivered.pk]).values_list("status", flat=True)
        )
        if statuses == {ScoreRun.Status.DONE}:
            break
        if beat_process.poll() is not None:
            pytest.fail("celery beat exited: " + (tmp_path / "beat.log").read_text())
        time.sleep(0.25)
    stuck.refresh_from_db()
    undelivered.refresh_from_db()
    assert (stuck.status, undelivered.status) == (ScoreRun.Status.DONE, ScoreRun.Status.DONE), (
        f"stuck: {stuck.status} {stuck.error!r}; undelivered: {undelivered.status} {undelivered.error!r}"
    )

    expected_stuck = direct_score(org, stuck_answers)
    expected_undelivered = direct_score(org, undelivered_answers)
    assert (stuck.overall_score, stuck.risk_tier) == (expected_stuck.overall_score, expected_stuck.risk_tier)
    assert stuck.risk_tier == "critical"
    assert (undelivered.overall_score, undelivered.risk_tier) == (
        expected_undelivered.overall_score,
        expected_undelivered.risk_tier,
    )
    assert stuck.attempts == 2  # the killed worker's attempt, then the one the sweep sent
    assert undelivered.attempts == 1
    assert Finding.objects.filter(score_run=stuck, code="knockout:baa.will_sign").count() == 1
    stuck.evaluation.refresh_from_db()
    assert stuck.evaluation.risk_tier == "critical"
