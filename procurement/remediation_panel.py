"""The remediation panel of the evaluation page: its items and the form that opens new ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError

from accounts.roles import Perm
from procurement.forms import DateInput, MemberChoiceField
from procurement.models import DecisionCondition, Evaluation, Finding, RemediationItem
from procurement.services import remediation as services
from procurement.services.evaluations import members_with_perm
from procurement.services.scoring import latest_runs

if TYPE_CHECKING:
    from django.http import HttpRequest


def latest_findings(evaluation: Evaluation) -> list[Finding]:
    _, result = latest_runs(evaluation)
    if result is None:
        return []
    return list(Finding.objects.filter(score_run_id=result.result_run_id).order_by("kind", "id"))


class RemediationCreateForm(forms.Form):
    findings = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Findings"
    )
    conditions = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Conditions of approval"
    )
    side = forms.ChoiceField(choices=RemediationItem.Side.choices, initial=RemediationItem.Side.VENDOR)
    owner = MemberChoiceField(queryset=None, required=False, label="Owner (our side)")
    due_date = forms.DateField(required=False, widget=DateInput)
    blocking = forms.BooleanField(required=False, initial=True, label="Blocks lifting a conditional approval")

    def __init__(self, *args, evaluation: Evaluation, findings, conditions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["findings"].choices = [(str(f.pk), f"{f.title} ({f.code})") for f in findings]
        self.fields["conditions"].choices = [(str(c.pk), c.description) for c in conditions]
        self.fields["owner"].queryset = members_with_perm(evaluation.organization, Perm.VIEW)

    def clean(self):
        data = super().clean()
        if not data.get("findings") and not data.get("conditions"):
            raise ValidationError("Choose at least one finding or condition.")
        return data


def open_conditions(evaluation: Evaluation):
    return DecisionCondition.objects.filter(
        evaluation=evaluation, completed_at__isnull=True, remediation_items__isnull=True
    )


def remediation_context(request: HttpRequest, evaluation: Evaluation, form=None) -> dict:
    """What the evaluation page's remediation panel shows."""
    findings = latest_findings(evaluation)
    conditions = list(open_conditions(evaluation))
    items = list(
        RemediationItem.objects.filter(evaluation=evaluation)
        .select_related("owner")
        .order_by("status", "due_date", "id")
    )
    return {
        "remediation_items": items,
        "remediation_form": form
        or RemediationCreateForm(evaluation=evaluation, findings=findings, conditions=conditions),
        "remediation_can_create": bool(findings or conditions),
        "remediation_lifted_at": services.lifted_at(evaluation),
    }
