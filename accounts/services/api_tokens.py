"""Personal API tokens: created and revoked by their owner, resolved on every API request."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AccountEvent, ApiToken, Membership, Organization, User
from accounts.roles import Perm, role_has_perm
from accounts.services.two_factor import TWO_FACTOR_MISSING_MESSAGE, two_factor_missing

if TYPE_CHECKING:
    from django.db.models import QuerySet

# A recognisable prefix lets secret scanners (and people) tell what leaked.
TOKEN_PREFIX = "dd_"
MAX_TOKEN_LENGTH = 100
# Who minted or revoked which token, and where: the page, the API or a management command.
audit_log = structlog.get_logger("accounts.audit")
# last_used_at is informative only; writing it on every request would turn reads into writes.
LAST_USED_PRECISION = datetime.timedelta(minutes=5)


def api_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _record_account_event(*, kind: str, user: User, organization: Organization, detail: str) -> None:
    label = (user.get_full_name() or user.get_username())[:200]
    AccountEvent.objects.create(
        organization=organization,
        kind=kind,
        actor=user,
        actor_label=label,
        subject=user,
        subject_label=label,
        detail=detail[:300],
    )


def api_tokens_of(*, user: User, organization: Organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_org(organization).filter(user=user)


@transaction.atomic
def api_token_create(
    *,
    user: User,
    organization: Organization,
    name: str,
    expires_at: datetime.datetime | None = None,
    via: str = "page",
) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret is returned once and never stored."""
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None or not role_has_perm(membership.role, Perm.MANAGE_API_TOKENS):
        raise ValidationError("Your role in this organization does not allow API tokens.")
    if two_factor_missing(user):
        raise ValidationError(TWO_FACTOR_MISSING_MESSAGE)
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Name the token after what will use it."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organization=organization,
        name=name[:100],
        token_hash=api_token_hash(secret),
        prefix=secret[:8],
        expires_at=expires_at,
    )
    _record_account_event(
        kind=AccountEvent.Kind.API_TOKEN_CREATED,
        user=user,
        organization=organization,
        detail=f"{token.name!r} ({token.prefix}…), via {via}",
    )
    audit_log.info(
        "api_token_created",
        user_id=user.pk,
        username=user.get_username(),
        organization=organization.slug,
        token=str(token.public_id),
        token_prefix=token.prefix,
        token_name=token.name,
        expires_at=expires_at.isoformat() if expires_at else None,
        via=via,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    if token.user_id != user.pk:
        raise ValidationError("Only the token's owner can revoke it.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _record_account_event(
            kind=AccountEvent.Kind.API_TOKEN_REVOKED,
            user=user,
            organization=token.organization,
            detail=f"{token.name!r} ({token.prefix}…)",
        )
        audit_log.info(
            "api_token_revoked",
            user_id=user.pk,
            organization=token.organization.slug,
            token=str(token.public_id),
            token_prefix=token.prefix,
        )
    return token


def api_token_resolve(secret: str) -> tuple[ApiToken, Membership] | None:
    """The active token for this secret and its owner's current membership; None for anything else.

    Unknown, revoked and expired tokens, inactive users and members who left the organization all
    give None, so a caller cannot tell which it was.
    """
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    digest = api_token_hash(secret)
    token = ApiToken.objects.select_related("user", "organization").filter(token_hash=digest).first()
    # Found by an indexed hash; the final comparison is constant-time all the same.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    membership = (
        Membership.objects.select_related("organization")
        .filter(user_id=token.user_id, organization_id=token.organization_id)
        .first()
    )
    if membership is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, membership
