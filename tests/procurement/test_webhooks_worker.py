"""Webhooks as production sends them: a real Celery worker over Redis, and beat for the outbox sweep.

The receiver is a real HTTP server on loopback that checks each signature with the endpoint's
secret. Retries are shortened to one second through the environment the worker reads.
"""

from __future__ import annotations

import datetime
import json
import os
import time

import pytest
from celery import signals
from django.utils import timezone

from procurement.models import Evaluation, WebhookDelivery
from procurement.services.submission import evaluation_submit
from procurement.services.webhooks import webhook_endpoint_create, webhook_event_emit
from tests.conftest import require_service
from tests.factories import ContactFactory, EvaluationFactory
from tests.procurement.test_sweep_under_beat import beat_process, fast_sweep  # noqa: F401
from tests.procurement.webhook_receiver import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url() -> str:
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    url = base.rsplit("/", 1)[0] + "/4"
    require_service(url, "Redis")
    return url


@pytest.fixture(autouse=True)
def _fast_webhooks(monkeypatch):
    # Read by the worker and beat processes when they start.
    monkeypatch.setenv("WEBHOOK_RETRY_DELAYS", "1,1")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("WEBHOOK_SWEEP_SECONDS", "1")
    # What the worker publishes (the next attempt, with its countdown) goes through the broker too.
    monkeypatch.setenv("CELERY_TASK_ALWAYS_EAGER", "false")


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def published():
    """Every task message this process publishes: body and headers as they go to Redis."""
    messages = []

    def record(sender=None, body=None, headers=None, **kwargs):
        messages.append((sender, body, headers))

    signals.before_task_publish.connect(record, weak=False)
    yield messages
    signals.before_task_publish.disconnect(record)


def _wait_for_status(delivery_id: int, status: str, timeout: float = 60) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status == status:
            return delivery
        time.sleep(0.2)
    raise AssertionError(f"delivery {delivery_id} is {delivery.status} after {timeout} s, not {status}")


def test_a_worker_delivers_a_submission_signed_and_the_broker_never_sees_the_secret(
    celery_worker_process, receiver, published, org, officer
):
    endpoint, secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=["evaluation.submitted"], user=None
    )
    receiver.secret = secret
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.IN_PROGRESS)
    evaluation_submit(evaluation=evaluation, contact=ContactFactory(vendor=evaluation.product.vendor))

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    delivery = _wait_for_status(delivery.pk, WebhookDelivery.Status.SUCCEEDED)
    (request,) = receiver.received
    assert request.signature_valid
    payload = json.loads(request.body)
    assert payload["kind"] == "evaluation.submitted"
    assert payload["data"]["evaluation"]["id"] == str(evaluation.public_id)
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)

    webhook_messages = [m for m in published if m[0] == "procurement.tasks.webhook_deliver"]
    assert [list(m[1][0]) for m in webhook_messages] == [[delivery.pk]]  # args: the delivery id only
    assert not [m for m in published if secret in repr(m)]


def test_a_failing_endpoint_is_retried_by_the_worker_then_marked_failed(celery_worker_process, receiver, org):
    receiver.statuses = [500]
    _, receiver.secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=["model_version.reported"], user=None
    )
    data = {"product": {"id": "p-1", "name": "ChestScan"}, "version": "3.0"}
    (delivery,) = webhook_event_emit(organization=org, kind="model_version.reported", data=data)

    delivery = _wait_for_status(delivery.pk, WebhookDelivery.Status.FAILED)
    assert delivery.attempts == 3
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 500), (2, 500), (3, 500)]
    assert delivery.payload["data"] == data
    assert delivery.last_response_body == "boom: receiver failed"
    assert len(receiver.received) == 3
    assert all(r.signature_valid for r in receiver.received)
    assert len({r.headers["x-webhook-id"] for r in receiver.received}) == 1


def test_beat_sweeps_a_delivery_whose_task_never_reached_the_broker(beat_process, receiver, org):  # noqa: F811
    endpoint, receiver.secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=["evidence.expiring"], user=None
    )
    # As a Redis outage leaves it: saved with its event, due for a minute, never queued.
    delivery = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        kind="evidence.expiring",
        payload={"id": "e-1", "kind": "evidence.expiring", "data": {"days": 30}},
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    delivery = _wait_for_status(delivery.pk, WebhookDelivery.Status.SUCCEEDED)
    assert delivery.attempts == 1
    assert receiver.received[0].signature_valid
