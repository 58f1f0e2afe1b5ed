"""Rendered documents, stored and reused until the evaluation they describe changes."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import TenantQuerySet


class Report(models.Model):
    class Kind(models.TextChoices):
        DUE_DILIGENCE = "due_diligence", "Due-diligence report"
        VENDOR_ANSWERS = "vendor_answers", "Vendor's submitted answers"
        COMPARISON = "comparison", "Comparison"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(
        "procurement.Evaluation", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    # For comparisons: the evaluations compared, in display order.
    evaluations = models.ManyToManyField("procurement.Evaluation", blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    content_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="reports/", blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    # SHA-256 of the stored PDF, checked on every download (the store may be a shared bucket).
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker began rendering; a row still "rendering" long past the task's time limit was
    # left behind by a killed worker.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "kind", "content_hash"])]
