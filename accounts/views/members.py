"""The organization's members: administrators add colleagues, change roles and remove them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.access import get_for_org, member_required
from accounts.forms import MemberAddForm, MemberRoleForm
from accounts.models import Membership
from accounts.roles import Perm, Role
from accounts.services.organizations import member_add, member_remove, member_set_role
from accounts.services.two_factor import two_factor_reset


def _members(request: HttpRequest):
    return (
        Membership.objects.filter(organization=request.organization)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


@member_required(Perm.MANAGE_MEMBERS)
def member_list(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST or None, initial={"role": Role.REVIEWER})
    if request.method == "POST" and form.is_valid():
        try:
            membership = member_add(
                organization=request.organization, added_by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"{membership.user.email} is now a {membership.get_role_display().lower()}."
            )
            return redirect("member_list")
    return render(
        request,
        "accounts/member_list.html",
        {
            "form": form,
            "members": _members(request),
            "roles": Role.choices,
            "with_two_factor": set(
                TOTPDevice.objects.filter(
                    confirmed=True, user__memberships__organization=request.organization
                ).values_list("user_id", flat=True)
            ),
        },
    )


@require_POST
@member_required(Perm.MANAGE_MEMBERS)
def member_role(request: HttpRequest, username: str) -> HttpResponse:
    membership = get_for_org(request, Membership, user__username=username)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        try:
            member_set_role(membership=membership, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{membership.user} is now a {Role(form.cleaned_data['role']).label.lower()}."
            )
    else:
        messages.error(request, "Choose one of the roles.")
    return redirect("member_list")


@require_POST
@member_required(Perm.MANAGE_MEMBERS)
def member_remove_view(request: HttpRequest, username: str) -> HttpResponse:
    membership = get_for_org(request, Membership, user__username=username)
    try:
        member_remove(membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user} no longer has access to {request.organization}.")
    return redirect("member_list")


@require_POST
@member_required(Perm.MANAGE_MEMBERS)
def member_two_factor_reset(request: HttpRequest, username: str) -> HttpResponse:
    """For a member who lost their phone and their recovery codes: they enrol again at next sign-in."""
    membership = get_for_org(request, Membership, user__username=username)
    try:
        two_factor_reset(membership=membership, reset_by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Two-factor authentication of {membership.user} was reset; "
            "they set up a new authenticator at their next sign-in.",
        )
    return redirect("member_list")
