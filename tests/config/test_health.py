from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse

from config.celery import BEAT_HEARTBEAT_KEY, beat_heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_in_the_embedded_mode(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    # Port 9 (discard) on loopback: nothing listens there.
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["broker"]["ok"] is False
    assert body["workers"]["ok"] is False


@pytest.fixture
def separate_processes(settings, monkeypatch):
    """As in production: tasks go to workers and beat; the broker and a worker answer."""
    from config import health

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(health, "check_broker", lambda: {"ok": True, "detail": "reachable"})
    monkeypatch.setattr(health, "check_workers", lambda: {"ok": True, "detail": "1 worker(s) answered"})
    cache.clear()
    yield
    cache.clear()


def test_healthz_reports_beat_alive_after_a_recent_heartbeat(client, separate_processes, monkeypatch):
    from config import health

    beat_heartbeat()
    # The clock of the health check, 42 s after the heartbeat was recorded.
    recorded = cache.get(BEAT_HEARTBEAT_KEY)
    monkeypatch.setattr(health, "time", SimpleNamespace(time=lambda: recorded + 42))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["beat"] == {"ok": True, "detail": "last heartbeat 42 s ago"}


def test_healthz_is_503_when_the_last_heartbeat_is_stale(client, separate_processes, settings, monkeypatch):
    from config import health

    settings.BEAT_STALE_SECONDS = 300
    cache.set(BEAT_HEARTBEAT_KEY, 1_000_000.0)
    monkeypatch.setattr(health, "time", SimpleNamespace(time=lambda: 1_000_400.0))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["beat"] == {"ok": False, "detail": "last heartbeat 400 s ago (stale after 300 s)"}


def test_healthz_is_503_before_beat_ever_sent_a_heartbeat(client, separate_processes):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["beat"] == {"ok": False, "detail": "no heartbeat from beat yet"}


def test_the_heartbeat_is_scheduled_and_expires_after_one_interval(settings):
    from config.celery import app

    spec = app.conf.beat_schedule["beat-heartbeat"]
    assert spec["task"] == "config.beat_heartbeat"
    assert spec["schedule"] == spec["options"]["expires"] == float(settings.BEAT_HEARTBEAT_SECONDS) == 60.0
