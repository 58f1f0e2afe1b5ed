"""Lifecycle events reach subscribed endpoints: model versions, overdue items, expiring evidence."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from procurement.models import Evaluation, ModelVersion, RemediationItem
from procurement.services.evidence_expiry import evidence_expiry_reminders_send
from procurement.services.reassessment import model_version_report
from procurement.services.remediation import remediation_send_reminders
from procurement.services.webhooks import webhook_endpoint_create
from tests.factories import EvaluationFactory, EvidenceFileFactory, InviteFactory
from tests.procurement.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db
S, D = Evaluation.Status, Evaluation.Decision


@pytest.fixture
def receiver(org):
    server = Receiver().start()
    _endpoint, server.secret = webhook_endpoint_create(
        organization=org,
        url=server.url,
        event_kinds=["model_version.reported", "remediation.overdue", "evidence.expiring"],
        user=None,
    )
    yield server
    server.stop()


def _payloads(receiver) -> list[dict]:
    assert all(r.signature_valid for r in receiver.received)
    return [json.loads(r.body) for r in receiver.received]


def _approved(org, officer) -> Evaluation:
    return EvaluationFactory(
        organization=org,
        owner=officer,
        status=S.DECIDED,
        decision=D.APPROVED,
        decided_at=timezone.now() - datetime.timedelta(days=30),
    )


def test_a_reported_model_version_is_sent(org, officer, receiver, django_capture_on_commit_callbacks):
    evaluation = _approved(org, officer)
    with django_capture_on_commit_callbacks(execute=True):
        model_version_report(
            product=evaluation.product, version="4.0", within_pccp=ModelVersion.Pccp.NO, user=officer
        )
    (payload,) = _payloads(receiver)
    assert payload["kind"] == "model_version.reported"
    assert payload["data"]["product"]["id"] == str(evaluation.product.public_id)
    assert payload["data"]["model_version"]["version"] == "4.0"
    assert payload["data"]["model_version"]["within_pccp"] == "no"


def test_an_overdue_remediation_item_is_sent_once(org, officer, receiver, django_capture_on_commit_callbacks):
    evaluation = _approved(org, officer)
    item = RemediationItem.objects.create(
        organization=org,
        evaluation=evaluation,
        product=evaluation.product,
        source="finding",
        finding_code="baa.breach_notice",
        title="Breach notice beyond 60 days",
        side="buyer",
        owner=officer,
        due_date=datetime.date(2030, 3, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        remediation_send_reminders(today=datetime.date(2030, 3, 2))
        remediation_send_reminders(today=datetime.date(2030, 3, 2))
    (payload,) = _payloads(receiver)
    assert payload["kind"] == "remediation.overdue"
    assert payload["data"]["item"]["id"] == str(item.public_id)
    assert payload["data"]["evaluation"]["id"] == str(evaluation.public_id)


def test_an_expiring_document_is_sent_once_per_threshold(
    org, officer, receiver, django_capture_on_commit_callbacks
):
    evaluation = _approved(org, officer)
    InviteFactory(evaluation=evaluation, contact__email="vendor@acme.example")
    today = datetime.date(2030, 3, 10)
    evidence = EvidenceFileFactory(evaluation=evaluation, expires_on=today + datetime.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        evidence_expiry_reminders_send(today=today)
        evidence_expiry_reminders_send(today=today)
    (payload,) = _payloads(receiver)
    assert payload["kind"] == "evidence.expiring"
    assert payload["data"]["evidence"]["id"] == str(evidence.public_id)
    assert payload["data"]["evidence"]["expires_on"] == evidence.expires_on.isoformat()
