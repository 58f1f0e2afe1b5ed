"""Webhooks end to end in one process: a real HTTP receiver on loopback checks every signature."""

from __future__ import annotations

import datetime
import json
import logging
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from procurement.models import (
    AuditEvent,
    Evaluation,
    ScoreRun,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from procurement.services import webhooks
from procurement.services.reviews import decision_record
from procurement.services.scoring import scoring_run
from procurement.services.submission import evaluation_submit
from procurement.services.webhooks import (
    webhook_body,
    webhook_deliver,
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_event_emit,
    webhook_secret,
    webhook_secret_rotate,
    webhook_signature,
    webhook_signature_valid,
    webhook_sweep,
    webhook_test_send,
)
from tests.factories import ContactFactory, EvaluationFactory
from tests.procurement.scoring_setup import build_evaluation, set_answers
from tests.procurement.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_DELAYS = [10, 20]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


def _endpoint(org, receiver, *, kinds=("evaluation.submitted",), user=None, **kwargs):
    endpoint, secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=list(kinds), user=user, **kwargs
    )
    receiver.secret = secret
    return endpoint, secret


def _later(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_the_secret_is_stored_encrypted_and_the_change_audited(org, admin_user, receiver):
    endpoint, secret = _endpoint(org, receiver, user=admin_user, description="GRC")
    stored = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert secret not in stored.secret_encrypted
    assert webhook_secret(stored) == secret
    assert stored.secret_prefix == secret[:10]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.WEBHOOK_CHANGED)
    assert event.evaluation is None
    assert event.actor_user == admin_user
    assert event.data["change"] == "created"
    assert event.data["events"] == ["evaluation.submitted"]
    assert secret not in json.dumps(event.data) + event.summary

    rotated = webhook_secret_rotate(endpoint=stored, user=admin_user)
    assert rotated != secret
    assert webhook_secret(WebhookEndpoint.objects.get(pk=endpoint.pk)) == rotated
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).count() == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/hook", "full http or https"),
        ("not a url", "full http or https"),
        ("http://example.org/hook", "https"),
        ("https://user:pw@example.org/hook", "no user name"),
    ],
)
def test_endpoint_urls_other_than_https_or_loopback_http_are_refused(org, url, message):
    with pytest.raises(ValidationError) as exc:
        webhook_endpoint_create(organization=org, url=url, event_kinds=["evaluation.decided"], user=None)
    assert message in exc.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_production_refuses_plain_http_even_to_loopback(org, settings):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(ValidationError, match="https"):
        webhooks.webhook_url_validate("http://127.0.0.1:8000/hook")
    assert webhooks.webhook_url_validate("https://grc.example.org/hook") == "https://grc.example.org/hook"


def test_unknown_or_no_event_kinds_are_refused(org):
    with pytest.raises(ValidationError) as exc:
        webhook_endpoint_create(organization=org, url="https://a.example/", event_kinds=["nope"], user=None)
    assert "Unknown event kind" in exc.value.message_dict["event_kinds"][0]
    with pytest.raises(ValidationError, match="at least one"):
        webhook_endpoint_create(organization=org, url="https://a.example/", event_kinds=[], user=None)


def test_a_submission_is_posted_signed_to_subscribed_active_endpoints_only(
    org, officer, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = _endpoint(org, receiver)
    other = Receiver().start()
    try:
        webhook_endpoint_create(
            organization=org, url=other.url, event_kinds=["evaluation.decided"], user=None
        )
        inactive, _ = webhook_endpoint_create(
            organization=org, url=other.url, event_kinds=["evaluation.submitted"], user=None, active=False
        )
        evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.IN_PROGRESS)
        contact = ContactFactory(vendor=evaluation.product.vendor)
        with django_capture_on_commit_callbacks(execute=True):
            evaluation_submit(evaluation=evaluation, contact=contact)
        assert other.received == []
    finally:
        other.stop()

    (request,) = receiver.received
    assert request.signature_valid
    assert request.path == "/hooks"
    payload = json.loads(request.body)
    assert payload["kind"] == "evaluation.submitted"
    assert payload["organization"] == {"id": str(org.public_id), "name": org.name}
    assert payload["data"]["evaluation"]["id"] == str(evaluation.public_id)
    assert payload["data"]["evaluation"]["status"] == "submitted"
    assert payload["data"]["submitted_by"] == contact.name
    assert request.headers["x-webhook-id"] == payload["id"]
    assert request.headers["x-webhook-event"] == "evaluation.submitted"
    assert request.headers["content-type"] == "application/json"

    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint
    assert str(delivery.event_id) == payload["id"]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.last_response_body == '{"ok": true}'
    assert delivery.delivered_at is not None
    assert WebhookAttempt.objects.get().status_code == 200
    assert not WebhookDelivery.objects.filter(endpoint=inactive).exists()


