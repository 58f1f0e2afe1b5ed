"""The vendor's answers to an evaluation's questions and the evidence files attached to them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import TenantQuerySet
from questionnaires.engine.documents import DOCUMENT_TYPES
from questionnaires.models import Question


class Answer(models.Model):
    """The vendor's current answer to one question of one evaluation.

    `version` rises by one on each save; a save carrying an older version is a conflict, so two
    people editing the same answer never overwrite each other silently.

    An answer may start prefilled (carried forward from an earlier evaluation, or read from the
    vendor's model card). Until the vendor confirms it, or edits it, it counts as no answer at all:
    not for progress, not for submission, not for scoring. `prefilled_value` keeps what was
    prefilled, so reviewers can tell a confirmed answer from one changed after carrying.
    """

    class Source(models.TextChoices):
        TYPED = "", "Typed by the vendor"
        CARRIED = "carried", "Carried forward"
        MODEL_CARD = "model_card", "From the vendor's model card"
        UPGRADED = "upgraded", "Kept from the earlier template version"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey("procurement.Evaluation", on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(null=True, blank=True)
    is_not_applicable = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    source = models.CharField(max_length=20, choices=Source.choices, blank=True, default=Source.TYPED)
    prefilled_from = models.ForeignKey(
        "procurement.Evaluation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The evaluation a carried answer came from.",
    )
    prefilled_at = models.DateTimeField(null=True, blank=True)
    prefilled_value = models.JSONField(null=True, blank=True)
    prefilled_not_applicable = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when a template upgrade left this answer behind (its question removed, retyped, or its
    # chosen option gone). An archived answer keeps pointing at the old version's question; it is
    # shown in the audit trail and the report, and never counts for progress or scoring.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_reason = models.CharField(max_length=300, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "question"], name="one_answer_per_question"),
            # Only a prefilled answer waits for confirmation; a typed one is the vendor's own word.
            models.CheckConstraint(
                condition=models.Q(source="") | models.Q(prefilled_at__isnull=False),
                name="prefilled_answer_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="") | models.Q(confirmed_at__isnull=True),
                name="only_prefilled_answer_is_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.key} = {self.value!r}"

    @property
    def is_pending(self) -> bool:
        """Prefilled and not yet confirmed: counts as unanswered everywhere."""
        return bool(self.source) and self.confirmed_at is None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_changed(self) -> bool:
        """Prefilled, then changed by the vendor."""
        return bool(self.source) and (
            self.value != self.prefilled_value or self.is_not_applicable != self.prefilled_not_applicable
        )

    @property
    def prefill_state(self) -> str:
        """'' for a typed answer, else 'pending', 'confirmed' or 'changed' (for reviewers and the API)."""
        if not self.source:
            return ""
        if self.is_changed:
            return "changed"
        return "pending" if self.confirmed_at is None else "confirmed"


class EvidenceFile(models.Model):
    """A document uploaded as evidence for one question, stored privately under a random name.

    The vendor describes what it is (type, issuer, period covered, model version, the dates it is
    in force); the consistency checks read that description, and the expiry drives the reminders.
    """

    DocumentType = models.TextChoices("DocumentType", [(v, (v, label)) for v, label in DOCUMENT_TYPES])

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(
        "procurement.Evaluation", on_delete=models.CASCADE, related_name="evidence_files"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="evidence_files")
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    expires_on = models.DateField(null=True, blank=True)
    document_type = models.CharField(max_length=30, choices=DocumentType.choices, blank=True)
    issuer = models.CharField(max_length=200, blank=True, help_text="Who issued or signed the document.")
    period_start = models.DateField(null=True, blank=True, help_text="First day of the period covered.")
    period_end = models.DateField(null=True, blank=True, help_text="Last day of the period covered.")
    model_version = models.CharField(max_length=100, blank=True, help_text="The model version it describes.")
    effective_on = models.DateField(null=True, blank=True, help_text="The day it took effect.")
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The earlier evaluation's file this one is a copy of (same SHA-256).",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="evidence_period_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_on__isnull=True)
                | models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("effective_on")),
                name="evidence_expires_after_effective",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_described(self) -> bool:
        return bool(self.document_type)

    @property
    def is_expired(self) -> bool:
        return bool(self.expires_on and self.expires_on < timezone.localdate())
