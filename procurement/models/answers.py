"""The vendor's answers to an evaluation's questions and the evidence files attached to them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import TenantQuerySet
from questionnaires.models import Question


class Answer(models.Model):
    """The vendor's current answer to one question of one evaluation.

    `version` rises by one on each save; a save carrying an older version is a conflict, so two
    people editing the same answer never overwrite each other silently.
    """

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

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "question"], name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.question.key} = {self.value!r}"


class EvidenceFile(models.Model):
    """A document uploaded as evidence for one question, stored privately under a random name."""

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
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_expired(self) -> bool:
        return bool(self.expires_on and self.expires_on < timezone.localdate())
