"""Single sign-on with OpenID Connect, one identity provider per organization.

The Authorization Code flow with PKCE, state and nonce. The ID token is checked here with joserfc:
signature against the keys the issuer publishes (jwks_uri from its discovery document), then iss,
aud (the organization's client id), exp, iat and the nonce this session sent. The e-mail address
must be verified (when the provider says) and in one of the organization's allowed domains; the
person then signs in as the member with that address, who is added with the configured role on
their first visit.

Every refusal is an SsoRefused with a message for the person and a short reason for the log.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import requests
import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import KeySet

from accounts import secret_box
from accounts.client import client_ip
from accounts.models import AccountEvent, IdentityProvider, Membership, Organization, User
from accounts.roles import Role
from accounts.services.organizations import username_for_email

if TYPE_CHECKING:
    from django.http import HttpRequest

log = structlog.get_logger("accounts.sso")

PENDING_SESSION_KEY = "sso_pending"
# A person may start sign-in in a few tabs; older unfinished attempts are dropped.
MAX_PENDING = 5
SCOPE = "openid email profile"
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

SSO_REQUIRED_MESSAGE = (
    "{organization} signs its members in through its identity provider. Use “Sign in with your "
    "organization” below; only administrators may sign in with a password."
)


class SsoRefused(Exception):
    """A sign-in that must not go ahead. `message` is shown to the person, `reason` is logged."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


UNREACHABLE = (
    "Your organization's identity provider could not be reached. Try again in a few minutes; if it "
    "keeps failing, tell your administrator."
)


def _refuse(reason: str, message: str) -> SsoRefused:
    return SsoRefused(message, reason=reason)


# --- the provider's published documents -------------------------------------------------------


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(
            url, timeout=settings.SSO_HTTP_TIMEOUT, headers={"Accept": "application/json"}
        )
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _refuse("provider_unreachable", UNREACHABLE) from exc
    if not isinstance(data, dict):
        raise _refuse("provider_unreachable", UNREACHABLE)
    return data


def provider_discovery(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document, checked to name this issuer and the endpoints the flow needs."""
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise _refuse(
            "issuer_mismatch",
            "Your organization's identity provider describes itself with another issuer URL than the "
            "one configured here. Ask your administrator to check the single sign-on settings.",
        )
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(field), str) or not document[field].startswith(
            ("https://", "http://")
        ):
            raise _refuse("discovery_incomplete", UNREACHABLE)
    return document


# --- finding the organization at sign-in ------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def provider_for_sign_in(*, identifier: str) -> IdentityProvider | None:
    """The enabled provider for an e-mail address (by its domain) or an organization's slug."""
    identifier = identifier.strip().lower()
    providers = IdentityProvider.objects.select_related("organization").filter(enabled=True)
    if "@" in identifier:
        domain = email_domain(identifier)
        # A handful of rows; the JSON list is matched in Python to work on SQLite and PostgreSQL alike.
        return next((p for p in providers if domain in p.allowed_domains), None)
    return providers.filter(organization__slug=identifier).first()


# --- the flow ---------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sso_start(
    *,
    request: HttpRequest,
    provider: IdentityProvider,
    redirect_uri: str,
    login_hint: str = "",
    next_url: str = "",
) -> str:
    """Remembers a new attempt in the session and returns the provider's authorization URL."""
    document = provider_discovery(provider.issuer)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    pending = dict(request.session.get(PENDING_SESSION_KEY, {}))
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda k: pending[k]["started"]))
    pending[state] = {
        "provider": provider.pk,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_url,
        "started": time.time(),
    }
    request.session[PENDING_SESSION_KEY] = pending
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64url(hashlib.sha256(verifier.encode("ascii")).digest()),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    endpoint = document["authorization_endpoint"]
    log.info("sso_started", organization=provider.organization.slug, issuer=provider.issuer)
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


