from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _sign_in(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_an_administrator_without_a_device_must_enrol_before_anything_else(org):
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    client = _sign_in(admin)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor_setup")

    page = client.get(reverse("two_factor_setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"token": _code(device)})
    assert response.status_code == 200  # the recovery codes, shown once
    assert b"Save your recovery codes" in response.content
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_enrolment_code_is_refused_and_the_device_stays_unconfirmed(org):
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    client = _sign_in(admin)
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert response.status_code == 200
    assert b"does not match" in response.content
    assert not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_a_user_with_a_device_is_asked_for_a_code_after_the_password(officer):
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client = _sign_in(officer)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_verify"))

    wrong = client.post(reverse("two_factor_verify"), {"token": "123456", "next": "/"})
    assert b"not valid" in wrong.content
    assert client.get(reverse("dashboard")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a failure; let that delay pass
    response = client.post(reverse("two_factor_verify"), {"token": _code(device), "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_other_roles_may_work_without_a_second_factor(officer):
    client = _sign_in(officer)
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_verify_page_ignores_an_offsite_next(officer):
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client = _sign_in(officer)
    response = client.post(
        reverse("two_factor_verify"), {"token": _code(device), "next": "https://evil.example/"}
    )
    assert response.url == reverse("dashboard")


def test_the_verify_page_sends_a_next_that_is_not_a_path_to_the_dashboard(officer):
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client = _sign_in(officer)
    response = client.post(reverse("two_factor_verify"), {"token": _code(device), "next": "logout"})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
