"""Redis goes down while a vendor submits: nothing is lost, and scoring runs once Redis is back.

The test owns its Redis server (a real `redis-server` process on a free loopback port), so it can
stop and restart it without disturbing anything else that uses the machine's Redis.
"""

from __future__ import annotations

import datetime
import shutil
import socket
import subprocess
import time

import pytest
from django.core import mail
from django.utils import timezone

from procurement.models import Evaluation, ScoreRun
from procurement.services.scoring import scoring_sweep
from procurement.services.submission import evaluation_submit
from tests.conftest import IN_CI
from tests.factories import AnswerFactory, ContactFactory, EvaluationFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.worker


class RedisServer:
    def __init__(self, directory) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed; the broker outage test needs its own Redis"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(private_redis):
    """The worker fixture and the app talk to this test's own Redis."""
    return private_redis.url


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_submission_during_a_redis_outage_is_scored_once_redis_is_back(
    private_redis, celery_worker_process, officer
):
    evaluation = EvaluationFactory(status=Evaluation.Status.IN_PROGRESS, owner=officer)
    question = QuestionFactory(
        section=SectionFactory(template=evaluation.template), type="yes_no", scoring={"expected": "yes"}
    )
    AnswerFactory(evaluation=evaluation, question=question, value="yes")
    contact = ContactFactory(vendor=evaluation.product.vendor)

    private_redis.stop()
    evaluation_submit(evaluation=evaluation, contact=contact)

    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED, "the vendor's submission must be kept"
    run = ScoreRun.objects.get(evaluation=evaluation)
    assert run.status == ScoreRun.Status.QUEUED
    assert run.enqueued_at is None
    # The owner's notice could not go through the broker, so the web process sent it itself.
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert str(evaluation.product) in mail.outbox[0].body

    private_redis.start()
    # The periodic sweep (Celery beat, every minute) finds the run that never reached the broker.
    assert scoring_sweep(now=timezone.now() + datetime.timedelta(minutes=2)) == 1
    assert _wait_for(lambda: ScoreRun.objects.get(pk=run.pk).status == ScoreRun.Status.DONE, timeout=90), (
        "the worker did not score the run after Redis came back"
    )
    evaluation.refresh_from_db()
    assert evaluation.overall_score == 100
