"""The dashboard: what is open, overdue, awaiting review and decided, the member's own tasks and
the portfolio's charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import member_required
from procurement import portfolio
from procurement.models import Evaluation
from procurement.portfolio_charts import portfolio_charts
from procurement.views.worklist import PANEL_SIZE, worklist_of


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.membership is None:
        return render(request, "accounts/no_organization.html", status=403)
    return dashboard_for_member(request)


@member_required()
def dashboard_for_member(request: HttpRequest) -> HttpResponse:
    counts = portfolio.status_counts(request.organization)
    recent = Evaluation.objects.for_org(request.organization).select_related(
        "product__vendor", "template", "owner"
    )
    context = {
        "counts": counts,
        "charts": portfolio_charts(request.organization, counts),
        "recent": recent[:10],
        "worklist": worklist_of(request, first=PANEL_SIZE),
    }
    return render(request, "procurement/dashboard.html", context)
