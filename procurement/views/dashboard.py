"""The dashboard: what is open, overdue, awaiting review and decided, and the member's own tasks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import member_required
from procurement.models import Evaluation
from procurement.views.worklist import worklist_of


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.membership is None:
        return render(request, "accounts/no_organization.html", status=403)
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
    context = {"counts": counts, "recent": recent, "worklist": worklist_of(request)}
    return render(request, "procurement/dashboard.html", context)
