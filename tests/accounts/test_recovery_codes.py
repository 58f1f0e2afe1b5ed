"""Recovery codes instead of the authenticator app, and an administrator's reset of a second factor."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent, RecoveryCode
from accounts.roles import Role
from accounts.services.two_factor import recovery_code_hash, recovery_codes_generate
from tests.accounts.test_two_factor import PASSWORD, _code, _sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
CODE = re.compile(rb"<li class=\"col user-select-all\">([a-z0-9]{5}-[a-z0-9]{5})</li>")


def _enrol(user) -> tuple[Client, list[str]]:
    client = _sign_in(user)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"token": _code(device)})
    assert response.status_code == 200
    return client, [c.decode() for c in CODE.findall(response.content)]


def test_enrolment_shows_ten_codes_once_and_stores_only_their_hashes(org):
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    _, codes = _enrol(admin)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=admin).values_list("code_hash", flat=True))
    assert sorted(stored) == sorted(recovery_code_hash(c) for c in codes)
    dump = str(list(RecoveryCode.objects.filter(user=admin).values()))
    assert not any(c in dump or c.replace("-", "") in dump for c in codes)


def test_a_recovery_code_signs_in_once_and_a_wrong_one_is_refused(officer):
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    codes = recovery_codes_generate(user=officer, request=None)

    client = _sign_in(officer)
    wrong = client.post(reverse("two_factor_verify"), {"token": "abcde-fghjk", "next": "/"})
    assert wrong.status_code == 200
    assert b"not valid" in wrong.content
    assert client.get(reverse("dashboard")).status_code == 302

    # Typed in capitals and without the hyphen, as people do.
    response = client.post(
        reverse("two_factor_verify"), {"token": codes[3].replace("-", "").upper(), "next": "/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert RecoveryCode.objects.filter(user=officer, used_at__isnull=True).count() == 9
    assert (
        AccountEvent.objects.filter(kind=AccountEvent.Kind.RECOVERY_CODE_USED, subject=officer).count() == 1
    )

    again = Client()
    again.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    reused = again.post(reverse("two_factor_verify"), {"token": codes[3], "next": "/"})
    assert reused.status_code == 200
    assert b"not valid" in reused.content
    assert again.get(reverse("dashboard")).status_code == 302


def test_new_codes_replace_the_old_ones(officer):
    client, codes = _enrol(officer)
    status = client.get(reverse("two_factor_recovery_codes"))
    assert b"<strong>10</strong> unused recovery codes" in status.content

    response = client.post(reverse("two_factor_recovery_codes_regenerate"))
    new_codes = [c.decode() for c in CODE.findall(response.content)]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(codes)
    assert RecoveryCode.objects.filter(user=officer, code_hash=recovery_code_hash(codes[0])).count() == 0
    assert RecoveryCode.objects.filter(user=officer).count() == 10


def test_the_codes_page_needs_a_verified_session(officer):
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client = _sign_in(officer)
    response = client.get(reverse("two_factor_recovery_codes"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_verify"))
    response = client.post(reverse("two_factor_recovery_codes_regenerate"))
    assert response.status_code == 302
    assert not RecoveryCode.objects.filter(user=officer).exists()


def test_an_administrator_resets_a_members_second_factor(admin_client_org, admin_user, officer, org):
    member_client, _ = _enrol(officer)
    assert member_client.get(reverse("dashboard")).status_code == 200
    page = admin_client_org.get(reverse("member_list"))
    assert reverse("member_two_factor_reset", args=[officer.username]).encode() in page.content

    response = admin_client_org.post(
        reverse("member_two_factor_reset", args=[officer.username]), REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not RecoveryCode.objects.filter(user=officer).exists()
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.TWO_FACTOR_RESET)
    assert (event.organization, event.actor, event.subject, event.ip_address) == (
        org,
        admin_user,
        officer,
        "203.0.113.9",
    )
    # The member's open session is no longer verified, and an officer (whose role does not require
    # two-factor) must enrol again all the same.
    assert member_client.get(reverse("dashboard")).url == reverse("two_factor_setup")
    fresh = _sign_in(officer)
    assert fresh.get(reverse("dashboard")).url == reverse("two_factor_setup")
    _enrol(officer)
    officer.refresh_from_db()
    assert officer.two_factor_enrolment_required is False


def test_only_administrators_may_reset_a_second_factor(officer_client, compliance_lead):
    TOTPDevice.objects.create(user=compliance_lead, name="phone", confirmed=True)
    response = officer_client.post(reverse("member_two_factor_reset", args=[compliance_lead.username]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=compliance_lead).exists()
    assert not AccountEvent.objects.exists()


def test_a_member_of_another_organization_is_not_found(admin_client_org, outsider):
    TOTPDevice.objects.create(user=outsider, name="phone", confirmed=True)
    response = admin_client_org.post(reverse("member_two_factor_reset", args=[outsider.username]))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=outsider).exists()
    assert not AccountEvent.objects.exists()


def test_an_administrator_cannot_reset_their_own_second_factor(admin_client_org, admin_user):
    response = admin_client_org.post(
        reverse("member_two_factor_reset", args=[admin_user.username]), follow=True
    )
    assert b"Use the two-factor page" in response.content
    assert TOTPDevice.objects.filter(user=admin_user).exists()
