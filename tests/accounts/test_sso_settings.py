"""The administrators' single sign-on settings page."""

from __future__ import annotations

import pytest

from accounts import secret_box
from accounts.models import AccountEvent, IdentityProvider
from accounts.roles import Role
from tests.conftest import free_port
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/organization/single-sign-on/"


def _data(oidc_provider, **overrides):
    return {
        "enabled": "on",
        "issuer": oidc_provider.issuer,
        "client_id": "due-diligence",
        "client_secret": "s3cret-from-the-idp",
        "allowed_domains": "Riverside.org, @riverside-health.org riverside.org",
        "new_member_role": Role.COMPLIANCE,
        **overrides,
    }


def test_an_admin_configures_the_provider_and_the_change_is_recorded(admin_client_org, org, oidc_provider):
    page = admin_client_org.get(URL)
    assert page.status_code == 200
    assert "http://testserver/accounts/sso/callback/" in page.content.decode()

    response = admin_client_org.post(URL, _data(oidc_provider))
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organization=org)
    assert provider.enabled
    assert provider.allowed_domains == ["riverside.org", "riverside-health.org"]
    assert provider.new_member_role == Role.COMPLIANCE
    assert "s3cret" not in provider.client_secret_encrypted
    assert secret_box.decrypt(provider.client_secret_encrypted) == "s3cret-from-the-idp"
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.SSO_SETTINGS_CHANGED)
    assert event.organization == org
    assert "client secret replaced" in event.detail
    assert "s3cret" not in event.detail

    # Saving again without a secret keeps the stored one.
    stored = provider.client_secret_encrypted
    assert admin_client_org.post(URL, _data(oidc_provider, client_secret="", enabled="")).status_code == 302
    provider.refresh_from_db()
    assert provider.client_secret_encrypted == stored
    assert not provider.enabled
    assert "s3cret" not in admin_client_org.get(URL).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"allowed_domains": "not a domain!"}, "allowed_domains", "Not a domain name"),
        ({"allowed_domains": ""}, "allowed_domains", "Name at least one e-mail domain"),
        ({"client_secret": ""}, "client_secret", "Enter the client secret"),
        ({"issuer": "http://127.0.0.1:1"}, "issuer", "No OpenID Connect discovery document"),
    ],
)
def test_bad_settings_are_reported_next_to_the_field(
    admin_client_org, oidc_provider, overrides, field, message
):
    if "issuer" in overrides:
        overrides["issuer"] = f"http://127.0.0.1:{free_port()}"
    response = admin_client_org.post(URL, _data(oidc_provider, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not IdentityProvider.objects.exists()


def test_a_domain_of_another_organization_cannot_be_claimed(admin_client_org, oidc_provider):
    IdentityProvider.objects.create(
        organization=OrganizationFactory(),
        issuer=oidc_provider.issuer,
        client_id="x",
        client_secret_encrypted=secret_box.encrypt("x"),
        allowed_domains=["riverside.org"],
    )
    response = admin_client_org.post(URL, _data(oidc_provider))
    assert "Already used by another organization" in response.context["form"].errors["allowed_domains"][0]


def test_http_issuers_are_refused_where_not_allowed(admin_client_org, oidc_provider, settings):
    settings.SSO_ALLOW_HTTP_ISSUERS = False
    response = admin_client_org.post(URL, _data(oidc_provider))
    assert "must start with https://" in response.context["form"].errors["issuer"][0]


def test_only_administrators_reach_the_page(officer_client, client):
    assert officer_client.get(URL).status_code == 403
    assert client.get(URL).status_code == 302


def test_a_changed_key_makes_the_stored_secret_unreadable_not_a_crash(settings):
    token = secret_box.encrypt("value")
    settings.SSO_ENCRYPTION_KEY = "another key"
    assert secret_box.decrypt(token) is None
