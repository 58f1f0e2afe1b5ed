"""Report panel, downloads, comparison, re-assessment changes and answer exports."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from accounts.access import get_for_org, has_perm, member_required, org_queryset
from accounts.roles import Perm
from procurement.model_card.export import build_card, card_filename
from procurement.models import Evaluation
from procurement.responses import stored_file_refused
from procurement.services.bulk import bulk_selection
from procurement.stored_files import StoredFileAltered, StoredFileMissing
from reports import comparison as comparisons
from reports import context as contexts
from reports import exports, services
from reports.models import Report

if TYPE_CHECKING:
    from accounts.models import User
    from vendors.models import Contact

EVALUATIONS = Evaluation.objects.select_related("product__vendor", "template", "organization")


def _evaluation(request: HttpRequest, public_id) -> Evaluation:
    return get_for_org(request, EVALUATIONS, public_id=public_id)


def _download_name(report: Report) -> str:
    stamp = timezone.localtime(report.finished_at or report.created_at).strftime("%Y%m%d")
    if report.evaluation is not None:
        product = report.evaluation.product
        subject = slugify(f"{product.vendor.legal_name} {product.name} {product.version}")
    else:
        subject = "evaluations"
    return f"{report.kind.replace('_', '-')}-{subject}-{stamp}.pdf"


def _pdf_response(
    request: HttpRequest, report: Report, *, user: User | None = None, contact: Contact | None = None
) -> FileResponse | HttpResponse:
    """The verified stored PDF as an attachment, audited; or why it cannot be served."""
    try:
        pdf = services.report_file(report)
    except StoredFileMissing as exc:
        raise Http404(exc.message) from None
    except StoredFileAltered as exc:
        return stored_file_refused(request, exc)
    services.report_download(report=report, user=user, contact=contact, request=request)
    response = FileResponse(
        pdf, as_attachment=True, filename=_download_name(report), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_required(Perm.VIEW)
def report_panel(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    context = {"evaluation": evaluation, "may_download": has_perm(request, Perm.VIEW_REPORTS)}
    if context["may_download"]:
        report = services.latest_report(evaluation)
        if report is not None:
            report = services.report_fail_if_stuck(report=report)
        context["report"] = report
        context["is_current"] = bool(report) and report.content_hash == services.content_hash(
            Report.Kind.DUE_DILIGENCE, contexts.due_diligence_context(evaluation)
        )
    return render(request, "reports/report_panel.html", context)


@require_POST
@member_required(Perm.VIEW_REPORTS)
def report_generate(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    report = services.report_request(evaluation=evaluation, kind=Report.Kind.DUE_DILIGENCE, user=request.user)
    # With eager tasks (local runs) the rendering has already finished by now.
    report.refresh_from_db()
    if not request.htmx:
        try:
            return redirect(evaluation.get_absolute_url())
        except NoReverseMatch:
            return redirect("dashboard")
    return render(
        request,
        "reports/report_panel.html",
        {"evaluation": evaluation, "may_download": True, "report": report, "is_current": True},
    )


@require_GET
@member_required(Perm.VIEW_REPORTS)
def report_status(request: HttpRequest, public_id) -> HttpResponse:
    report = get_for_org(request, Report.objects.select_related("evaluation"), public_id=public_id)
    report = services.report_fail_if_stuck(report=report)
    return render(request, "reports/_report_status.html", {"report": report})


@require_GET
@member_required(Perm.VIEW_REPORTS)
def report_download(request: HttpRequest, public_id) -> HttpResponse:
    report = get_for_org(
        request,
        Report.objects.select_related("evaluation__product__vendor", "organization"),
        public_id=public_id,
    )
    if report.status != Report.Status.DONE or not report.file:
        raise Http404("The report is not ready.")
    return _pdf_response(request, report, user=request.user)


def vendor_answers_download(
    request: HttpRequest, report: Report, contact: Contact | None = None
) -> HttpResponse:
    """Serves a finished vendor answers PDF, audited. The caller has already authorised it."""
    return _pdf_response(request, report, contact=contact)


def _chosen(request: HttpRequest, source) -> list[Evaluation]:
    """Evaluations of this organization named by `e` parameters, in the order given."""
    ids = []
    for value in source.getlist("e"):
        if value not in ids:
            ids.append(value)
    found = {
        str(e.public_id): e for e in org_queryset(request, EVALUATIONS).filter(public_id__in=_valid(ids))
    }
    return [found[i] for i in ids if i in found]


def _valid(ids: list[str]) -> list[str]:
    valid = []
    for value in ids:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


@require_GET
@member_required(Perm.VIEW_REPORTS)
def comparison(request: HttpRequest) -> HttpResponse:
    chosen = _chosen(request, request.GET)
    comparison_context, error = None, ""
    if request.GET.getlist("e"):
        try:
            comparison_context = comparisons.comparison_context(chosen)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    report = None
    if request.GET.get("report"):
        report = (
            org_queryset(request, Report)
            .filter(kind=Report.Kind.COMPARISON, public_id__in=_valid([request.GET["report"]]))
            .first()
        )
        if report is not None:
            report = services.report_fail_if_stuck(report=report)
    candidates = org_queryset(request, EVALUATIONS).order_by("-created_at")[:200]
    return render(
        request,
        "reports/comparison.html",
        {
            "candidates": candidates,
            "chosen_ids": {str(e.public_id) for e in chosen},
            "chosen": chosen,
            "report": comparison_context,
            "error": error,
            "pdf_report": report,
            "limits": (contexts.COMPARISON_MIN, contexts.COMPARISON_MAX),
        },
    )


@require_POST
@member_required(Perm.VIEW_REPORTS)
def comparison_generate(request: HttpRequest) -> HttpResponse:
    chosen = _chosen(request, request.POST)
    query = [("e", str(e.public_id)) for e in chosen]
    try:
        report = services.comparison_request(evaluations=chosen, user=request.user)
    except ValidationError:
        return redirect(reverse("comparison") + "?" + urlencode(query))
    return redirect(reverse("comparison") + "?" + urlencode([*query, ("report", str(report.public_id))]))


@require_GET
@member_required(Perm.VIEW)
def reassessment_changes(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    if not evaluation.previous_id:
        raise Http404("This evaluation does not re-assess an earlier one.")
    changes = contexts.reassessment_context(evaluation)
    return render(
        request, "reports/reassessment_changes.html", {"evaluation": evaluation, "changes": changes}
    )


def _export_name(evaluation: Evaluation, extension: str, *, prefix: str = "answers") -> str:
    product = evaluation.product
    return f"{prefix}-{slugify(f'{product.vendor.legal_name} {product.name} {product.version}')}.{extension}"


@require_GET
@member_required(Perm.VIEW_REPORTS)
def answers_csv(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    response = HttpResponse(exports.answers_csv(evaluation), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(evaluation, "csv")}"'
    return response


@require_GET
@member_required(Perm.VIEW_REPORTS)
def audit_trail_csv(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    response = HttpResponse(exports.audit_trail_csv(evaluation), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_export_name(evaluation, "csv", prefix="audit-trail")}"'
    )
    return response


@require_GET
@member_required(Perm.VIEW_REPORTS)
def evaluation_model_card(request: HttpRequest, public_id) -> HttpResponse:
    """The answers as a CHAI Applied Model Card (XML, schema v0.2)."""
    evaluation = _evaluation(request, public_id)
    response = HttpResponse(build_card(evaluation), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{card_filename(evaluation)}"'
    return response


@require_GET
@member_required(Perm.VIEW_REPORTS)
def answers_xlsx(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    response = HttpResponse(
        exports.answers_xlsx(evaluation),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(evaluation, "xlsx")}"'
    return response


@require_POST
@member_required(Perm.VIEW_REPORTS)
def evaluations_export(request: HttpRequest) -> HttpResponse:
    """The evaluations ticked on the list as a spreadsheet; other organizations' ids are ignored."""
    evaluations = bulk_selection(
        organization=request.organization, public_ids=request.POST.getlist("evaluations")
    )
    if not evaluations:
        messages.error(request, "Select at least one evaluation to export.")
        query = request.POST.get("query", "")[:2000]
        return redirect(f"{reverse('evaluation_list')}{'?' + query if query else ''}")
    stamp = f"{timezone.localdate():%Y%m%d}"
    if request.POST.get("format") == "xlsx":
        response = HttpResponse(
            exports.evaluations_xlsx(evaluations),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="evaluations-{stamp}.xlsx"'
        return response
    response = HttpResponse(exports.evaluations_csv(evaluations), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evaluations-{stamp}.csv"'
    return response
