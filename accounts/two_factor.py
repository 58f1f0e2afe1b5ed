"""Two-factor authentication with TOTP (django-otp).

Any organization user may enrol an authenticator app; members whose role is listed in
TWO_FACTOR_REQUIRED_ROLES (administrators by default) must. A user with a confirmed device is asked
for a code after the password on every sign-in, and until then reaches nothing but this flow.
"""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership

# Paths a signed-in but not yet verified user may still reach.
OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/healthz", "/v/")


def two_factor_required(user, memberships) -> bool:
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    return user.is_superuser or any(m.role in required for m in memberships)


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


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            if user_has_device(user, confirmed=True):
                return redirect(f"{reverse('two_factor_verify')}?next={request.get_full_path()}")
            if two_factor_required(user, getattr(request, "memberships", [])):
                return redirect("two_factor_setup")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _safe_next(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    # A bare word would be taken for a URL name by redirect(): only paths of this site pass.
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, request.is_secure()
    ):
        return next_url
    return reverse("dashboard")


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = next(
            (
                d
                for d in TOTPDevice.objects.devices_for_user(request.user, confirmed=True)
                if d.verify_token(form.cleaned_data["token"].strip())
            ),
            None,
        )
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "token",
            "That code is not valid. Check the time on your phone and try again; "
            "after a wrong code, wait a few seconds before the next try.",
        )
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: show the secret as a QR code, confirm it with one code."""
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect("two_factor_verify")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect("dashboard")
        form.add_error("token", "That code does not match. Scan the code again and enter the current one.")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": _base32(device.bin_key)},
    )


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode().rstrip("=")
