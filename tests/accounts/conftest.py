from __future__ import annotations

import pytest

from tests.oidc_provider import OidcProviderServer


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID provider for the Django test client (redirect URI on http://testserver)."""
    server = OidcProviderServer(redirect_uris=["http://testserver/accounts/sso/callback/"])
    server.start()
    try:
        yield server
    finally:
        server.stop()
