"""Two-factor authentication with TOTP (django-otp).

Any organization user may enrol an authenticator app; members whose role is listed in
TWO_FACTOR_REQUIRED_ROLES (administrators by default) must, and so must anyone whose second factor
an administrator has reset. A user with a confirmed device is asked for a code after the password
on every sign-in, and until then reaches nothing but this flow. Enrolment hands out ten one-time
recovery codes, accepted instead of the app's code at the verify step.
"""

from __future__ import annotations

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services.two_factor import (
    recovery_code_use,
    recovery_codes_generate,
    recovery_codes_remaining,
    two_factor_enrol,
    two_factor_required,
)

# Paths a signed-in but not yet verified user may still reach.
OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/healthz", "/v/")


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


class VerifyForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code from your authenticator app, or one of your recovery codes",
        min_length=6,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
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
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["token"].strip()
        devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
        device = next((d for d in devices if d.verify_token(code)), None)
        if device is None and devices and recovery_code_use(user=request.user, code=code, request=request):
            # The session is bound to the authenticator the code stands in for.
            device = devices[0]
            left = recovery_codes_remaining(user=request.user)
            messages.warning(
                request,
                f"Recovery code accepted; {left} left. If you lost your phone, set up a new "
                "authenticator and new recovery codes on the two-factor page.",
            )
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "token",
            "That code is not valid. Check the time on your phone and try again, or enter an unused "
            "recovery code; after a wrong code, wait a few seconds before the next try.",
        )
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@never_cache
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
            codes = two_factor_enrol(user=request.user, device=device, request=request)
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is on for your account.")
            return _show_recovery_codes(request, codes)
        form.add_error("token", "That code does not match. Scan the code again and enter the current one.")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": _base32(device.bin_key)},
    )


def _show_recovery_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    # Shown in this response only: never stored in clear, never put in the session.
    return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes})


@never_cache
@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left, and a button that replaces them all."""
    if not request.user.is_verified():
        # This path is open to unverified sessions (the two-factor flow); its content is not.
        if user_has_device(request.user, confirmed=True):
            return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
        return redirect("two_factor_setup")
    return render(
        request,
        "registration/two_factor_recovery_status.html",
        {"remaining": recovery_codes_remaining(user=request.user)},
    )


@require_POST
@never_cache
@login_required
def two_factor_recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():
        return redirect("two_factor_recovery_codes")
    codes = recovery_codes_generate(user=request.user, request=request)
    messages.success(request, "New recovery codes created; the old ones no longer work.")
    return _show_recovery_codes(request, codes)


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode().rstrip("=")
