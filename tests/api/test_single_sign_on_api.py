"""Single sign-on settings over the API: administrators only, the secret never returned."""

from __future__ import annotations

import pytest

from accounts import secret_box
from accounts.models import IdentityProvider

pytestmark = pytest.mark.django_db
URL = "/api/v1/organization/single-sign-on/"


def test_an_administrator_sets_the_provider_and_never_reads_the_secret_back(admin_api, org, settings):
    settings.SSO_ALLOW_HTTP_ISSUERS = False
    body = {
        "enabled": False,
        "issuer": "https://login.riverside.example/",
        "client_id": "due-diligence",
        "client_secret": "s3cret-value",
        "allowed_domains": ["Riverside.org", "@riverside-health.org"],
        "new_member_role": "officer",
    }
    response = admin_api.put(URL, body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert "client_secret" not in data
    assert data["has_client_secret"] is True
    assert data["allowed_domains"] == ["riverside.org", "riverside-health.org"]
    assert data["redirect_uri"].endswith("/accounts/sso/callback/")
    provider = IdentityProvider.objects.get(organization=org)
    assert secret_box.decrypt(provider.client_secret_encrypted) == "s3cret-value"
    assert "s3cret-value" not in admin_api.get(URL).content.decode()


def test_bad_settings_answer_with_the_fields_path(admin_api, settings):
    settings.SSO_ALLOW_HTTP_ISSUERS = False
    response = admin_api.put(
        URL,
        {
            "enabled": True,
            "issuer": "http://login.example/",
            "client_id": "x",
            "allowed_domains": ["not a domain"],
            "new_member_role": "reviewer",
        },
        format="json",
    )
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"allowed_domains", "client_secret", "issuer"} <= paths
    assert not IdentityProvider.objects.exists()


def test_only_administrators(officer_api):
    assert officer_api.get(URL).status_code == 403
    assert officer_api.put(URL, {}, format="json").status_code == 403