def _token_exchange(
    *, document: dict[str, Any], provider: IdentityProvider, code: str, pending: dict[str, Any]
) -> dict[str, Any]:
    secret = secret_box.decrypt(provider.client_secret_encrypted)
    if secret is None:
        raise _refuse(
            "client_secret_unreadable",
            "The single sign-on settings of your organization must be saved again by an administrator "
            "(the client secret can no longer be read).",
        )
    try:
        response = requests.post(
            document["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": pending["redirect_uri"],
                "code_verifier": pending["verifier"],
            },
            # RFC 6749 §2.3.1: both parts form-encoded before the Basic scheme.
            auth=(quote(provider.client_id, safe=""), quote(secret, safe="")),
            timeout=settings.SSO_HTTP_TIMEOUT,
            headers={"Accept": "application/json"},
        )
    except requests.RequestException as exc:
        raise _refuse("provider_unreachable", UNREACHABLE) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("id_token"):
        error = body.get("error") if isinstance(body, dict) else None
        raise _refuse(
            f"token_refused:{str(error or response.status_code)[:40]}",
            "Your identity provider did not confirm the sign-in. Start again; if it keeps failing, ask "
            "your administrator to check the client id and secret.",
        )
    return body


def id_token_claims(*, id_token: str, document: dict[str, Any], client_id: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, lifetime and nonce are all right."""
    try:
        keys = KeySet.import_key_set(_get_json(document["jwks_uri"]))
    except SsoRefused:
        raise
    except (jose_errors.JoseError, ValueError, TypeError, KeyError) as exc:
        raise _refuse("jwks_unreadable", UNREACHABLE) from exc
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except jose_errors.BadSignatureError as exc:
        raise _refuse(
            "bad_signature",
            "The sign-in answer was not signed by your organization's identity provider, so it was refused.",
        ) from exc
    except (jose_errors.JoseError, ValueError, TypeError) as exc:
        raise _refuse(
            "id_token_unreadable",
            "The sign-in answer from your identity provider could not be read, so it was refused.",
        ) from exc
    registry = jwt.JWTClaimsRegistry(
        leeway=settings.SSO_CLOCK_LEEWAY,
        iss={"essential": True, "value": document["issuer"]},
        sub={"essential": True},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except jose_errors.ExpiredTokenError as exc:
        raise _refuse(
            "expired",
            "The sign-in answer from your identity provider has expired. Start again; if it keeps "
            "happening, the clock of the identity provider or of this server may be wrong.",
        ) from exc
    except (
        jose_errors.InvalidClaimError,
        jose_errors.MissingClaimError,
        jose_errors.InvalidTokenError,
    ) as exc:
        claim = getattr(exc, "claim", "")
        if claim == "aud":
            raise _refuse(
                "wrong_audience",
                "The sign-in answer was meant for another application (its audience is not this "
                "organization's client id), so it was refused.",
            ) from exc
        if claim == "nonce":
            raise _refuse(
                "nonce_mismatch",
                "The sign-in answer does not belong to the sign-in you started here, so it was refused. "
                "Start again.",
            ) from exc
        if claim == "iss":
            raise _refuse(
                "issuer_mismatch",
                "The sign-in answer comes from another issuer than your organization's, so it was refused.",
            ) from exc
        raise _refuse(
            f"claim_invalid:{claim or type(exc).__name__}",
            "The sign-in answer from your identity provider is not valid (its dates or contents), so it "
            "was refused. Start again.",
        ) from exc
    claims = dict(token.claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise _refuse(
            "wrong_audience",
            "The sign-in answer was meant for another application (its audience is not this "
            "organization's client id), so it was refused.",
        )
    return claims


def _userinfo(*, document: dict[str, Any], access_token: str | None, subject: str) -> dict[str, Any]:
    if not access_token or not isinstance(document.get("userinfo_endpoint"), str):
        return {}
    try:
        response = requests.get(
            document["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=settings.SSO_HTTP_TIMEOUT,
        )
        data = response.json() if response.status_code == 200 else {}
    except (requests.RequestException, ValueError):
        return {}
    # Claims about another subject than the ID token's are ignored (OpenID Connect Core §5.3.2).
    return data if isinstance(data, dict) and data.get("sub") == subject else {}


def sso_complete(*, request: HttpRequest, params: dict[str, str]) -> tuple[Membership, str]:
    """Checks the provider's answer to one attempt of this session; the member to sign in, and `next`."""
    state = params.get("state", "")
    pending_all = dict(request.session.get(PENDING_SESSION_KEY, {}))
    pending = pending_all.pop(state, None) if state else None
    request.session[PENDING_SESSION_KEY] = pending_all
    if pending is None:
        raise _refuse(
            "state_mismatch",
            "This sign-in answer does not match a sign-in started in this browser (it may have been used "
            "already). Start again from the sign-in page.",
        )
    if time.time() - pending["started"] > settings.SSO_FLOW_MINUTES * 60:
        raise _refuse("flow_expired", "The sign-in took too long. Start again from the sign-in page.")
    provider = (
        IdentityProvider.objects.select_related("organization")
        .filter(pk=pending["provider"], enabled=True)
        .first()
    )
    if provider is None:
        raise _refuse("provider_disabled", "Single sign-on is no longer enabled for this organization.")
    if params.get("error"):
        described = (params.get("error_description") or params["error"])[:200]
        raise _refuse(
            f"provider_error:{params['error'][:40]}",
            f"Your identity provider did not sign you in: {described}",
        )
    if not params.get("code"):
        raise _refuse(
            "no_code", "The answer from your identity provider carries no sign-in code. Start again."
        )
    document = provider_discovery(provider.issuer)
    # RFC 9207: an answer that names its issuer must name this one (mix-up attacks).
    if params.get("iss") and params["iss"] != document["issuer"]:
        raise _refuse(
            "issuer_mismatch", "The sign-in answer comes from another issuer than your organization's."
        )
    tokens = _token_exchange(document=document, provider=provider, code=params["code"], pending=pending)
    claims = id_token_claims(
        id_token=tokens["id_token"], document=document, client_id=provider.client_id, nonce=pending["nonce"]
    )
    if "email" not in claims:
        claims = {
            **_userinfo(document=document, access_token=tokens.get("access_token"), subject=claims["sub"]),
            **claims,
        }
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise _refuse(
            "no_email",
            "Your identity provider did not tell us your e-mail address. Ask your administrator to release "
            "the e-mail claim to this application.",
        )
    if claims.get("email_verified") in (False, "false"):
        raise _refuse(
            "email_unverified",
            f"Your identity provider has not verified the address {email}, so it cannot be used to sign in.",
        )
    if not provider.allows_email(email):
        raise _refuse(
            "foreign_domain",
            f"The address {email} is not in a domain that {provider.organization} accepts for single "
            "sign-on. Sign in with an address of your organization.",
        )
    membership = _member_for(provider=provider, email=email, claims=claims, request=request)
    log.info(
        "sso_signed_in",
        organization=provider.organization.slug,
        user_id=membership.user_id,
        role=membership.role,
    )
    return membership, pending.get("next", "")


@transaction.atomic
def _member_for(
    *, provider: IdentityProvider, email: str, claims: dict[str, Any], request: HttpRequest | None
) -> Membership:
    organization = provider.organization
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None:
        if not user.is_active:
            raise _refuse("user_inactive", "This account has been deactivated. Ask your administrator.")
        if user.is_superuser or user.is_staff:
            raise _refuse("operator_account", "Site operators sign in with their password.")
        # Another organization's provider could otherwise sign in a person it does not manage.
        if user.memberships.exclude(organization=organization).exists():
            raise _refuse(
                "member_elsewhere",
                "This account also belongs to another organization, so it signs in with its password.",
            )
    else:
        user = User(
            username=username_for_email(email),
            email=email,
            first_name=str(claims.get("given_name", ""))[:150],
        )
        user.last_name = str(claims.get("family_name", ""))[:150]
        user.set_unusable_password()
        user.save()
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            organization=organization, user=user, role=Role(provider.new_member_role)
        )
        label = (user.get_full_name() or user.get_username())[:200]
        AccountEvent.objects.create(
            organization=organization,
            kind=AccountEvent.Kind.SSO_MEMBER_JOINED,
            actor=user,
            actor_label=label,
            subject=user,
            subject_label=label,
            ip_address=client_ip(request) if request is not None else None,
            detail=f"{email} as {membership.get_role_display().lower()}, via {provider.issuer}"[:300],
        )
    return membership


