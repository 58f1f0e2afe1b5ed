"""A real worker process against the real Redis: tasks leave this process and come back done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.celery import ping

pytestmark = pytest.mark.worker


def test_a_task_runs_in_a_separate_worker_process(celery_worker_process):
    result = ping.delay()
    assert result.get(timeout=30) == "pong"


def test_healthz_reports_the_running_worker(celery_worker_process, client):
    from config.celery import beat_heartbeat

    # Beat is not what this test starts: its heartbeat is recorded here, as a worker would.
    beat_heartbeat()
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.content
    assert response.json()["workers"]["ok"] is True
