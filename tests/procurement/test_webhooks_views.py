"""The webhooks pages: administrators only, the secret shown once, test events and the delivery log."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from procurement.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from procurement.services.webhooks import webhook_endpoint_create, webhook_secret
from tests.factories import MembershipFactory
from tests.procurement.webhook_receiver import Receiver

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def _form(url, *kinds, active=True):
    data = {"url": url, "description": "GRC sync", "event_kinds": list(kinds)}
    if active:
        data["active"] = "on"
    return data


def test_only_administrators_manage_webhooks(org, officer_client, compliance_client, reviewer_client):
    for client in (officer_client, compliance_client, reviewer_client):
        assert client.get(reverse("webhook_list")).status_code == 403
        assert (
            client.post(
                reverse("webhook_list"), _form("https://a.example/", "evaluation.decided")
            ).status_code
            == 403
        )
    assert not WebhookEndpoint.objects.exists()


def test_the_secret_is_shown_once_on_creation_and_never_on_the_endpoint_page(
    org, admin_client_org, admin_user, receiver
):
    response = admin_client_org.post(
        reverse("webhook_list"), _form(receiver.url, "evaluation.submitted", "finding.raised")
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    secret = webhook_secret(endpoint)
    body = response.content.decode()
    assert secret in body
    assert "will not be shown again" in body
    assert endpoint.event_kinds == ["evaluation.submitted", "finding.raised"]
    assert endpoint.created_by == admin_user
    assert (
        AuditEvent.objects.get(kind=AuditEvent.Kind.WEBHOOK_CHANGED).summary
        == f"Webhook added: {receiver.url}"
    )

    assert secret not in admin_client_org.get(reverse("webhook_list")).content.decode()
    detail = admin_client_org.get(reverse("webhook_detail", args=[endpoint.public_id])).content.decode()
    assert secret not in detail
    assert endpoint.secret_prefix in detail

    rotated = admin_client_org.post(reverse("webhook_rotate", args=[endpoint.public_id])).content.decode()
    endpoint.refresh_from_db()
    assert webhook_secret(endpoint) in rotated
    assert secret not in rotated


def test_a_bad_url_is_explained_next_to_the_field(org, admin_client_org):
    response = admin_client_org.post(
        reverse("webhook_list"), _form("http://example.org/hook", "evaluation.decided")
    )
    assert response.status_code == 200
    assert "Use an https address" in response.context["form"].errors["url"][0]
    response = admin_client_org.post(reverse("webhook_list"), _form("https://example.org/hook"))
    assert "event_kinds" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_shows_the_delivery_in_the_log(
    org, admin_client_org, receiver, django_capture_on_commit_callbacks
):
    endpoint, receiver.secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=["evaluation.decided"], user=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_org.post(reverse("webhook_test", args=[endpoint.public_id]), **HTMX)
    assert response.status_code == 200
    (request,) = receiver.received
    assert request.signature_valid
    assert request.headers["x-webhook-event"] == "webhook.test"
    # The partial was rendered before the commit; the refreshed log shows the outcome.
    log = admin_client_org.post(reverse("webhook_log", args=[endpoint.public_id]), **HTMX).content.decode()
    delivery = WebhookDelivery.objects.get()
    assert f'id="delivery-{delivery.public_id}" data-status="succeeded"' in log
    assert "HTTP 200" in log


def test_a_failed_delivery_can_be_retried_from_the_log(
    org, admin_client_org, receiver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_RETRY_DELAYS = []  # one attempt, then failed
    receiver.statuses = [503, 200]
    endpoint, receiver.secret = webhook_endpoint_create(
        organization=org, url=receiver.url, event_kinds=["evaluation.decided"], user=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_org.post(reverse("webhook_test", args=[endpoint.public_id]))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    page = admin_client_org.get(reverse("webhook_detail", args=[endpoint.public_id])).content.decode()
    assert "Retry now" in page
    assert "HTTP 503" in page
    assert "boom: receiver failed" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_org.post(
            reverse("webhook_delivery_retry", args=[endpoint.public_id, delivery.public_id]), **HTMX
        )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_editing_deactivating_and_deleting(org, admin_client_org):
    endpoint, _ = webhook_endpoint_create(
        organization=org, url="https://a.example/hook", event_kinds=["evaluation.decided"], user=None
    )
    url = reverse("webhook_detail", args=[endpoint.public_id])
    response = admin_client_org.post(
        url, _form("https://b.example/hook", "evaluation.submitted", active=False)
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_kinds, endpoint.active) == (
        "https://b.example/hook",
        ["evaluation.submitted"],
        False,
    )
    response = admin_client_org.post(url, _form("ftp://b.example/hook", "evaluation.submitted"))
    assert response.status_code == 400
    assert "full http or https" in response.context["form"].errors["url"][0]
    assert admin_client_org.post(reverse("webhook_delete", args=[endpoint.public_id])).status_code == 302
    assert not WebhookEndpoint.objects.exists()
    changes = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).values_list("data__change", flat=True)
    )
    assert changes == ["created", "updated", "deleted"]


def test_another_organizations_webhooks_are_not_found(org, other_org, client_for):
    endpoint, _ = webhook_endpoint_create(
        organization=org, url="https://a.example/hook", event_kinds=["evaluation.decided"], user=None
    )
    admin = MembershipFactory(organization=other_org, role=Role.ADMIN).user
    TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
    client = client_for(admin)
    for name in ("webhook_detail", "webhook_rotate", "webhook_test", "webhook_delete"):
        method = client.get if name == "webhook_detail" else client.post
        assert method(reverse(name, args=[endpoint.public_id])).status_code == 404, name
    assert "a.example" not in client.get(reverse("webhook_list")).content.decode()


def test_the_list_counts_pending_and_failed_deliveries_in_a_fixed_number_of_queries(
    org, admin_client_org, django_assert_max_num_queries
):
    for i in range(5):
        endpoint, _ = webhook_endpoint_create(
            organization=org, url=f"https://h{i}.example/", event_kinds=["evaluation.decided"], user=None
        )
        WebhookDelivery.objects.create(
            organization=org, endpoint=endpoint, kind="webhook.test", payload={}, status="failed"
        )
    with django_assert_max_num_queries(12):
        response = admin_client_org.get(reverse("webhook_list"))
    assert response.content.decode().count("https://h") == 5
    assert [e.failed_count for e in response.context["endpoints"]] == [1] * 5