# --- the password fallback --------------------------------------------------------------------


def password_sign_in_refused_by(user: User) -> Organization | None:
    """The organization whose single sign-on rules out a password for this user, if any.

    Administrators keep their password (with its second factor) to repair a broken configuration;
    so do site operators.
    """
    if user.is_superuser:
        return None
    membership = (
        Membership.objects.filter(user=user, organization__identity_provider__enabled=True)
        .exclude(role=Role.ADMIN)
        .select_related("organization")
        .first()
    )
    return membership.organization if membership else None


# --- the administrators' settings -------------------------------------------------------------


def parse_domains(text: str) -> list[str]:
    domains = []
    for part in re.split(r"[\s,;]+", text.strip().lower()):
        part = part.removeprefix("@").strip(".")
        if part and part not in domains:
            domains.append(part)
    return domains


def identity_provider_save(
    *,
    organization: Organization,
    changed_by: User,
    issuer: str,
    client_id: str,
    client_secret: str,
    allowed_domains: list[str],
    new_member_role: str,
    enabled: bool,
    request: HttpRequest | None = None,
) -> IdentityProvider:
    """Creates or changes the organization's provider; an enabled one must answer its discovery URL."""
    existing = IdentityProvider.objects.filter(organization=organization).first()
    issuer = issuer.strip()
    client_id = client_id.strip()
    errors: dict[str, str] = {}
    bad = [d for d in allowed_domains if not DOMAIN_RE.match(d)]
    if bad:
        errors["allowed_domains"] = f"Not a domain name: {', '.join(bad)}."
    elif enabled and not allowed_domains:
        errors["allowed_domains"] = "Name at least one e-mail domain, e.g. riverside.org."
    else:
        taken = sorted(
            d
            for p in IdentityProvider.objects.exclude(organization=organization)
            for d in p.allowed_domains
            if d in allowed_domains
        )
        if taken:
            errors["allowed_domains"] = (
                f"Already used by another organization's single sign-on: {', '.join(taken)}."
            )
    if not client_secret and existing is None:
        errors["client_secret"] = "Enter the client secret your identity provider issued."
    if not issuer.startswith("https://") and not settings.SSO_ALLOW_HTTP_ISSUERS:
        errors["issuer"] = "The issuer URL must start with https://."
    if enabled and "issuer" not in errors:
        try:
            provider_discovery(issuer)
        except SsoRefused as exc:
            errors["issuer"] = (
                "No OpenID Connect discovery document for this issuer was found at "
                f"{issuer.rstrip('/')}/.well-known/openid-configuration."
                if exc.reason != "issuer_mismatch"
                else "The discovery document names another issuer: enter the issuer URL exactly as it "
                "publishes it."
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        provider = existing or IdentityProvider(organization=organization)
        provider.issuer = issuer
        provider.client_id = client_id
        if client_secret:
            provider.client_secret_encrypted = secret_box.encrypt(client_secret)
        provider.allowed_domains = allowed_domains
        provider.new_member_role = Role(new_member_role)
        provider.enabled = enabled
        provider.updated_at = timezone.now()
        provider.save()
        label = (changed_by.get_full_name() or changed_by.get_username())[:200]
        AccountEvent.objects.create(
            organization=organization,
            kind=AccountEvent.Kind.SSO_SETTINGS_CHANGED,
            actor=changed_by,
            actor_label=label,
            subject=changed_by,
            subject_label=label,
            ip_address=client_ip(request) if request is not None else None,
            detail=(
                f"{'enabled' if enabled else 'disabled'}; issuer {issuer}; client id {client_id}; "
                f"domains {', '.join(allowed_domains) or '-'}; new members as "
                f"{Role(new_member_role).label.lower()}{'; client secret replaced' if client_secret else ''}"
            )[:300],
        )
    log.info(
        "sso_settings_changed",
        organization=organization.slug,
        user_id=changed_by.pk,
        enabled=enabled,
        issuer=issuer,
        secret_replaced=bool(client_secret),
    )
    return provider
