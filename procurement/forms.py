from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.forms import formset_factory

from accounts.models import User
from accounts.roles import Perm
from procurement.models import Evaluation
from procurement.services.bulk import ACTIONS as BULK_ACTIONS
from procurement.services.evaluations import members_with_perm, previous_candidates, templates_for_evaluation
from vendors.models import Contact, Product, Vendor


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.vendor.legal_name} — {obj}"


class DateInput(forms.DateInput):
    input_type = "date"


class EvaluationForm(forms.Form):
    product = ProductChoiceField(queryset=Product.objects.none(), to_field_name="public_id")
    template = forms.ModelChoiceField(
        queryset=None, to_field_name="public_id", label="Questionnaire (published version)"
    )
    purpose = forms.ChoiceField(choices=Evaluation.Purpose.choices, initial=Evaluation.Purpose.NEW_PURCHASE)
    previous = forms.ModelChoiceField(
        queryset=Evaluation.objects.none(),
        to_field_name="public_id",
        required=False,
        label="Previous evaluation (re-assessment only)",
        help_text="The earlier evaluation of the same product that this one re-assesses.",
    )
    owner = MemberChoiceField(queryset=User.objects.none())
    reviewers = MembersChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    due_date = forms.DateField(required=False, widget=DateInput)
    carry_forward = forms.BooleanField(
        required=False,
        label="Start from the last submitted answers",
        help_text=(
            "Carries the vendor's answers and documents from this product's latest submitted "
            "evaluation (for a re-assessment, the one it re-assesses). The vendor confirms or changes "
            "each one; nothing carried counts as answered until then."
        ),
    )

    def __init__(self, *args, organization, vendor: Vendor | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.for_org(organization).select_related("vendor")
        if vendor is not None:
            products = products.filter(vendor=vendor)
        self.fields["product"].queryset = products.order_by("vendor__legal_name", "name")
        self.fields["template"].queryset = templates_for_evaluation(organization)
        self.fields["owner"].queryset = members_with_perm(organization, Perm.VIEW)
        self.fields["reviewers"].queryset = members_with_perm(organization, Perm.REVIEW)
        self.fields["previous"].queryset = previous_candidates(organization)

    def clean(self):
        data = super().clean()
        previous, purpose = data.get("previous"), data.get("purpose")
        if purpose == Evaluation.Purpose.REASSESSMENT and previous is None:
            self.add_error("previous", "A re-assessment names the evaluation it re-assesses.")
        if previous is not None and data.get("product") and previous.product_id != data["product"].pk:
            self.add_error("previous", "The previous evaluation must be of the same product.")
        return data


class MonthField(forms.DateField):
    """A calendar month written YYYY-MM, cleaned to its first day."""

    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": "Enter a month as YYYY-MM."}


class EvaluationFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            ("awaiting_review", "Awaiting review (submitted or under review)"),
            *Evaluation.Status.choices,
        ],
    )
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="Any vendor",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    owner = MemberChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Any owner",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    risk_tier = forms.ChoiceField(required=False, choices=[("", "Any tier"), *Evaluation.RiskTier.choices])
    overdue = forms.BooleanField(required=False, label="Overdue only")
    # Reached from the dashboard's charts; shown on the list as removable chips, not as inputs.
    overdue_on = forms.DateField(required=False, widget=forms.HiddenInput, label="Overdue on")
    submitted_in = MonthField(required=False, widget=forms.HiddenInput, label="Submitted in")
    decided_in = MonthField(required=False, widget=forms.HiddenInput, label="Decided in")
    open_conditions = forms.BooleanField(
        required=False, widget=forms.HiddenInput, label="Approved with open conditions"
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.for_org(organization)
        self.fields["owner"].queryset = members_with_perm(organization, Perm.VIEW)


class DueDateForm(forms.Form):
    due_date = forms.DateField(required=False, widget=DateInput, label="New due date")


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Evaluation.Status.choices)


