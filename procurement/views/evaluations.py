"""Evaluations as officers and reviewers see them: list, creation, the evaluation page and its actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_POST

from accounts.access import get_for_org, has_perm, member_required, org_queryset, require_perm
from accounts.context_processors import organization as org_context
from accounts.roles import Perm
from procurement.forms import (
    AssignmentForm,
    BulkActionForm,
    ConditionFormSet,
    DecisionForm,
    DueDateForm,
    EvaluationFilterForm,
    EvaluationForm,
    MoveForm,
)
from procurement.models import DecisionCondition, ReviewerAssignment
from procurement.selectors import vendor_progress
from procurement.services import evaluations as evaluation_services
from procurement.services import reviews
from procurement.views.common import (
    evaluation_for,
    evaluation_summary,
    form_error,
    timeline_of,
    workspace_url,
)
from vendors.models import Vendor

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse, QueryDict

PAGE_SIZE = 25


@member_required(Perm.VIEW)
def evaluation_list(request: HttpRequest) -> HttpResponse:
    return evaluation_list_page(request, request.GET)


def evaluation_list_page(request: HttpRequest, params: QueryDict, bulk_form=None) -> HttpResponse:
    """The list for these filters; a bulk action refused for bad input re-renders it with its form."""
    filters = EvaluationFilterForm(params or None, organization=request.organization)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    evaluations = evaluation_services.evaluation_search(organization=request.organization, **cleaned)
    page = Paginator(evaluations, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    without_sort = query.copy()
    without_sort.pop("sort", None)
    rows = list(page.object_list)
    progress = vendor_progress(rows)
    chart_filters = [
        (filters[name].label, filters[name].value(), _without(query, name))
        for name in ("overdue_on", "submitted_in", "decided_in", "open_conditions")
        if cleaned.get(name)
    ]
    context = {
        "filters": filters,
        "chart_filters": chart_filters,
        "page": page,
        "rows": [(evaluation, progress[evaluation.pk]) for evaluation in rows],
        "query": query.urlencode(),
        "list_query": params.urlencode(),
        "filter_query": without_sort.urlencode(),
        "sort": cleaned.get("sort", ""),
        "bulk_form": bulk_form or BulkActionForm(),
        "can_act": has_perm(request, Perm.RUN_EVALUATIONS),
        "can_export": has_perm(request, Perm.VIEW_REPORTS),
        "selected": set(bulk_form.data.getlist("evaluations")) if bulk_form is not None else set(),
    }
    return render(request, "procurement/evaluation_list.html", context)


def _without(query: QueryDict, name: str) -> str:
    rest = query.copy()
    rest.pop(name, None)
    return rest.urlencode()


@member_required(Perm.RUN_EVALUATIONS)
def evaluation_create(request: HttpRequest) -> HttpResponse:
    vendor_id = request.GET.get("vendor")
    vendor = get_for_org(request, Vendor, public_id=vendor_id) if vendor_id else None
    form = EvaluationForm(
        request.POST or None,
        organization=request.organization,
        vendor=vendor,
        initial={"owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = evaluation_services.evaluation_create(
                organization=request.organization,
                created_by=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            carried = evaluation.answers.count() if form.cleaned_data["carry_forward"] else 0
            messages.success(
                request,
                "Evaluation created as a draft"
                + (
                    f", with {carried} answer{pluralize(carried)} carried forward for the vendor to confirm"
                    if carried
                    else ""
                )
                + ". Invite the vendor's contacts next.",
            )
            return redirect(evaluation)
    return render(request, "procurement/evaluation_create.html", {"form": form, "vendor": vendor})


@member_required(Perm.VIEW)
def evaluation_detail(request: HttpRequest, public_id) -> HttpResponse:
    return evaluation_summary(request, evaluation_for(request, public_id))


@member_required(Perm.VIEW)
def evaluation_question(request: HttpRequest, public_id, question_id: int) -> HttpResponse:
    """One question's lasting address: the workspace section that holds it, at the question."""
    evaluation = evaluation_for(request, public_id)
    section_key = (
        evaluation.template.questions.filter(pk=question_id).values_list("section__key", flat=True).first()
    )
    if section_key is None:
        raise Http404("No such question in this evaluation.")
    return redirect(workspace_url(evaluation, section=section_key, anchor=f"q-{question_id}"))


