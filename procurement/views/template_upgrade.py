"""Moving an evaluation to a newer version of its template: the plan, then applying it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import get_for_org, member_required
from accounts.roles import Perm
from procurement.models import Evaluation
from procurement.services.template_upgrade import (
    evaluation_template_upgrade_apply,
    evaluation_template_upgrade_plan,
)
from questionnaires.engine.upgrade import ACTIONS
from questionnaires.models import Template

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

COUNT_FIELDS = (*ACTIONS, "new")


class ApplyUpgradeForm(forms.Form):
    """The plan's counts as the officer saw them, so a plan changed since is not applied blind."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in COUNT_FIELDS:
            self.fields[name] = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
@member_required(Perm.RUN_EVALUATIONS)
def evaluation_template_upgrade(request: HttpRequest, public_id, template_id) -> HttpResponse:
    evaluation = get_for_org(
        request, Evaluation.objects.select_related("template", "product__vendor"), public_id=public_id
    )
    try:
        target = Template.objects.visible_to(request.organization).get(public_id=template_id)
    except Template.DoesNotExist:
        raise Http404("Not found.") from None
    if request.method == "POST":
        form = ApplyUpgradeForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The plan could not be read; review it again before applying it.")
            return redirect("evaluation_template_upgrade", evaluation.public_id, target.public_id)
        try:
            result = evaluation_template_upgrade_apply(
                evaluation=evaluation,
                target=target,
                actor=request.user,
                expected_counts=form.cleaned_data,
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            if exc.code == "stale_plan":
                return redirect("evaluation_template_upgrade", evaluation.public_id, target.public_id)
            return redirect(evaluation)
        counts = result.counts
        messages.success(
            request,
            f"The evaluation now uses {target.name} v{target.version}: {counts['keep']} answers kept, "
            f"{counts['confirm']} for the vendor to confirm, "
            f"{counts['archive'] + counts['choice_removed']} archived, {counts['new']} new questions.",
        )
        return redirect(evaluation)
    try:
        plan = evaluation_template_upgrade_plan(evaluation=evaluation, target=target)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(evaluation)
    form = ApplyUpgradeForm(initial=plan.counts)
    return render(
        request,
        "procurement/evaluation_template_upgrade.html",
        {"evaluation": evaluation, "plan": plan, "form": form},
    )
