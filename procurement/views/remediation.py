"""Remediation items on the evaluation page: the panel, one item's thread and its actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import get_for_org, member_required
from accounts.roles import Perm
from procurement.models import Evaluation, RemediationItem, RemediationMessage
from procurement.remediation_panel import RemediationCreateForm, latest_findings, open_conditions
from procurement.responses import evidence_file_response
from procurement.services import remediation as services
from procurement.services.evidence import evidence_record_download
from procurement.views.common import evaluation_summary

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

R = RemediationItem.Status


class MessageForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000, label="Message"
    )
    internal = forms.BooleanField(required=False, label="Internal note (never shown to the vendor)")
    file = forms.FileField(required=False, label="Document (optional)")


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=[(s, s) for s in (R.ACCEPTED, R.REJECTED, R.WAIVED, R.OPEN)])
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Note to the thread"
    )
    justification = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Why waive it"
    )


def _evaluation(request: HttpRequest, public_id) -> Evaluation:
    qs = Evaluation.objects.select_related("product__vendor", "template", "owner", "organization")
    return get_for_org(request, qs, public_id=public_id)


def _item(request: HttpRequest, public_id, item_id) -> RemediationItem:
    evaluation = _evaluation(request, public_id)
    qs = RemediationItem.objects.filter(evaluation=evaluation).select_related(
        "evaluation__product__vendor", "evaluation__owner", "evaluation__organization", "owner", "condition"
    )
    return get_for_org(request, qs, public_id=item_id)


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


@require_POST
@member_required(Perm.RUN_EVALUATIONS)
def remediation_create(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = _evaluation(request, public_id)
    findings = latest_findings(evaluation)
    conditions = list(open_conditions(evaluation))
    form = RemediationCreateForm(
        request.POST, evaluation=evaluation, findings=findings, conditions=conditions
    )
    if form.is_valid():
        data = form.cleaned_data
        chosen_findings = [f for f in findings if str(f.pk) in data["findings"]]
        chosen_conditions = [c for c in conditions if str(c.pk) in data["conditions"]]
        try:
            created = []
            if chosen_findings:
                created += services.remediation_from_findings(
                    evaluation=evaluation,
                    findings=chosen_findings,
                    user=request.user,
                    side=data["side"],
                    owner=data["owner"],
                    due_date=data["due_date"],
                    blocking=data["blocking"],
                    request=request,
                )
            if chosen_conditions:
                created += services.remediation_from_conditions(
                    evaluation=evaluation, conditions=chosen_conditions, user=request.user, request=request
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request, f"{len(created)} remediation item{'s' if len(created) != 1 else ''} opened."
            )
            return redirect(f"{evaluation.get_absolute_url()}#remediation-heading")
    return evaluation_summary(request, evaluation, remediation_form=form)


def _item_page(
    request: HttpRequest, item: RemediationItem, *, message_form=None, status_form=None, status=200
):
    thread = item.messages.select_related("author_user", "author_contact")
    context = {
        "item": item,
        "evaluation": item.evaluation,
        "thread": thread,
        "message_form": message_form or MessageForm(),
        "status_form": status_form or StatusForm(),
        "allowed": item.allowed_transitions() - {R.VENDOR_RESPONDED},
    }
    template = "procurement/remediation_item.html"
    if request.htmx and request.method == "POST":
        template += "#thread"
    return render(request, template, context, status=status)


@require_GET
@member_required(Perm.VIEW)
def remediation_item(request: HttpRequest, public_id, item_id) -> HttpResponse:
    return _item_page(request, _item(request, public_id, item_id))


@require_POST
@member_required(Perm.REVIEW)
def remediation_message(request: HttpRequest, public_id, item_id) -> HttpResponse:
    item = _item(request, public_id, item_id)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.remediation_message_post(
                item=item,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
                uploaded_file=form.cleaned_data.get("file"),
                user=request.user,
                request=request,
            )
        except ValidationError as exc:
            field = "body" if hasattr(exc, "error_dict") and "body" in exc.error_dict else None
            if field is None and not hasattr(exc, "error_dict"):
                field = "file"
            form.add_error(field, exc.messages)
        else:
            messages.success(
                request, "Internal note added." if form.cleaned_data["internal"] else "Message sent."
            )
            if request.htmx:
                return _item_page(request, item)
            return redirect(item)
    return _item_page(request, item, message_form=form, status=200)


@require_POST
@member_required(Perm.RUN_EVALUATIONS)
def remediation_status(request: HttpRequest, public_id, item_id) -> HttpResponse:
    item = _item(request, public_id, item_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.remediation_decide(
                item=item,
                to_status=form.cleaned_data["to_status"],
                note=form.cleaned_data["note"],
                justification=form.cleaned_data["justification"],
                user=request.user,
                request=request,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in ("note", "justification") else None, errors)
            else:
                form.add_error(None, exc)
        else:
            item.refresh_from_db()
            messages.success(request, f"The item is now {item.get_status_display().lower()}.")
            evaluation = item.evaluation
            evaluation.refresh_from_db()
            lifted = evaluation.decision == Evaluation.Decision.APPROVED and services.lifted_at(evaluation)
            if lifted and item.is_closed and item.blocking and not services.blocking_open(evaluation):
                messages.info(
                    request, "Every blocking item is closed: the approval is no longer conditional."
                )
            return redirect(item)
    return _item_page(request, item, status_form=form)


def _message_with_file(item: RemediationItem, message_id, *, vendor: bool) -> RemediationMessage:
    qs = RemediationMessage.objects.filter(item=item, public_id=message_id).exclude(stored_name="")
    if vendor:
        qs = qs.filter(internal=False)
    message = qs.first()
    if message is None:
        raise Http404("No such document.")
    return message


@require_GET
@member_required(Perm.VIEW)
def remediation_file(request: HttpRequest, public_id, item_id, message_id) -> HttpResponse:
    item = _item(request, public_id, item_id)
    message = _message_with_file(item, message_id, vendor=False)
    response = evidence_file_response(request, message)
    if response.status_code == 200:
        evidence_record_download(
            evidence=message, evaluation=item.evaluation, user=request.user, request=request
        )
    return response
