"""What the evaluation's pages share: the access helper, the summary page and the workspace's addresses."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse

from accounts.access import get_for_org
from accounts.context_processors import organization as org_context
from procurement.forms import AssignmentForm, ConditionFormSet, DecisionForm
from procurement.models import AuditEvent, Evaluation
from procurement.presenters import WORKSPACE_FILTERS
from procurement.remediation_panel import remediation_context
from procurement.services import evaluations as evaluation_services
from procurement.services import reviews

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError
    from django.http import HttpRequest, HttpResponse


# The evaluation page shows the latest lines of the audit timeline; the timeline page has them all.
TIMELINE_LATEST = 50


def timeline_of(evaluation: Evaluation):
    return AuditEvent.objects.filter(evaluation=evaluation).order_by("-created_at", "-id")


def evaluation_for(request: HttpRequest, public_id) -> Evaluation:
    """The evaluation of the current organization with this public id, or 404."""
    qs = Evaluation.objects.select_related("product__vendor", "template", "owner", "previous", "decided_by")
    return get_for_org(request, qs, public_id=public_id)


def form_error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def workspace_url(evaluation: Evaluation, *, section: str = "", show: str = "all", anchor: str = "") -> str:
    """The review workspace, on one section and filter; "all" and the first section are the defaults."""
    query = {k: v for k, v in (("section", section), ("show", show)) if v and v != "all"}
    url = reverse("review_workspace", args=[evaluation.public_id])
    return (f"{url}?{urlencode(query)}" if query else url) + (f"#{anchor}" if anchor else "")


def evaluation_summary(
    request: HttpRequest, evaluation: Evaluation, status: int = 200, **forms
) -> HttpResponse:
    """The evaluation page: status, decision, score, findings, invites, reviewers and the timeline.

    The answers are in the review workspace, one section at a time; this page links to it and
    stays the same size whatever the questionnaire's length.
    """
    perms = org_context(request)["org_perms"]
    # One more than shown, to know whether to link to the full timeline.
    timeline = list(timeline_of(evaluation)[: TIMELINE_LATEST + 1])
    context = {
        "evaluation": evaluation,
        "moves": evaluation_services.manual_moves_for(evaluation, perms),
        "assignments": evaluation.assignments.select_related("reviewer", "section").order_by(
            "section__order", "id"
        ),
        "conditions": evaluation.conditions.select_related("owner"),
        "timeline": timeline[:TIMELINE_LATEST],
        "timeline_has_more": len(timeline) > TIMELINE_LATEST,
        "in_review": evaluation.status in reviews.IN_REVIEW,
        "assignment_form": forms.get("assignment_form") or AssignmentForm(evaluation=evaluation),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "condition_formset": forms.get("condition_formset")
        or ConditionFormSet(prefix="conditions", form_kwargs={"organization": request.organization}),
        **remediation_context(request, evaluation, forms.get("remediation_form")),
        "product_findings": evaluation.product_findings.select_related("resolved_by"),
        "workspace_links": [
            (label, workspace_url(evaluation, show=name)) for name, label in WORKSPACE_FILTERS.items()
        ],
        "question_url_pattern": reverse("evaluation_question", args=[evaluation.public_id, 0]),
    }
    return render(request, "procurement/evaluation_detail.html", context, status=status)
