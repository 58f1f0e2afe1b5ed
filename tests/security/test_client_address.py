"""The client address behind the TLS proxy: X-Forwarded-For is believed for trusted proxies only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.client import client_ip
from procurement.models import AuditEvent, InviteUse
from procurement.services.invites import INVITE_GUESS_LIMIT, invite_resolve
from tests.api.conftest import api_client
from tests.factories import InviteFactory

PROXY = "10.0.0.5"
ALICE = "203.0.113.10"
BOB = "198.51.100.20"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, f"{ALICE}", PROXY),  # no proxy configured: a client-sent header is ignored
        (1, f"{ALICE}", ALICE),
        (1, f"6.6.6.6, {ALICE}", ALICE),  # the spoofed left-hand entry is not believed
        (2, f"{ALICE}, 10.0.0.9", ALICE),
        (2, f"{ALICE}", PROXY),  # too short for two proxies: the request went around them
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, f"{ALICE},", PROXY),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip_takes_the_entry_the_trusted_proxies_appended(rf, settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def _behind_proxy(rf, client_address, path="/v/x/"):
    return rf.get(path, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def test_two_vendors_behind_one_proxy_have_separate_invite_guess_limits(rf, settings, db):
    settings.TRUSTED_PROXY_COUNT = 1
    invite = InviteFactory()
    for i in range(INVITE_GUESS_LIMIT):
        invite_resolve(f"guess-{i}", request=_behind_proxy(rf, ALICE))
    # Alice is over the limit; Bob, behind the same proxy, opens his link and the audit row names him.
    assert invite_resolve(invite.token, request=_behind_proxy(rf, BOB)) == invite
    assert InviteUse.objects.get(invite=invite).ip_address == BOB
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.INVITE_USED).ip_address == BOB


def test_without_trusted_proxies_a_spoofed_header_does_not_escape_the_limit(settings, officer):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.API_AUTH_FAILURE_LIMIT = (3, 900)
    for i in range(3):
        api_client(f"dd_wrong{i}").get("/api/v1/me/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    response = api_client("dd_wrong").get("/api/v1/me/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=BOB)
    assert response.status_code == 429


def test_two_clients_behind_one_proxy_have_separate_api_failure_limits(settings, officer):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.API_AUTH_FAILURE_LIMIT = (3, 900)
    for _ in range(3):
        api_client("dd_wrong").get("/api/v1/me/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE)
    alice = api_client("dd_wrong").get("/api/v1/me/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE)
    bob = api_client("dd_wrong").get("/api/v1/me/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=BOB)
    assert (alice.status_code, bob.status_code) == (429, 401)


def _sign_in(username, password, address):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


def test_a_lockout_behind_the_proxy_locks_the_attacker_only(settings, officer):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(officer.username, "wrong", ALICE)
    assert _sign_in(officer.username, "correct-horse-battery", ALICE).status_code == 429
    response = _sign_in(officer.username, "correct-horse-battery", BOB)
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_without_trusted_proxies_axes_ignores_the_header(settings, officer):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 0
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(officer.username, "wrong", ALICE)
    assert _sign_in(officer.username, "correct-horse-battery", BOB).status_code == 429