def test_a_decision_is_posted_with_its_rationale(org, officer, receiver, django_capture_on_commit_callbacks):
    _endpoint(org, receiver, kinds=["evaluation.decided"])
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            evaluation=evaluation, decision="approved", rationale="Strong evidence.", user=officer
        )
    (request,) = receiver.received
    data = json.loads(request.body)["data"]
    assert request.signature_valid
    assert (data["decision"], data["rationale"], data["conditions"]) == ("approved", "Strong evidence.", [])
    assert data["evaluation"]["status"] == "decided"


def test_scoring_raises_only_findings_the_previous_run_did_not_have(
    org, receiver, django_capture_on_commit_callbacks
):
    _endpoint(org, receiver, kinds=["finding.raised"])
    evaluation = build_evaluation(org, answers={"baa.will_sign": "will_not_sign"})
    first = ScoreRun.objects.create(organization=org, evaluation=evaluation)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_run(score_run_id=first.pk)
    codes = {json.loads(r.body)["data"]["finding"]["code"] for r in receiver.received}
    assert codes == set(first.findings.values_list("code", flat=True))
    assert codes
    assert all(r.signature_valid for r in receiver.received)

    # A second scoring with one more problem: only that one is new.
    set_answers(evaluation, {"fda.status": "non_device_cds", "use.data_modalities": ["medical_images"]})
    second = ScoreRun.objects.create(organization=org, evaluation=evaluation)
    before = len(receiver.received)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_run(score_run_id=second.pk)
    new = {json.loads(r.body)["data"]["finding"]["code"] for r in receiver.received[before:]}
    assert new == set(second.findings.values_list("code", flat=True)) - codes
    assert len(new) == 1


def test_a_failing_endpoint_is_retried_then_failed_with_every_attempt_kept(
    org, receiver, fast_retries, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    endpoint, _ = _endpoint(org, receiver, kinds=["model_version.reported"])
    data = {"product": {"id": "p-1", "name": "ChestScan"}, "version": "2.1"}
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhook_event_emit(organization=org, kind="model_version.reported", data=data)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert 9 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 10
    # Not due yet: a second delivery of the task (or a sweep) sends nothing.
    assert webhook_deliver(delivery_id=delivery.pk) is None
    assert webhook_sweep() == 0

    webhook_deliver(delivery_id=delivery.pk, now=_later(11))
    webhook_deliver(delivery_id=delivery.pk, now=_later(32))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert delivery.last_response_body == "boom: receiver failed"
    assert delivery.last_error == "HTTP 500"
    assert delivery.payload["data"] == data
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 500), (2, 500), (3, 500)]
    assert len(receiver.received) == 3
    assert len({r.headers["x-webhook-id"] for r in receiver.received}) == 1
    assert all(r.signature_valid for r in receiver.received)
    assert webhook_deliver(delivery_id=delivery.pk, now=_later(3600)) is None  # failed stays failed

    # "Retry now": one more attempt, which the repaired endpoint accepts.
    receiver.statuses = [200]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_retry(delivery=delivery, user=None)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 4, 200)
    assert endpoint.deliveries.count() == 1


