"""The buyer's inherent-risk intake for one evaluation: answered before the questionnaire is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import get_for_org, has_perm, member_required, require_perm
from accounts.roles import Perm
from procurement.forms import IntakeForm
from procurement.models import Evaluation
from procurement.selectors import scope_summary
from procurement.services.intake import INTAKE_EDITABLE, evaluation_intake_record

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@require_http_methods(["GET", "POST"])
@member_required(Perm.VIEW)
def evaluation_intake(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = get_for_org(
        request, Evaluation.objects.select_related("template", "product__vendor"), public_id=public_id
    )
    spec = evaluation.template.intake
    may_change = (
        bool(spec) and evaluation.status in INTAKE_EDITABLE and has_perm(request, Perm.RUN_EVALUATIONS)
    )
    form = (
        IntakeForm(
            request.POST if request.method == "POST" else None,
            spec=spec,
            initial_answers=evaluation.intake_answers,
        )
        if spec
        else None
    )
    if request.method == "POST":
        require_perm(request, Perm.RUN_EVALUATIONS)
        if not may_change:
            messages.error(request, "The scope of this evaluation cannot be changed now.")
            return redirect("evaluation_intake", evaluation.public_id)
        if form.is_valid():
            try:
                evaluation = evaluation_intake_record(
                    evaluation=evaluation, answers=form.cleaned_data, user=request.user, request=request
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else []:
                    form.add_error(name if name in form.fields else None, errors)
                if not hasattr(exc, "error_dict"):
                    form.add_error(None, exc)
            else:
                summary = scope_summary(evaluation)
                messages.success(
                    request,
                    f"Inherent risk: {evaluation.get_inherent_tier_display()}. The vendor will be asked "
                    f"{summary.asked_questions} of {summary.total_questions} questions.",
                )
                return redirect("evaluation_intake", evaluation.public_id)
    return render(
        request,
        "procurement/evaluation_intake.html",
        {
            "evaluation": evaluation,
            "form": form,
            "may_change": may_change,
            "scope": scope_summary(evaluation),
        },
    )
