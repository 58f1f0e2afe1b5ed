"""Single sign-on in Chromium, against a real OpenID provider started for the test."""

from __future__ import annotations

import pytest

from accounts import secret_box
from accounts.models import IdentityProvider, Membership
from accounts.roles import Role
from tests.e2e.conftest import assert_accessible
from tests.oidc_provider import OidcProviderServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_oidc_provider(live_server):
    server = OidcProviderServer(redirect_uris=[f"{live_server.url}/accounts/sso/callback/"])
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_new_member_signs_in_through_the_organization_s_provider(page, org, browser_oidc_provider):
    IdentityProvider.objects.create(
        organization=org,
        issuer=browser_oidc_provider.issuer,
        client_id=browser_oidc_provider.client_id,
        client_secret_encrypted=secret_box.encrypt(browser_oidc_provider.client_secret),
        allowed_domains=["riverside.org"],
        new_member_role=Role.COMPLIANCE,
        enabled=True,
    )
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with your organization").click()
    assert_accessible(page, context="single sign-on start")
    page.get_by_label("Your work e-mail address").fill("ana.lopez@riverside.org")
    page.get_by_role("button", name="Continue").click()

    # The provider's own login screen (oidc-provider's development interaction).
    page.wait_for_url(f"{browser_oidc_provider.issuer}/**")
    assert page.locator("input[name=login]").input_value() == "ana.lopez@riverside.org"
    page.locator("input[name=password]").fill("whatever the provider checks")
    page.get_by_role("button", name="Sign-in").click()

    page.get_by_role("heading", name=org.name).wait_for()
    assert page.url.endswith("/")
    assert page.get_by_text("Signed in through Riverside Health as compliance lead").is_visible()
    membership = Membership.objects.get(user__email="ana.lopez@riverside.org")
    assert (membership.organization, membership.role) == (org, Role.COMPLIANCE)
