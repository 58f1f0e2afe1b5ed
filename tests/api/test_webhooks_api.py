"""The webhooks API: administrators only, scoped to the organization, the secret returned once."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from procurement.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from procurement.services.webhooks import webhook_endpoint_create, webhook_secret
from tests.api.conftest import api_client, token_for
from tests.factories import MembershipFactory
from tests.procurement.webhook_receiver import Receiver

BASE = "/api/v1/webhooks/"


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def test_create_returns_the_secret_once_and_reading_never_does(admin_api, org, receiver):
    response = admin_api.post(
        BASE,
        {"url": receiver.url, "event_kinds": ["evaluation.submitted"], "description": "GRC"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == webhook_secret(endpoint)
    assert body["id"] == str(endpoint.public_id)
    assert body["event_kinds"] == ["evaluation.submitted"]
    assert body["active"] is True
    listed = admin_api.get(BASE).json()
    assert listed["count"] == 1
    assert "secret" not in listed["results"][0]
    assert "secret" not in admin_api.get(f"{BASE}{endpoint.public_id}/").json()
    assert body["secret"] not in admin_api.get(f"{BASE}{endpoint.public_id}/").content.decode()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).count() == 1


def test_bad_input_is_refused_with_the_field_path(admin_api):
    response = admin_api.post(
        BASE, {"url": "ftp://x.example/", "event_kinds": ["evaluation.decided"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "url"
    response = admin_api.post(BASE, {"url": "https://x.example/", "event_kinds": ["nope"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "event_kinds[0]"
    response = admin_api.post(BASE, {"url": "https://x.example/", "event_kinds": []}, format="json")
    assert response.json()["errors"][0]["path"] == "event_kinds"
    assert not WebhookEndpoint.objects.exists()


def test_update_deactivate_rotate_and_delete(admin_api, org):
    endpoint, secret = webhook_endpoint_create(
        organization=org, url="https://a.example/hook", event_kinds=["evaluation.decided"], user=None
    )
    url = f"{BASE}{endpoint.public_id}/"
    response = admin_api.patch(url, {"active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["active"] is False
    endpoint.refresh_from_db()
    assert endpoint.active is False
    response = admin_api.put(
        url,
        {"url": "https://b.example/hook", "event_kinds": ["finding.raised", "evaluation.decided"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["event_kinds"] == ["evaluation.decided", "finding.raised"]
    rotated = admin_api.post(f"{url}rotate-secret/").json()
    endpoint.refresh_from_db()
    assert rotated["secret"] == webhook_secret(endpoint) != secret
    assert admin_api.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()
    changes = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).values_list("data__change", flat=True)
    )
    assert changes == ["created", "updated", "updated", "secret_rotated", "deleted"]


def test_a_test_event_is_delivered_and_listed_with_its_attempts(
    admin_api, org, receiver, django_capture_on_commit_callbacks
):
    endpoint, receiver.secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=["evaluation.decided"], user=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"{BASE}{endpoint.public_id}/test/")
    assert response.status_code == 202
    assert response.json()["kind"] == "webhook.test"
    assert receiver.received[0].signature_valid
    deliveries = admin_api.get(f"{BASE}{endpoint.public_id}/deliveries/").json()
    (delivery,) = deliveries["results"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("succeeded", 1, 200)
    assert delivery["attempt_log"][0]["status_code"] == 200
    assert delivery["payload"]["kind"] == "webhook.test"


def test_only_failed_deliveries_can_be_retried(admin_api, org, receiver, django_capture_on_commit_callbacks):
    endpoint, receiver.secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=["evaluation.decided"], user=None
    )
    delivery = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        kind="webhook.test",
        payload={"kind": "webhook.test"},
        status="failed",
    )
    url = f"{BASE}{endpoint.public_id}/deliveries/{delivery.public_id}/retry/"
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.post(url).status_code == 202
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    response = admin_api.post(url)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_failed"


def test_other_roles_are_refused_and_other_organizations_see_nothing(officer_api, outsider, org, other_org):
    endpoint, _ = webhook_endpoint_create(
        organization=org, url="https://a.example/hook", event_kinds=["evaluation.decided"], user=None
    )
    assert officer_api.get(BASE).status_code == 403
    assert officer_api.post(f"{BASE}{endpoint.public_id}/test/").status_code == 403
    stranger = MembershipFactory(organization=other_org, role=Role.ADMIN).user
    TOTPDevice.objects.create(user=stranger, name="Phone", confirmed=True)
    client = api_client(token_for(stranger))
    assert client.get(BASE).json()["count"] == 0
    assert client.get(f"{BASE}{endpoint.public_id}/").status_code == 404
    assert client.get(f"{BASE}{endpoint.public_id}/deliveries/").status_code == 404
    assert client.delete(f"{BASE}{endpoint.public_id}/").status_code == 404
    assert WebhookEndpoint.objects.count() == 1


def test_the_schema_documents_the_webhook_endpoints(admin_api):
    paths = admin_api.get("/api/schema/?format=json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/webhooks/"])
    assert "post" in paths["/api/v1/webhooks/{id}/test/"]
    assert "post" in paths["/api/v1/webhooks/{id}/rotate-secret/"]
    assert "get" in paths["/api/v1/webhooks/{id}/deliveries/"]
    assert "post" in paths["/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry/"]