TIMELINE_PAGE_SIZE = 100


@member_required(Perm.VIEW)
def evaluation_timeline(request: HttpRequest, public_id) -> HttpResponse:
    """Every line of the evaluation's audit timeline, newest first, a page at a time."""
    evaluation = evaluation_for(request, public_id)
    page = Paginator(timeline_of(evaluation), TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procurement/evaluation_timeline.html", {"evaluation": evaluation, "page": page})


@require_POST
@member_required(Perm.VIEW)
def evaluation_move(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = evaluation_for(request, public_id)
    form = MoveForm(request.POST)
    to_status = form.cleaned_data["to_status"] if form.is_valid() else ""
    require_perm(request, evaluation_services.MANUAL_MOVES.get(to_status, ("", Perm.RUN_EVALUATIONS))[1])
    try:
        perms = org_context(request)["org_perms"]
        evaluation_services.evaluation_move(
            evaluation=evaluation, to_status=to_status, user=request.user, perms=perms, request=request
        )
        messages.success(request, f"The evaluation is now {evaluation.get_status_display().lower()}.")
    except ValidationError as exc:
        form_error(request, exc)
    return redirect(evaluation)


@require_POST
@member_required(Perm.RUN_EVALUATIONS)
def evaluation_due_date(request: HttpRequest, public_id) -> HttpResponse:
    """A new due date; the vendor's open links are extended to it."""
    evaluation = evaluation_for(request, public_id)
    form = DueDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The due date was not changed: enter a date as YYYY-MM-DD.")
        return redirect(evaluation)
    try:
        evaluation_services.evaluation_due_date_change(
            evaluation=evaluation, due_date=form.cleaned_data["due_date"], user=request.user, request=request
        )
    except ValidationError as exc:
        form_error(request, exc)
    else:
        messages.success(request, "Due date changed; the vendor's open links now work until it.")
    return redirect(evaluation)


@require_POST
@member_required(Perm.RUN_EVALUATIONS)
def reviewer_assign(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = evaluation_for(request, public_id)
    form = AssignmentForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            reviews.reviewer_assign(evaluation=evaluation, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Reviewer assigned.")
            return redirect(evaluation)
    return evaluation_summary(request, evaluation, assignment_form=form)


@require_POST
@member_required(Perm.REVIEW)
def section_sign_off(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = evaluation_for(request, public_id)
    assignments = ReviewerAssignment.objects.filter(evaluation=evaluation).select_related("section")
    assignment = get_for_org(request, assignments, pk=request.POST.get("assignment"))
    try:
        reviews.section_sign_off(assignment=assignment, user=request.user, request=request)
        messages.success(request, "Signed off.")
    except ValidationError as exc:
        form_error(request, exc)
    # Signed off from the review workspace: back to the section the reviewer was reading.
    if "section" in request.POST:
        return redirect(
            workspace_url(evaluation, section=request.POST["section"], show=request.POST.get("show", "all"))
        )
    return redirect(evaluation)


@require_POST
@member_required(Perm.DECIDE)
def decision_record(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = evaluation_for(request, public_id)
    form = DecisionForm(request.POST)
    formset = ConditionFormSet(
        request.POST, prefix="conditions", form_kwargs={"organization": request.organization}
    )
    if form.is_valid() and formset.is_valid():
        try:
            reviews.decision_record(
                evaluation=evaluation,
                conditions=[f.cleaned_data for f in formset.forms if f.cleaned_data],
                user=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Decision recorded.")
            return redirect(evaluation)
    return evaluation_summary(request, evaluation, decision_form=form, condition_formset=formset)


@require_POST
@member_required(Perm.VIEW)
def condition_complete(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = evaluation_for(request, public_id)
    conditions = org_queryset(request, DecisionCondition).filter(evaluation=evaluation)
    condition = get_for_org(
        request, conditions.select_related("evaluation"), pk=request.POST.get("condition")
    )
    if not (has_perm(request, Perm.RUN_EVALUATIONS) or condition.owner_id == request.user.pk):
        raise PermissionDenied("Only the condition's owner or an officer can mark it as met.")
    try:
        reviews.condition_complete(condition=condition, user=request.user, request=request)
        messages.success(request, "Condition marked as met.")
    except ValidationError as exc:
        form_error(request, exc)
    return redirect(evaluation)
