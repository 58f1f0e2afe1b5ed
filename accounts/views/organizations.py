"""Switching the organization a member works in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.forms import OrganizationSwitchForm
from accounts.middleware import SESSION_KEY


@require_POST
@login_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    form = OrganizationSwitchForm(request.POST)
    if form.is_valid():
        target = form.cleaned_data["organization"]
        membership = request.user.memberships.filter(organization__public_id=target).first()
        if membership is not None:
            request.session[SESSION_KEY] = str(target)
            messages.success(request, f"Now working in {membership.organization}.")
        else:
            messages.error(request, "You are not a member of that organization.")
    next_url = request.POST.get("next", "")
    # Only a path of this site: anything else (another host, or a bare word that redirect() would
    # try to reverse as a URL name) goes to the dashboard.
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, request.is_secure()
    ):
        return redirect("dashboard")
    return HttpResponseRedirect(next_url)
