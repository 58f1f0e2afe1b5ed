from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization, User
from demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db


def test_login_page_renders_with_the_csrf_token(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert b"Sign in" in response.content


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_every_demo_user_can_sign_in(client):
    """Everyone lands on the dashboard; the administrator first enrols a second factor."""
    call_command("seed_demo")
    for username, *_ in DEMO_USERS:
        response = client.post(
            reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True
        )
        assert response.status_code == 200
        if username == "admin":
            assert response.redirect_chain[-1][0] == reverse("two_factor_setup")
        else:
            assert b"Riverside Health System" in response.content, username
        client.post(reverse("logout"))


def test_seed_demo_twice_creates_no_duplicates():
    call_command("seed_demo")
    counts = (Organization.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Organization.objects.count(), User.objects.count(), Membership.objects.count()) == counts


def test_wrong_password_shows_an_error_and_does_not_sign_in(client, officer):
    response = client.post(reverse("login"), {"username": officer.username, "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_requires_post_and_ends_the_session(officer_client):
    response = officer_client.post(reverse("logout"))
    assert response.status_code == 302
    assert officer_client.get(reverse("dashboard")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, officer):
    response = client.post(reverse("password_reset"), {"email": officer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link[link.index("/accounts/reset/") :]
    form_page = client.get(path, follow=True)
    new_password = "a-much-better-passphrase-2026"
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new_password)


def test_session_expires_after_the_configured_idle_time(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_repeated_failed_sign_ins_lock_the_account_from_that_address(client, officer, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": officer.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_one_password_sprayed_across_usernames_pauses_the_address(client, officer, settings):
    cache.clear()  # the per-address counter lives in the cache, shared with the other sign-in tests
    settings.AXES_ENABLED = True
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = (12, 1800)
    usernames = [f"user{i}" for i in range(12)]
    codes = [
        client.post(reverse("login"), {"username": name, "password": "Winter2026!"}).status_code
        for name in usernames
    ]
    # Each username failed once only, far below the per-username limit: every one got the form back.
    assert codes == [200] * 12
    response = client.post(
        reverse("login"), {"username": officer.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert b"every account from your network address" in response.content
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = Client(REMOTE_ADDR="198.51.100.44")
    response = other.post(
        reverse("login"), {"username": officer.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def test_one_usernames_lockout_keeps_its_own_message(client, officer, settings):
    cache.clear()
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    assert response.status_code == 429
    assert b"paused for this account from this address" in response.content
