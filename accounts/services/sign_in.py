"""Failed sign-ins counted per client address, across usernames.

django-axes locks one username from one address (AXES_LOCKOUT_PARAMETERS), which keeps that
message precise for a person who mistyped their password, but lets one address try a common
password against every username (password spraying). This counter pauses the address itself, at a
higher limit, so a hospital's shared NAT address is not locked by a few colleagues' typos.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from accounts import ratelimit
from accounts.client import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest

SCOPE = "sign-in-address-failures"


def _identity(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def sign_in_address_is_paused(*, request: HttpRequest) -> bool:
    # The same switch as the per-username lockout: test and development settings turn both off.
    if not settings.AXES_ENABLED:
        return False
    limit, window = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    return ratelimit.is_limited(scope=SCOPE, identity=_identity(request), limit=limit, window=window)


def sign_in_failure_record(*, request: HttpRequest) -> int:
    if not settings.AXES_ENABLED:
        return 0
    _, window = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    return ratelimit.count(scope=SCOPE, identity=_identity(request), window=window)
