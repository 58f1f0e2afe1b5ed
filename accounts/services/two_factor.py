"""Second-factor business actions: enrolment, recovery codes, and an administrator's reset."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.client import client_ip
from accounts.models import AccountEvent, Membership, RecoveryCode, User

if TYPE_CHECKING:
    from django.http import HttpRequest

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper and typed by hand.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10  # ~49 bits each: far beyond guessing within the sign-in lockouts


def two_factor_required(user, memberships) -> bool:
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    return (
        user.is_superuser
        or user.two_factor_enrolment_required
        or any(m.role in required for m in memberships)
    )


def two_factor_missing(user) -> bool:
    """True for a user whose current roles require a second factor but who has not enrolled one.

    Read from the database each time, so a promotion or a reset of the device takes effect at once
    for credentials that never pass the sign-in flow (personal API tokens).
    """
    return two_factor_required(user, Membership.objects.filter(user=user)) and not user_has_device(
        user, confirmed=True
    )


TWO_FACTOR_MISSING_MESSAGE = (
    "Your role requires two-factor authentication. Set up an authenticator app on the two-factor "
    "page before using personal API tokens."
)


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode("utf-8", "surrogatepass")).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _label(user: User | None) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.username)[:200]


def _record(
    *, kind: str, subject: User, actor: User | None, organization=None, request: HttpRequest | None
) -> AccountEvent:
    return AccountEvent.objects.create(
        organization=organization,
        kind=kind,
        actor=actor,
        actor_label=_label(actor),
        subject=subject,
        subject_label=_label(subject),
        ip_address=client_ip(request),
    )


def recovery_codes_remaining(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def recovery_codes_generate(*, user: User, request: HttpRequest | None) -> list[str]:
    """Ten new codes, returned once in clear; every earlier code of the user stops working."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=recovery_code_hash(c)) for c in codes)
    _record(kind=AccountEvent.Kind.RECOVERY_CODES_GENERATED, subject=user, actor=user, request=request)
    return codes


@transaction.atomic
def two_factor_enrol(*, user: User, device: TOTPDevice, request: HttpRequest | None) -> list[str]:
    """Confirms the new authenticator (replacing any earlier one) and returns fresh recovery codes."""
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    if user.two_factor_enrolment_required:
        user.two_factor_enrolment_required = False
        user.save(update_fields=["two_factor_enrolment_required"])
    return recovery_codes_generate(user=user, request=request)


@transaction.atomic
def recovery_code_use(*, user: User, code: str, request: HttpRequest | None) -> bool:
    """True if `code` is one of the user's unused codes, which is then spent."""
    if not code or len(code) > 40:
        return False
    # One conditional UPDATE: two simultaneous sign-ins with the same code cannot both win.
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=recovery_code_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if spent:
        _record(kind=AccountEvent.Kind.RECOVERY_CODE_USED, subject=user, actor=user, request=request)
    return bool(spent)


@transaction.atomic
def two_factor_reset(*, membership: Membership, reset_by: User, request: HttpRequest | None) -> AccountEvent:
    """An administrator removes a member's authenticator and recovery codes (a lost phone).

    The member's sessions lose their verified state at once, and the next sign-in enrols anew.
    """
    user = User.objects.select_for_update().get(pk=membership.user_id)
    if user.pk == reset_by.pk:
        raise ValidationError("Use the two-factor page to replace your own authenticator.")
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    user.two_factor_enrolment_required = True
    user.save(update_fields=["two_factor_enrolment_required"])
    return _record(
        kind=AccountEvent.Kind.TWO_FACTOR_RESET,
        subject=user,
        actor=reset_by,
        organization=membership.organization,
        request=request,
    )
