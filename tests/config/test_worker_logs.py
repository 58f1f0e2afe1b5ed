"""A real Celery worker logs in the production format: JSON lines with the task's id, name and outcome."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from config.celery import app, ping
from tests.conftest import reset_celery_connections

pytestmark = pytest.mark.worker


def test_a_worker_writes_one_json_line_per_task(redis_url, tmp_path):
    queue = f"test-logs-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "LOG_FORMAT": "json",
        "REDIS_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        # Printed before logging is set up, and only because the tests run as root (the image
        # runs its worker as an unprivileged user).
        "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges",
    }
    saved = {
        k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue", "result_backend")
    }
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "--quiet", "worker", "--pool=solo"),
                *(
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                    "-Q",
                    queue,
                    "-n",
                    f"{queue}@%h",
                ),
            ],
            env=env,
            cwd=str(settings.BASE_DIR),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        app.conf.update(
            broker_url=redis_url, task_always_eager=False, task_default_queue=queue, result_backend=redis_url
        )
        reset_celery_connections(app)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5):
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the worker did not answer within 60 s"
        result = ping.apply_async(queue=queue)
        assert result.get(timeout=30) == "pong"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        app.conf.update(saved)
        reset_celery_connections(app)

    # Every line is one JSON object (json.loads fails on anything else), but for the notice Celery
    # writes straight to stdout when it is told to stop.
    notice = {"", "worker: Warm shutdown (MainProcess)"}
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line not in notice]
    [finished] = [line for line in lines if line["event"] == "task_finished"]
    assert finished["task_id"] == result.id
    assert finished["task"] == "procurement.ping"
    assert finished["outcome"] == "success"
    assert finished["duration_ms"] >= 0
    assert finished["level"] == "info"
    # Celery's own lines and warnings are JSON objects too.
    ready = next(line for line in lines if line["event"] == f"{queue}@{socket.gethostname()} ready.")
    assert ready["logger"] == "celery.apps.worker"
