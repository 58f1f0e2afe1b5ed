"""Findings on an approved product after the decision: an expired evidence document, for example."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import TenantQuerySet


class ProductFindingQuerySet(TenantQuerySet):
    def open(self) -> ProductFindingQuerySet:
        return self.filter(resolved_at__isnull=True)


class ProductFinding(models.Model):
    """A problem with a product's current approval, raised by the daily evidence job.

    Open until `resolved_at`: an expired document is resolved when a newer unexpired document
    for the same question replaces it (or the approval is no longer the product's current one).
    """

    class Code(models.TextChoices):
        EVIDENCE_EXPIRED = "evidence_expired", "Evidence expired on an approved product"

    class Severity(models.TextChoices):
        MODERATE = "moderate", "Moderate"
        HIGH = "high", "High"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("vendors.Product", on_delete=models.CASCADE, related_name="findings")
    evaluation = models.ForeignKey(
        "procurement.Evaluation", on_delete=models.CASCADE, related_name="product_findings"
    )
    evidence = models.ForeignKey(
        "procurement.EvidenceFile", on_delete=models.CASCADE, related_name="product_findings"
    )
    code = models.CharField(max_length=30, choices=Code.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    title = models.CharField(max_length=300)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "procurement.EvidenceFile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The newer document that replaced the expired one.",
    )

    objects = ProductFindingQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "code"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_product_finding_per_file",
            ),
        ]

    def __str__(self) -> str:
        return self.title
