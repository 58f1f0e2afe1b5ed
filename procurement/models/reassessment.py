"""After the decision: when an approved product is looked at again, and the model versions it went through.

A `ReviewPolicy` holds one organization's review intervals per risk tier. Each approval opens one
`ReviewCycle` (one per approved evaluation): the product's next review date, and the re-assessment
opened for it, at most one. A `ModelVersion` is one version of a product's model as the vendor (or
an officer) reported it, with what was done about it and the evaluation that covered it.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet, User

# The organization's own policy, not a legal requirement: a starting point that each hospital
# adjusts on its settings page. Shorter intervals for riskier products.
DEFAULT_INTERVAL_MONTHS = {"critical": 6, "high": 12, "moderate": 18, "low": 24}
DEFAULT_LEAD_DAYS = 30

_MONTHS = [MinValueValidator(1), MaxValueValidator(60)]


class ReviewPolicy(models.Model):
    """How often one organization re-assesses an approved product, by its risk tier."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="review_policy")
    critical_months = models.PositiveSmallIntegerField(
        default=DEFAULT_INTERVAL_MONTHS["critical"], validators=_MONTHS
    )
    high_months = models.PositiveSmallIntegerField(
        default=DEFAULT_INTERVAL_MONTHS["high"], validators=_MONTHS
    )
    moderate_months = models.PositiveSmallIntegerField(
        default=DEFAULT_INTERVAL_MONTHS["moderate"], validators=_MONTHS
    )
    low_months = models.PositiveSmallIntegerField(default=DEFAULT_INTERVAL_MONTHS["low"], validators=_MONTHS)
    lead_days = models.PositiveSmallIntegerField(
        default=DEFAULT_LEAD_DAYS,
        validators=[MinValueValidator(0), MaxValueValidator(180)],
        help_text="Days before the review date on which the re-assessment opens, for the vendor to answer.",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Review policy of {self.organization}"

    def months_for(self, tier: str) -> int:
        return getattr(self, f"{tier}_months")


class ReviewCycle(models.Model):
    """One approval's review: the next review date, and the re-assessment opened for it (at most one)."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Review date"
        MODEL_VERSION = "model_version", "Model version change"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("vendors.Product", on_delete=models.CASCADE, related_name="review_cycles")
    approved_evaluation = models.OneToOneField(
        "procurement.Evaluation", on_delete=models.CASCADE, related_name="review_cycle"
    )
    risk_tier = models.CharField(max_length=10)
    review_on = models.DateField(help_text="The next review date, from the approval and the policy.")
    opens_on = models.DateField(
        help_text="When the re-assessment is opened: the review date less the lead time."
    )
    # One re-assessment per cycle: the one-to-one makes a second one impossible, even from two beats.
    reassessment = models.OneToOneField(
        "procurement.Evaluation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opened_by_cycle",
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    # Set when a later decision on the product replaces this cycle.
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["opens_on"], name="reviewcycle_opens_idx")]

    def __str__(self) -> str:
        return f"Review of {self.product} on {self.review_on}"

    @property
    def is_pending(self) -> bool:
        """Still waiting for its re-assessment (its dates follow the policy)."""
        return self.reassessment_id is None and self.closed_at is None


class ModelVersion(models.Model):
    """One reported version of a product's model, and what it led to."""

    class Pccp(models.TextChoices):
        YES = "yes", "Within the authorized PCCP"
        NO = "no", "Outside the authorized PCCP"
        UNKNOWN = "unknown", "Not known"

    class Action(models.TextChoices):
        EVALUATED = "evaluated", "Evaluated"
        REASSESSMENT_OPENED = "reassessment_opened", "Re-assessment opened"
        ADDED_TO_OPEN = "added_to_open", "Covered by the open evaluation"
        RECORDED = "recorded", "Recorded for the next review"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("vendors.Product", on_delete=models.CASCADE, related_name="model_versions")
    version = models.CharField(max_length=50)
    release_notes = models.TextField(blank=True)
    within_pccp = models.CharField(max_length=10, choices=Pccp.choices, default=Pccp.UNKNOWN)
    changes_intended_use = models.BooleanField(default=False)
    reported_at = models.DateTimeField(default=timezone.now)
    reported_by_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_by_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_by_label = models.CharField(max_length=200)
    action = models.CharField(max_length=30, choices=Action.choices)
    covered_by = models.ForeignKey(
        "procurement.Evaluation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="covered_versions",
        help_text="The evaluation that assessed this version (empty until one does).",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.product.name} {self.version}"

    @property
    def needs_reassessment(self) -> bool:
        """Outside the authorized PCCP, or a change to the intended use: assessed at once."""
        return self.within_pccp == self.Pccp.NO or self.changes_intended_use