class AssignmentForm(forms.Form):
    reviewer = MemberChoiceField(queryset=User.objects.none())
    section = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Whole questionnaire", label="Section"
    )

    def __init__(self, *args, evaluation: Evaluation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = members_with_perm(evaluation.organization, Perm.REVIEW)
        self.fields["section"].queryset = evaluation.template.sections.all()


class CommentForm(forms.Form):
    question = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Comment")
    is_visible_to_vendor = forms.BooleanField(required=False, label="Visible to the vendor")


class ClarificationForm(forms.Form):
    questions = forms.TypedMultipleChoiceField(coerce=int, choices=(), label="Questions to reopen")
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Message to the vendor")

    def __init__(self, *args, question_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questions"].choices = question_choices


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Evaluation.Decision.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class ConditionForm(forms.Form):
    description = forms.CharField(required=False, widget=forms.TextInput, label="Condition")
    owner = MemberChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(required=False, widget=DateInput)

    def __init__(self, *args, organization=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if organization is not None:
            self.fields["owner"].queryset = members_with_perm(organization, Perm.VIEW)


ConditionFormSet = formset_factory(ConditionForm, extra=3, max_num=20)


class InviteForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Contacts to invite",
        error_messages={"required": "Choose at least one contact to invite."},
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Message (optional, included in the e-mail)",
    )

    def __init__(self, *args: Any, evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the evaluated product's vendor: a posted id of anyone else is simply not a choice.
        self.fields["contacts"].queryset = Contact.objects.filter(
            organization_id=evaluation.organization_id, vendor_id=evaluation.product.vendor_id
        )
        self.fields["contacts"].label_from_instance = lambda c: (
            f"{c.name} <{c.email}>" + (f" · {c.role}" if c.role else "")
        )


class IntakeForm(forms.Form):
    """The template's intake items as radio buttons; the service checks the answers again."""

    def __init__(self, *args: Any, spec: dict, initial_answers: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initial_answers = initial_answers or {}
        for item in spec.get("items", []):
            if item["type"] == "yes_no":
                choices = [("yes", "Yes"), ("no", "No")]
                current = initial_answers.get(item["key"])
                initial = None if current is None else ("yes" if current else "no")
            else:
                choices = [(c["value"], c.get("label") or c["value"]) for c in item.get("choices", [])]
                initial = initial_answers.get(item["key"])
            self.fields[item["key"]] = forms.ChoiceField(
                label=item["prompt"],
                help_text=item.get("help_text", ""),
                choices=choices,
                widget=forms.RadioSelect,
                initial=initial,
            )


class PublicIdsField(forms.Field):
    """The evaluations ticked on the list, as their public ids; anything else is refused."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one evaluation.",
        "invalid": "Select evaluations from the list.",
    }

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return list(dict.fromkeys(str(uuid.UUID(str(v))) for v in values))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("", "Choose an action"), *((key, a.label) for key, a in BULK_ACTIONS.items())],
        label="With the selected evaluations",
        error_messages={"required": "Choose what to do with the selected evaluations."},
    )
    evaluations = PublicIdsField()
    due_date = forms.DateField(
        required=False,
        widget=DateInput,
        label="New due date (for extending)",
        error_messages={"invalid": "Enter the new due date as YYYY-MM-DD."},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The list's filters, sort and page, to go back to the same view of the list.
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class ModelVersionForm(forms.Form):
    """A new version of a product's model, as the vendor or an officer reports it."""

    version = forms.CharField(max_length=50, label="New version")
    release_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20000,
        help_text="What changed: data, training, performance, interfaces.",
    )
    within_pccp = forms.ChoiceField(
        label="Does the change fall within the authorized Predetermined Change Control Plan (PCCP)?",
        choices=[
            ("yes", "Yes, within the authorized PCCP"),
            ("no", "No, outside it"),
            ("unknown", "Not known"),
        ],
        widget=forms.RadioSelect,
    )
    changes_intended_use = forms.BooleanField(
        required=False, label="The change affects the product's intended use or indications"
    )


class ReviewPolicyForm(forms.Form):
    """The organization's review intervals per risk tier and the lead time of a re-assessment."""

    critical_months = forms.IntegerField(
        min_value=1, max_value=60, label="Critical risk: months between reviews"
    )
    high_months = forms.IntegerField(min_value=1, max_value=60, label="High risk: months between reviews")
    moderate_months = forms.IntegerField(
        min_value=1, max_value=60, label="Moderate risk: months between reviews"
    )
    low_months = forms.IntegerField(min_value=1, max_value=60, label="Low risk: months between reviews")
    lead_days = forms.IntegerField(
        min_value=0,
        max_value=180,
        label="Open the re-assessment this many days before the review date",
        help_text="Time for the vendor to answer before the review date.",
    )
