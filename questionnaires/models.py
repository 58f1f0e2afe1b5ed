"""Questionnaire templates (versioned, immutable once published) and the answers given to them.

This app is the ground floor: it imports nothing from the other apps. Evaluations are referred to
by string ("procurement.Evaluation").
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone


class TemplateQuerySet(models.QuerySet):
    def visible_to(self, organization) -> TemplateQuerySet:
        """The organization's own templates and the shipped library (read-only for everyone)."""
        return self.filter(models.Q(organization=organization) | models.Q(organization__isnull=True))

    def for_org(self, organization) -> TemplateQuerySet:
        return self.filter(organization=organization)

    def library(self) -> TemplateQuerySet:
        return self.filter(organization__isnull=True)

    def published(self) -> TemplateQuerySet:
        return self.filter(status=Template.Status.PUBLISHED)


class Template(models.Model):
    """One version of a questionnaire. Published versions never change; edits go to a new draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    DEFAULT_RISK_THRESHOLDS = {"low": 80, "moderate": 60, "high": 40}

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Null: part of the shipped library, visible to every organization and editable by none.
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Minimum overall score for each tier; below "high" the tier is "critical".
    risk_thresholds = models.JSONField(default=dict, blank=True)
    # The inherent-risk intake the buyer answers before sending ({"items": [...], "rules": [...]},
    # checked by questionnaires.engine.intake.validate_intake); null: everything is always asked.
    intake = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            # NULL organizations are distinct in SQL, so the library needs its own constraint.
            models.UniqueConstraint(
                fields=["organization", "slug", "version"],
                condition=models.Q(organization__isnull=False),
                name="unique_org_template_version",
            ),
            models.UniqueConstraint(
                fields=["slug", "version"],
                condition=models.Q(organization__isnull=True),
                name="unique_library_template_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("template_detail", args=[self.public_id])

    @property
    def is_library(self) -> bool:
        return self.organization_id is None

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT and not self.is_library

    @property
    def thresholds(self) -> dict[str, float]:
        return {**self.DEFAULT_RISK_THRESHOLDS, **(self.risk_thresholds or {})}

    def ensure_editable(self) -> None:
        if self.is_library:
            raise ValidationError("Library templates are read-only; clone one to change it.")
        if self.status != self.Status.DRAFT:
            raise ValidationError(
                f"Version {self.version} is {self.get_status_display().lower()} and cannot change; "
                "create a new version to edit it."
            )


class AskedFrom(models.TextChoices):
    """The lowest inherent risk tier at which a section or question is asked."""

    ALWAYS = "", "Always"
    MODERATE = "moderate", "Moderate inherent risk and above"
    HIGH = "high", "High inherent risk and above"
    CRITICAL = "critical", "Critical inherent risk only"


class Section(models.Model):
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=80, help_text="Stable identifier, unique within the template.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    asked_from = models.CharField(max_length=10, choices=AskedFrom.choices, default="", blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="unique_section_key_per_template"),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question. `key` is stable across versions so answers can be compared between them."""

    class Type(models.TextChoices):
        YES_NO = "yes_no", "Yes / no"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTI_CHOICE = "multi_choice", "Multiple choice"
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        URL = "url", "URL"
        FILE = "file", "File evidence"
        TABLE = "table", "Table"

    class Standing(models.TextChoices):
        LAW = "law", "Law (in force)"
        PROPOSED = "proposed", "Proposed rule"
        GUIDANCE = "guidance", "Agency guidance (non-binding)"
        VOLUNTARY = "voluntary", "Voluntary framework"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    # Denormalized from the section so that keys can be unique per template in the database.
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=100)
    prompt = models.TextField()
    help_text = models.TextField(blank=True, help_text="Shown to the vendor.")
    guidance = models.TextField(blank=True, help_text="Shown to reviewers: what a good answer looks like.")
    type = models.CharField(max_length=20, choices=Type.choices)
    is_required = models.BooleanField(default=True)
    allows_na = models.BooleanField(default=False, help_text="The vendor may answer 'not applicable'.")
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    order = models.PositiveIntegerField(default=0)
    # Type-specific settings: choices [{value, label}], unit/min/max, table columns, has_expiry.
    options = models.JSONField(default=dict, blank=True)
    # {"question": KEY, "operator": "equals"|"contains"|"at_least", "value": ...} or null.
    condition = models.JSONField(null=True, blank=True)
    # [{"citation": ..., "url": ..., "standing": law|proposed|guidance|voluntary}]
    references = models.JSONField(default=list, blank=True)
    requires_evidence = models.BooleanField(default=False)
    evidence_hint = models.CharField(max_length=300, blank=True)
    # Shape checked by questionnaires.engine.rules.validate_scoring; meaning given by the scoring engine.
    scoring = models.JSONField(null=True, blank=True)
    asked_from = models.CharField(max_length=10, choices=AskedFrom.choices, default="", blank=True)
    # The canonical fact this question records (questionnaires.engine.facts); checks read facts, so
    # any template asking the same fact gets the same checks. Blank: none.
    fact = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="unique_question_key_per_template"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.prompt[:60]}"

    @property
    def choices(self) -> list[dict]:
        return list(self.options.get("choices", []))

    @property
    def columns(self) -> list[dict]:
        return list(self.options.get("columns", []))
