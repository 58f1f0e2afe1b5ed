from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from procurement.access import member_required
from procurement.forms import OrganizationSwitchForm
from procurement.health import health_report
from procurement.middleware import SESSION_KEY
from procurement.models import Evaluation


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.membership is None:
        return render(request, "procurement/no_organization.html", status=403)
    return dashboard_for_member(request)


@member_required()
def dashboard_for_member(request: HttpRequest) -> HttpResponse:
    evaluations = Evaluation.objects.for_org(request.organization)
    counts = {
        "open": evaluations.open().count(),
        "overdue": evaluations.overdue().count(),
        "awaiting_review": evaluations.filter(
            status__in=[Evaluation.Status.SUBMITTED, Evaluation.Status.UNDER_REVIEW]
        ).count(),
        "decided": evaluations.filter(status=Evaluation.Status.DECIDED).count(),
    }
    recent = evaluations.select_related("product__vendor", "template", "owner")[:10]
    return render(request, "procurement/dashboard.html", {"counts": counts, "recent": recent})


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


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **report}, status=200 if healthy else 503
    )
