"""An administrator adds a webhook, copies its secret, sends a test event and sees it delivered."""

from __future__ import annotations

import json

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.roles import Role
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import MembershipFactory
from tests.procurement.webhook_receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def _sign_in_with_second_factor(page, user) -> None:
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    sign_in(page, user.username)
    code = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token()
    page.get_by_label("Six-digit code").fill(f"{code:0{device.digits}d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def test_add_an_endpoint_send_a_test_event_and_see_it_delivered(page, org, receiver):
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    _sign_in_with_second_factor(page, admin)
    page.get_by_role("link", name="Webhooks").first.click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("GRC system")
    page.get_by_label("Decision recorded (evaluation.decided)").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")
    receiver.secret = secret  # the receiving system checks every signature with it
    assert_accessible(page, context="webhooks page")

    page.get_by_role("link", name="Open the endpoint to send a test event").click()
    expect(page.get_by_role("heading", name=receiver.url)).to_be_visible()
    assert secret not in page.content()
    page.get_by_role("button", name="Send test event").click()

    row = page.locator("#delivery-log tbody tr").first
    expect(row).to_have_attribute("data-status", "succeeded")
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text("HTTP 200")
    (request,) = receiver.received
    assert request.signature_valid
    assert json.loads(request.body)["kind"] == "webhook.test"
    assert_accessible(page, context="webhook endpoint page")
