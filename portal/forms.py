"""Forms of the vendor portal. They read and validate input; saving is done by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from procurement.services.evidence import METADATA_FIELDS, evidence_metadata_errors
from questionnaires.engine.answers import TABLE_MAX_ROWS, clean_table, clean_value
from questionnaires.engine.documents import DOCUMENT_TYPES
from questionnaires.models import Question


class AnswerForm(forms.Form):
    """One question's input. Prefixed by the question id so that a whole section posts as one form.

    The raw typed value is kept on `typed`, so that a validation error re-renders exactly what the
    vendor entered. A table saves its complete rows; the rows it holds back are described in
    `held` (the form is still valid), and the page keeps showing them as typed.
    """

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    not_applicable = forms.BooleanField(required=False)

    def __init__(self, question: Question, data: Any = None) -> None:
        super().__init__(data, prefix=f"q{question.pk}")
        self.question = question
        self.typed: Any = self._raw_value() if data is not None else None
        self.value_errors: list[str] = []
        self.held: list[str] = []

    @property
    def is_present(self) -> bool:
        """Whether the posted data contains this question at all (a section form may not)."""
        return self.data is not None and self.add_prefix("version") in self.data

    def _raw_value(self) -> Any:
        name = self.add_prefix("value")
        qtype = self.question.type
        if qtype == Question.Type.MULTI_CHOICE:
            return self.data.getlist(name) if hasattr(self.data, "getlist") else self.data.get(name, [])
        if qtype == Question.Type.TABLE:
            try:
                count = min(int(self.data.get(self.add_prefix("rows"), 0)), TABLE_MAX_ROWS + 1)
            except (TypeError, ValueError):
                count = 0
            keys = [c.get("key") for c in self.question.columns]
            return [
                {key: self.data.get(f"{name}-{i}-{key}", "") for key in keys} for i in range(max(count, 0))
            ]
        return self.data.get(name, "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("not_applicable"):
            if not self.question.allows_na:
                self.value_errors.append("This question cannot be answered 'not applicable'.")
                raise ValidationError("invalid")
            cleaned["value"] = None
            return cleaned
        try:
            if self.question.type == Question.Type.TABLE:
                table = clean_table(self.question.options or {}, self.typed)
                cleaned["value"] = table.rows or None
                self.held = table.held
            else:
                cleaned["value"] = clean_value(self.question, self.typed)
        except ValidationError as exc:
            self.value_errors.extend(exc.messages)
            raise ValidationError("invalid") from None
        return cleaned


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class EvidenceDescriptionForm(forms.Form):
    """What a document is: the vendor's description, checked like the service checks it."""

    document_type = forms.ChoiceField(
        label="Document type", required=False, choices=[("", "— choose —"), *DOCUMENT_TYPES]
    )
    issuer = forms.CharField(label="Issued by", max_length=200, required=False)
    model_version = forms.CharField(
        label="Model version it describes", max_length=100, required=False, help_text="Leave empty if none."
    )
    period_start = _date_field("Period covered from")
    period_end = _date_field("Period covered to")
    effective_on = _date_field("In force from")
    expires_on = _date_field("Valid until")

    def __init__(self, question: Question, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"q{question.pk}")
        super().__init__(*args, **kwargs)
        self.question = question
        if not (question.options or {}).get("has_expiry"):
            del self.fields["expires_on"]

    def clean(self) -> dict:
        cleaned = super().clean()
        for name, message in evidence_metadata_errors(cleaned).items():
            if name in self.fields:
                self.add_error(name, message)
        return cleaned

    def metadata(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in METADATA_FIELDS}

    def labelled_errors(self) -> list[str]:
        """Each error with the label of its field, for the line under the upload controls."""
        return [
            f"{self.fields[name].label}: {e}" if name in self.fields else e
            for name, errs in self.errors.items()
            for e in errs
        ]


class UploadForm(EvidenceDescriptionForm):
    file = forms.FileField(label="Document")

    field_order = ["file"]


class DelegateForm(forms.Form):
    name = forms.CharField(max_length=200, label="Colleague's name")
    email = forms.EmailField(label="Colleague's e-mail")
    role = forms.CharField(max_length=200, required=False, label="Role", help_text="e.g. Head of security")
    sections = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Sections your colleague may change",
        help_text="Tick none to hand over the whole questionnaire. Your colleague sees the other "
        "sections read-only and cannot submit.",
    )

    def __init__(self, *args, sections: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = sections


class ModelCardForm(forms.Form):
    """The vendor's CHAI Applied Model Card (XML); reading and checking it is the import service's work."""

    file = forms.FileField(label="Your CHAI Applied Model Card (XML, schema v0.2)")

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused by its size before a byte of it is read.
        if upload.size > self.max_bytes:
            raise ValidationError(
                f"The model card is larger than {self.max_bytes // 1024} KB; a card of that size is not read."
            )
        return upload


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(
        label="Filled workbook (.xlsx)",
        help_text="The workbook downloaded here, with your answers typed in. At most 5 MB.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


class RemediationReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000, label="Your answer"
    )
    file = forms.FileField(required=False, label="Document (optional)")
