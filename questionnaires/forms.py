"""Forms of the template editor. They validate and translate text fields into the rules.py shapes."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from questionnaires.engine import facts, rules
from questionnaires.models import Question, Section, Template

OPERATOR_CHOICES = [("", "—")] + [(op, op.replace("_", " ")) for op in rules.CONDITION_OPERATORS]


def _lines(text: str) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in text.splitlines() if line.strip()]


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=100, help_text="Stable identifier used in exports; cannot change later."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    threshold_low = forms.IntegerField(min_value=0, max_value=100, initial=80, label="Low risk from score")
    threshold_moderate = forms.IntegerField(
        min_value=0, max_value=100, initial=60, label="Moderate risk from score"
    )
    threshold_high = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=40,
        label="High risk from score",
        help_text="Below this: critical.",
    )

    def __init__(self, *args: Any, template: Template | None = None, **kwargs: Any) -> None:
        if template is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": template.name,
                    "slug": template.slug,
                    "description": template.description,
                    **{f"threshold_{k}": v for k, v in template.thresholds.items()},
                },
            )
        super().__init__(*args, **kwargs)
        if template is not None:
            self.fields["slug"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values = [data.get(f"threshold_{k}") for k in ("low", "moderate", "high")]
        if None not in values:
            if not values[0] > values[1] > values[2]:
                raise ValidationError("Thresholds must fall from low to moderate to high (e.g. 80, 60, 40).")
            data["risk_thresholds"] = dict(zip(("low", "moderate", "high"), values, strict=True))
        return data


class CloneForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=100)


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["key", "title", "description", "weight"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A template in the clinical-ai-dd-template/1 JSON format.")

    MAX_SIZE = 2 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise ValidationError("The file is larger than 2 MB.")
        return upload


class QuestionForm(forms.Form):
    """Question fields as a person types them; `clean` builds options, condition, references and
    scoring in the shapes of questionnaires.engine.rules and attaches each error to its field."""

    key = forms.CharField(max_length=100, help_text="Stable across versions, e.g. baa.breach_notice_days.")
    type = forms.ChoiceField(choices=Question.Type.choices)
    prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    help_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Help for the vendor"
    )
    guidance = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Guidance for reviewers"
    )
    is_required = forms.BooleanField(required=False, initial=True, label="Required")
    allows_na = forms.BooleanField(required=False, label="Allows “not applicable”")
    weight = forms.DecimalField(max_digits=6, decimal_places=2, min_value=0, initial=1)
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Choice questions: one per line, value | label.",
    )
    unit = forms.CharField(max_length=40, required=False, help_text="Number questions.")
    minimum = forms.DecimalField(required=False, label="Min", help_text="Number questions.")
    maximum = forms.DecimalField(required=False, label="Max", help_text="Number questions.")
    max_length = forms.IntegerField(min_value=1, required=False, help_text="Text questions.")
    columns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Table questions: one per line, key | label | type (text or number).",
    )
    row_key = forms.CharField(max_length=80, required=False, help_text="Table: column naming each row.")
    required_rows = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Table: rows that must be present, one per line.",
    )
    has_expiry = forms.BooleanField(
        required=False, label="Documents carry an expiry date", help_text="File questions."
    )
    condition_question = forms.ChoiceField(required=False, label="Show only when the answer to")
    condition_operator = forms.ChoiceField(choices=OPERATOR_CHOICES, required=False, label="Operator")
    condition_value = forms.CharField(
        required=False, label="Value", help_text="Text, or JSON for numbers and lists (e.g. 5, true)."
    )
    references = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One per line: standing | citation | url. Standing: law, proposed, guidance or voluntary.",
    )
    requires_evidence = forms.BooleanField(required=False)
    evidence_hint = forms.CharField(max_length=300, required=False)
    fact = forms.ChoiceField(
        required=False,
        label="Fact recorded",
        choices=[("", "— none —")]
        + [(f.name, f"{f.name}: {f.description}") for f in facts.FACTS if not f.derived],
        help_text="The canonical fact this question asks for; consistency checks read facts.",
    )
    scoring = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        required=False,
        label="Scoring rule (JSON)",
        help_text='Empty: not scored. E.g. {"expected": "yes"} or {"points": {"never": 100, "always": 0}}.',
    )

    def __init__(
        self, *args: Any, earlier_keys: list[str], question: Question | None = None, **kwargs: Any
    ) -> None:
        if question is not None:
            kwargs.setdefault("initial", self.initial_for(question))
        super().__init__(*args, **kwargs)
        self.fields["condition_question"].choices = [("", "— always shown —")] + [
            (k, k) for k in earlier_keys
        ]

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        options = question.options or {}
        condition = question.condition or {}
        value = condition.get("value")
        return {
            "key": question.key,
            "type": question.type,
            "prompt": question.prompt,
            "help_text": question.help_text,
            "guidance": question.guidance,
            "is_required": question.is_required,
            "allows_na": question.allows_na,
            "weight": question.weight,
            "choices": "\n".join(f"{c.get('value')} | {c.get('label')}" for c in options.get("choices", [])),
            "unit": options.get("unit", ""),
            "minimum": options.get("min"),
            "maximum": options.get("max"),
            "max_length": options.get("max_length"),
            "columns": "\n".join(
                f"{c.get('key')} | {c.get('label')} | {c.get('type', 'text')}"
                for c in options.get("columns", [])
            ),
            "row_key": options.get("row_key", ""),
            "required_rows": "\n".join(options.get("required_rows", [])),
            "has_expiry": bool(options.get("has_expiry")),
            "condition_question": condition.get("question", ""),
            "condition_operator": condition.get("operator", ""),
            "condition_value": value if isinstance(value, str) else json.dumps(value) if condition else "",
            "references": "\n".join(
                " | ".join(filter(None, [r.get("standing", ""), r.get("citation", ""), r.get("url") or ""]))
                for r in question.references or []
            ),
            "requires_evidence": question.requires_evidence,
            "evidence_hint": question.evidence_hint,
            "scoring": json.dumps(question.scoring, indent=2) if question.scoring is not None else "",
            "fact": question.fact,
        }

    def _options(self, data: dict[str, Any]) -> dict[str, Any]:
        qtype = data.get("type")
        options: dict[str, Any] = {}
        if qtype in rules.CHOICE_TYPES:
            choices = []
            for parts in _lines(data.get("choices", "")):
                value = parts[0]
                label = parts[1] if len(parts) > 1 and parts[1] else value
                choices.append({"value": value, "label": label})
            if choices:
                options["choices"] = choices
        elif qtype == "number":
            if data.get("unit"):
                options["unit"] = data["unit"]
            for name, field in (("min", "minimum"), ("max", "maximum")):
                if data.get(field) is not None:
                    number = data[field]
                    options[name] = int(number) if number == number.to_integral_value() else float(number)
        elif qtype in ("short_text", "long_text"):
            if data.get("max_length"):
                options["max_length"] = data["max_length"]
        elif qtype == "table":
            columns = []
            for parts in _lines(data.get("columns", "")):
                if not 2 <= len(parts) <= 3 or (len(parts) == 3 and parts[2] not in ("text", "number")):
                    self.add_error(
                        "columns", f"Write each column as key | label | type; got {' | '.join(parts)!r}."
                    )
                    continue
                columns.append(
                    {"key": parts[0], "label": parts[1], "type": parts[2] if len(parts) > 2 else "text"}
                )
            if columns:
                options["columns"] = columns
            rows = [line.strip() for line in data.get("required_rows", "").splitlines() if line.strip()]
            if rows:
                options["required_rows"] = rows
            if data.get("row_key"):
                options["row_key"] = data["row_key"]
        elif qtype == "file" and data.get("has_expiry"):
            options["has_expiry"] = True
        field = {"number": "minimum", "table": "columns"}.get(qtype, "choices")
        incomplete = (qtype in rules.CHOICE_TYPES and not options.get("choices")) or (
            qtype == "table" and not options.get("columns")
        )
        if not incomplete:
            for message in rules.validate_options(qtype, options):
                self.add_error(field, message[0].upper() + message[1:])
        return options

    def _condition(self, data: dict[str, Any]) -> dict[str, Any] | None:
        source = data.get("condition_question")
        if not source:
            return None
        if not data.get("condition_operator"):
            self.add_error("condition_operator", "Choose how the answer is compared.")
            return None
        raw = data.get("condition_value", "")
        try:
            value = json.loads(raw)
            if isinstance(value, dict):
                value = raw
        except json.JSONDecodeError:
            value = raw
        return {"question": source, "operator": data["condition_operator"], "value": value}

    def _references(self, data: dict[str, Any]) -> list[dict[str, str]]:
        references = []
        for parts in _lines(data.get("references", "")):
            if parts[0] not in rules.STANDINGS or len(parts) < 2 or not parts[1]:
                self.add_error(
                    "references",
                    "Write each reference as standing | citation | url "
                    f"(standing: {', '.join(rules.STANDINGS)}).",
                )
                continue
            references.append(
                {"citation": parts[1], "url": parts[2] if len(parts) > 2 else "", "standing": parts[0]}
            )
        return references

    def _scoring(self, data: dict[str, Any], options: dict[str, Any]) -> Any:
        raw = (data.get("scoring") or "").strip()
        if not raw:
            return None
        try:
            scoring = json.loads(raw)
        except json.JSONDecodeError as exc:
            self.add_error("scoring", f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
            return None
        for message in rules.validate_scoring(data.get("type", ""), scoring, options):
            self.add_error("scoring", message[0].upper() + message[1:])
        return scoring

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        options = self._options(data)
        data["service_fields"] = {
            "key": data.get("key", ""),
            "type": data.get("type", ""),
            "prompt": data.get("prompt", ""),
            "help_text": data.get("help_text", ""),
            "guidance": data.get("guidance", ""),
            "is_required": data.get("is_required", False),
            "allows_na": data.get("allows_na", False),
            "weight": data.get("weight") if data.get("weight") is not None else 1,
            "options": options,
            "condition": self._condition(data),
            "references": self._references(data),
            "requires_evidence": data.get("requires_evidence", False),
            "evidence_hint": data.get("evidence_hint", ""),
            "scoring": self._scoring(data, options),
            "fact": data.get("fact", ""),
        }
        return data

    SERVICE_ERROR_FIELDS = {"options": "choices", "condition": "condition_question"}

    def add_service_errors(self, error: ValidationError) -> None:
        """Puts a service's field errors next to the matching form fields."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            target = self.SERVICE_ERROR_FIELDS.get(field, field)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
