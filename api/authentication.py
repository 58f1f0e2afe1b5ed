"""Who is calling: a member with a personal API token, or a vendor contact with an invite token.

    Authorization: Bearer <personal API token>     organization users
    Authorization: Invite <invite token>           vendor contacts (the link's token)

Both set the same request attributes as the web middleware (user, organization, membership), so
the helpers in accounts.access work unchanged. Failed attempts are counted per client address;
past the limit, failures from that address get 429 instead of 401. A valid credential still works:
colleagues behind one hospital address must not be locked out by someone else's broken script.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from accounts import ratelimit
from accounts.client import client_ip
from accounts.services.api_tokens import api_token_resolve
from accounts.services.two_factor import TWO_FACTOR_MISSING_MESSAGE, two_factor_missing
from procurement.services.invites import invite_is_throttled, invite_resolve

FAILURE_SCOPE = "api-auth-failures"


class TwoFactorRequired(exceptions.PermissionDenied):
    default_code = "two_factor_required"


def _credentials(request, keyword: str) -> str | None:
    header = authentication.get_authorization_header(request).decode("latin-1")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != keyword.lower():
        return None
    credentials = credentials.strip()
    if not credentials or " " in credentials:
        raise exceptions.AuthenticationFailed("Malformed Authorization header.")
    return credentials


def _refuse_failure(request, message: str, *, also_limited: bool = False):
    """Counts a failed attempt and raises: 429 once the address is over its limit, 401 before."""
    limit, window = settings.API_AUTH_FAILURE_LIMIT
    identity = client_ip(request) or ""
    if also_limited or ratelimit.is_limited(
        scope=FAILURE_SCOPE, identity=identity, limit=limit, window=window
    ):
        raise exceptions.Throttled(wait=window, detail="Too many failed authentication attempts.")
    ratelimit.count(scope=FAILURE_SCOPE, identity=identity, window=window)
    raise exceptions.AuthenticationFailed(message)


def _put_on_request(request, **attrs) -> None:
    # The DRF request reads missing attributes from the Django request: set them there once.
    for name, value in attrs.items():
        setattr(request._request, name, value)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        secret = _credentials(request, self.keyword)
        if secret is None:
            return None
        resolved = api_token_resolve(secret)
        if resolved is None:
            _refuse_failure(request, "Invalid, expired or revoked token.")
        token, membership = resolved
        # A token must not outlive the second factor its owner's role demands: checked per request
        # against the current roles, so a promotion or a device reset applies to the next call.
        if two_factor_missing(token.user):
            raise TwoFactorRequired(TWO_FACTOR_MISSING_MESSAGE)
        _put_on_request(
            request, organization=membership.organization, membership=membership, memberships=[membership]
        )
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class InviteAuthentication(authentication.BaseAuthentication):
    """The vendor's invite token; it opens exactly the one evaluation it was sent for."""

    keyword = "Invite"

    def authenticate(self, request):
        token = _credentials(request, self.keyword)
        if token is None:
            return None
        # invite_resolve logs the use and counts unknown tokens toward its own guess limit.
        was_throttled = invite_is_throttled(request._request)
        invite = invite_resolve(token, request=request._request)
        if invite is None:
            _refuse_failure(request, "This link is invalid, expired or revoked.", also_limited=was_throttled)
        return AnonymousUser(), invite

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="vendor"'
