"""Request rates per caller, counted in the cache (shared by all web processes in production)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.client import client_ip
from accounts.models import ApiToken
from accounts.ratelimit import CACHE_ERRORS, log_cache_unavailable


class _SettingsRateThrottle(SimpleRateThrottle):
    # Read at request time (not import time) so that settings can change per deployment and test.
    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)

    # Fails open like the other limits: with the cache away the API keeps answering, uncounted.
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            log_cache_unavailable(f"API request ({self.scope})", exc)
            return True


class VendorIpThrottle(_SettingsRateThrottle):
    """Invite-token endpoints, per client address: the token is a bearer secret in a vendor's inbox."""

    scope = "vendor"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class ApiTokenThrottle(_SettingsRateThrottle):
    """Organization endpoints, per token."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return self.cache_format % {"scope": self.scope, "ident": f"ip-{client_ip(request) or 'unknown'}"}
