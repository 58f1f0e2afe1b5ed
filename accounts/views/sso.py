"""Single sign-on: the person's way in through their organization, and the administrators' settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from accounts.access import member_required
from accounts.forms import IdentityProviderForm, SsoStartForm
from accounts.middleware import SESSION_KEY
from accounts.models import IdentityProvider
from accounts.roles import Perm, Role
from accounts.services.sso import (
    SsoRefused,
    identity_provider_save,
    log,
    parse_domains,
    provider_for_sign_in,
    sso_complete,
    sso_start,
)


def _safe_next(request: HttpRequest, value: str) -> str:
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, {request.get_host()}, request.is_secure()
    ):
        return value
    return ""


def redirect_uri(request: HttpRequest) -> str:
    """The callback address to register at the identity provider."""
    return request.build_absolute_uri(reverse("sso_callback"))


@never_cache
def sso_begin(request: HttpRequest) -> HttpResponse:
    """Asks for the work address (or organization), then hands over to that organization's provider."""
    form = SsoStartForm(request.POST or None, initial={"identifier": request.GET.get("organization", "")})
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        provider = provider_for_sign_in(identifier=identifier)
        if provider is None:
            form.add_error(
                "identifier",
                "No organization signs in with single sign-on for that address. Check the address, or "
                "sign in with your password.",
            )
        else:
            try:
                authorization_url = sso_start(
                    request=request,
                    provider=provider,
                    redirect_uri=redirect_uri(request),
                    login_hint=identifier if "@" in identifier else "",
                    next_url=next_url,
                )
            except SsoRefused as exc:
                log.warning("sso_refused", reason=exc.reason, organization=provider.organization.slug)
                form.add_error("identifier", exc.message)
            else:
                # A page of this site leads on: the sign-in form may only submit to this site
                # (CSP form-action), so the provider is reached by a plain navigation from here.
                return render(
                    request,
                    "registration/sso_redirect.html",
                    {"authorization_url": authorization_url, "organization": provider.organization},
                )
    return render(request, "registration/sso_begin.html", {"form": form, "next": next_url})


@never_cache
def sso_callback(request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "") for key in ("state", "code", "error", "error_description", "iss")}
    try:
        membership, next_url = sso_complete(request=request, params=params)
    except SsoRefused as exc:
        log.warning("sso_refused", reason=exc.reason)
        return render(request, "registration/sso_refused.html", {"message": exc.message}, status=403)
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_KEY] = str(membership.organization.public_id)
    messages.success(
        request, f"Signed in through {membership.organization} as {membership.get_role_display().lower()}."
    )
    return redirect(_safe_next(request, next_url) or "dashboard")


@never_cache
@member_required(Perm.MANAGE_MEMBERS)
def sso_settings(request: HttpRequest) -> HttpResponse:
    """The organization's identity provider; administrators only."""
    if request.membership.role != Role.ADMIN:
        raise PermissionDenied("Only administrators change the single sign-on settings.")
    provider = IdentityProvider.objects.for_org(request.organization).first()
    initial = (
        {
            "enabled": provider.enabled,
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "allowed_domains": ", ".join(provider.allowed_domains),
            "new_member_role": provider.new_member_role,
        }
        if provider
        else {"new_member_role": Role.REVIEWER}
    )
    form = IdentityProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            identity_provider_save(
                organization=request.organization,
                changed_by=request.user,
                request=request,
                issuer=data["issuer"],
                client_id=data["client_id"],
                client_secret=data["client_secret"],
                allowed_domains=parse_domains(data["allowed_domains"]),
                new_member_role=data["new_member_role"],
                enabled=data["enabled"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Single sign-on settings saved.")
            return redirect("sso_settings")
    return render(
        request,
        "accounts/sso_settings.html",
        {"form": form, "provider": provider, "redirect_uri": redirect_uri(request)},
    )
