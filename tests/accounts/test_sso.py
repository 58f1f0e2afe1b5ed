"""Single sign-on with OpenID Connect against a real provider (oidc-provider under Node.js)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY

from accounts import secret_box
from accounts.middleware import SESSION_KEY as ORG_SESSION_KEY
from accounts.models import AccountEvent, IdentityProvider, Membership, User
from accounts.roles import Role
from accounts.services.sso import PENDING_SESSION_KEY
from tests.conftest import free_port
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/sso/callback/"


def _provider(org, oidc_provider, *, client_id=None, issuer=None, role=Role.OFFICER):
    return IdentityProvider.objects.create(
        organization=org,
        issuer=issuer or oidc_provider.issuer,
        client_id=client_id or oidc_provider.client_id,
        client_secret_encrypted=secret_box.encrypt(oidc_provider.client_secret),
        allowed_domains=["riverside.org"],
        new_member_role=role,
        enabled=True,
    )


def _begin(client, identifier="ana@riverside.org"):
    response = client.post("/accounts/sso/", {"identifier": identifier})
    assert response.status_code == 200
    return response


def _sign_in(client, oidc_provider, *, login="ana@riverside.org", identifier="ana@riverside.org"):
    authorization_url = _begin(client, identifier).context["authorization_url"]
    back = oidc_provider.sign_in(authorization_url, login=login, stop_at=CALLBACK)
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def _refused(response, text):
    assert response.status_code == 403
    assert USER_SESSION_KEY not in response.client.session
    assert text in response.content.decode()


def test_a_new_person_signs_in_and_joins_with_the_configured_role(client, org, oidc_provider):
    _provider(org, oidc_provider, role=Role.OFFICER)
    begin = _begin(client)
    url = begin.context["authorization_url"]
    assert url.startswith(f"{oidc_provider.issuer}/auth?")
    for part in ("code_challenge_method=S256", "state=", "nonce=", "login_hint=ana%40riverside.org"):
        assert part in url
    # The hand-over page navigates itself (the sign-in form may only post to this site).
    assert 'http-equiv="refresh"' in begin.content.decode()

    back = oidc_provider.sign_in(url, login="ana@riverside.org", stop_at=CALLBACK)
    response = client.get(back.removeprefix("http://testserver"))

    assert response.status_code == 302
    assert response.url == "/"
    user = User.objects.get(email="ana@riverside.org")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (org, Role.OFFICER)
    assert client.session[USER_SESSION_KEY] == str(user.pk)
    assert client.session[ORG_SESSION_KEY] == str(org.public_id)
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.SSO_MEMBER_JOINED)
    assert (event.organization, event.subject) == (org, user)
    assert "as procurement officer" in event.detail
    assert client.get("/").status_code == 200


def test_an_existing_member_keeps_their_role_and_no_event_is_added(client, org, oidc_provider):
    _provider(org, oidc_provider, role=Role.OFFICER)
    user = UserFactory(email="Ana@Riverside.org")
    MembershipFactory(organization=org, user=user, role=Role.REVIEWER)
    response = _sign_in(client, oidc_provider, identifier=org.slug)
    assert response.status_code == 302
    assert client.session[USER_SESSION_KEY] == str(user.pk)
    assert Membership.objects.get(user=user).role == Role.REVIEWER
    assert not AccountEvent.objects.exists()


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("wrong-audience", "meant for another application"),
        ("expired", "has expired"),
        ("bad-signature", "not signed by your organization"),
    ],
)
def test_id_tokens_the_provider_should_not_have_given_are_refused(
    client, org, oidc_provider, suffix, message
):
    _provider(org, oidc_provider, client_id=f"{oidc_provider.client_id}-{suffix}")
    _refused(_sign_in(client, oidc_provider), message)
    assert not User.objects.filter(email="ana@riverside.org").exists()


def test_a_foreign_email_domain_is_refused(client, org, oidc_provider):
    _provider(org, oidc_provider)
    response = _sign_in(client, oidc_provider, login="mallory@elsewhere.example")
    _refused(response, "mallory@elsewhere.example is not in a domain that Riverside Health accepts")
    assert not User.objects.filter(email="mallory@elsewhere.example").exists()


def test_an_address_the_provider_has_not_verified_is_refused(client, org, oidc_provider):
    _provider(org, oidc_provider)
    _refused(_sign_in(client, oidc_provider, login="unverified.ana@riverside.org"), "has not verified")


def test_a_nonce_other_than_the_one_sent_is_refused(client, org, oidc_provider):
    _provider(org, oidc_provider)
    url = _begin(client).context["authorization_url"]
    session = client.session
    pending = session[PENDING_SESSION_KEY]
    for entry in pending.values():
        entry["nonce"] = "another-nonce"
    session[PENDING_SESSION_KEY] = pending
    session.save()
    back = oidc_provider.sign_in(url, login="ana@riverside.org", stop_at=CALLBACK)
    _refused(client.get(back.removeprefix("http://testserver")), "does not belong to the sign-in you started")


def test_an_answer_with_another_state_is_refused_and_cannot_be_replayed(client, org, oidc_provider):
    _provider(org, oidc_provider)
    url = _begin(client).context["authorization_url"]
    back = oidc_provider.sign_in(url, login="ana@riverside.org", stop_at=CALLBACK).removeprefix(
        "http://testserver"
    )
    _refused(
        client.get(back.replace("state=", "state=x")), "does not match a sign-in started in this browser"
    )
    # The forged state matched nothing; the real answer is accepted once, and never again.
    assert client.get(back).status_code == 302
    client.logout()
    _refused(client.get(back), "does not match a sign-in started in this browser")


def test_an_unreachable_provider_is_reported_on_the_form(client, org, oidc_provider):
    _provider(org, oidc_provider, issuer=f"http://127.0.0.1:{free_port()}")
    response = client.post("/accounts/sso/", {"identifier": "ana@riverside.org"})
    assert response.status_code == 200
    assert "could not be reached" in response.context["form"].errors["identifier"][0]


def test_an_address_of_no_organization_is_told_to_use_the_password(client, org, oidc_provider):
    _provider(org, oidc_provider)
    response = client.post("/accounts/sso/", {"identifier": "someone@nowhere.example"})
    assert "No organization signs in with single sign-on" in response.context["form"].errors["identifier"][0]


def test_the_provider_s_own_error_is_shown(client, org, oidc_provider):
    _provider(org, oidc_provider)
    _begin(client)
    state = next(iter(client.session[PENDING_SESSION_KEY]))
    response = client.get(f"/accounts/sso/callback/?state={state}&error=access_denied&error_description=Nope")
    _refused(response, "did not sign you in: Nope")


def test_members_of_an_sso_organization_cannot_use_a_password_but_admins_can(
    client, org, oidc_provider, admin_user
):
    _provider(org, oidc_provider)
    reviewer = MembershipFactory(organization=org, role=Role.REVIEWER).user
    response = client.post(
        "/accounts/login/", {"username": reviewer.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert "Riverside Health signs its members in through its identity provider" in response.content.decode()
    assert USER_SESSION_KEY not in client.session

    response = client.post(
        "/accounts/login/", {"username": admin_user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.session[USER_SESSION_KEY] == str(admin_user.pk)
    # The administrator's second factor still comes next.
    assert client.get("/").url.startswith("/accounts/two-factor/verify/")


def test_a_disabled_provider_lets_members_use_their_password(client, org, oidc_provider):
    _provider(org, oidc_provider)
    IdentityProvider.objects.update(enabled=False)
    reviewer = MembershipFactory(organization=org, role=Role.REVIEWER).user
    response = client.post(
        "/accounts/login/", {"username": reviewer.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def test_sso_sign_in_with_the_lockout_protections_on(client, org, oidc_provider, settings):
    settings.AXES_ENABLED = True
    _provider(org, oidc_provider)
    assert _sign_in(client, oidc_provider).status_code == 302


def test_the_callback_s_code_and_state_stay_out_of_the_logs():
    from config.log_filters import redact_secrets

    line = "GET /accounts/sso/callback/?code=z4cKNUs3t38s&state=ClfriwXu32vL&iss=http%3A%2F%2Fidp"
    expected = "GET /accounts/sso/callback/?code=<token>&state=<token>&iss=http%3A%2F%2Fidp"
    assert redact_secrets(line) == expected


def test_a_provider_that_stops_answering_before_the_callback_is_reported(client, org, oidc_provider):
    _provider(org, oidc_provider)
    _begin(client)
    state = next(iter(client.session[PENDING_SESSION_KEY]))
    IdentityProvider.objects.update(issuer=f"http://127.0.0.1:{free_port()}")
    _refused(client.get(f"/accounts/sso/callback/?state={state}&code=abc"), "could not be reached")


def test_an_account_of_another_organization_is_not_signed_in_by_this_provider(
    client, org, other_org, oidc_provider
):
    _provider(org, oidc_provider)
    MembershipFactory(organization=other_org, user=UserFactory(email="ana@riverside.org"), role=Role.ADMIN)
    _refused(_sign_in(client, oidc_provider), "also belongs to another organization")
    assert not Membership.objects.filter(organization=org).exists()