def test_an_unreachable_endpoint_and_a_redirect_count_as_failed_attempts(
    org, receiver, fast_retries, django_capture_on_commit_callbacks
):
    receiver.statuses = [302]
    _endpoint(org, receiver, kinds=["evidence.expiring"])
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhook_event_emit(organization=org, kind="evidence.expiring", data={"days": 30})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert [r.path for r in receiver.received] == ["/hooks"]  # the redirect was not followed

    receiver.stop()
    webhook_deliver(delivery_id=delivery.pk, now=_later(11))
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.last_status_code is None
    assert "URLError" in delivery.last_error or "Connection" in delivery.last_error


def test_a_delivery_the_broker_refused_stays_pending_until_the_sweep(
    org, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    _endpoint(org, receiver, kinds=["remediation.overdue"])

    def broker_down(*args):
        raise BrokerError("Redis is down")

    monkeypatch.setattr(webhooks, "enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhook_event_emit(organization=org, kind="remediation.overdue", data={"item": 1})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert receiver.received == []
    assert webhook_sweep(now=_later(31)) == 1  # the broker still refuses: nothing lost
    monkeypatch.undo()

    assert webhook_sweep() == 0  # within the grace left to the task queued for it
    assert webhook_sweep(now=_later(31)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    assert receiver.received[0].signature_valid


def test_a_tampered_body_timestamp_or_old_request_fails_verification():
    secret, body = "whsec_test", b'{"kind":"webhook.test"}'
    now = int(time.time())
    signature = webhook_signature(secret=secret, timestamp=now, body=body)
    assert webhook_signature_valid(secret=secret, timestamp=str(now), body=body, signature=signature)
    assert not webhook_signature_valid(
        secret=secret, timestamp=str(now), body=body.replace(b"test", b"tost"), signature=signature
    )
    assert not webhook_signature_valid(secret=secret, timestamp=str(now + 1), body=body, signature=signature)
    assert not webhook_signature_valid(
        secret="whsec_other", timestamp=str(now), body=body, signature=signature
    )
    old = now - 3600
    stale = webhook_signature(secret=secret, timestamp=old, body=body)
    assert not webhook_signature_valid(secret=secret, timestamp=str(old), body=body, signature=stale)


def test_the_receiver_refuses_a_request_signed_with_another_secret(
    org, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = _endpoint(org, receiver, kinds=["evaluation.decided"])
    receiver.secret = "whsec_not-the-one-the-sender-has"
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_test_send(endpoint=endpoint, user=None)
    delivery.refresh_from_db()
    assert not receiver.received[0].signature_valid
    assert (delivery.status, delivery.last_status_code) == ("pending", 401)


def test_the_secret_never_reaches_the_logs_or_the_task_arguments(
    org, receiver, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 200]
    endpoint, secret = _endpoint(org, receiver, kinds=["evaluation.decided"])
    published = []
    real = webhooks.enqueue
    monkeypatch.setattr(
        webhooks, "enqueue", lambda name, *args: (published.append((name, args)), real(name, *args))
    )
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_test_send(endpoint=endpoint, user=None)
    webhook_deliver(delivery_id=delivery.pk, now=_later(120))
    assert published == [("procurement.tasks.webhook_deliver", (delivery.pk,))]
    assert secret not in caplog.text
    assert len(receiver.received) == 2
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert secret.encode() not in webhook_body(delivery.payload)


def test_deactivating_an_endpoint_stops_its_events(org, receiver, django_capture_on_commit_callbacks):
    endpoint, _ = _endpoint(org, receiver, kinds=["evaluation.decided"])
    webhook_endpoint_update(endpoint=endpoint, user=None, active=False)
    assert webhook_event_emit(organization=org, kind="evaluation.decided", data={}) == []
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).last()
    assert event.summary.startswith("Webhook deactivated")
    assert event.data["fields"] == ["active"]


def test_production_calls_no_host_inside_the_network(
    org, receiver, settings, fast_retries, django_capture_on_commit_callbacks
):
    _endpoint(org, receiver, kinds=["evaluation.decided"])
    settings.WEBHOOK_REFUSE_PRIVATE_ADDRESSES = True
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhook_event_emit(organization=org, kind="evaluation.decided", data={})
    delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.last_error == "Refused: 127.0.0.1 resolves to a non-public address (127.0.0.1)."
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
