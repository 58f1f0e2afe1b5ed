"""Remediation: findings and decision conditions followed up with the vendor, item by item."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet, User
from procurement.models.evaluation import Evaluation
from procurement.models.review import DecisionCondition
from procurement.models.scoring import Finding


class RemediationItemQuerySet(TenantQuerySet):
    def unresolved(self) -> RemediationItemQuerySet:
        """Still to be dealt with: open, answered by the vendor, or answered and rejected."""
        return self.filter(status__in=RemediationItem.UNRESOLVED)


class RemediationItem(models.Model):
    """One thing to put right after a finding or under a condition of approval, with its thread."""

    class Source(models.TextChoices):
        FINDING = "finding", "Finding"
        CONDITION = "condition", "Condition of approval"

    class Side(models.TextChoices):
        VENDOR = "vendor", "Vendor"
        BUYER = "buyer", "Our organization"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        VENDOR_RESPONDED = "vendor_responded", "Vendor responded"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Response rejected"
        WAIVED = "waived", "Waived"

    # status -> the statuses it may move to. The vendor only ever moves an item to "vendor responded".
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.VENDOR_RESPONDED, Status.ACCEPTED, Status.WAIVED}),
        Status.VENDOR_RESPONDED: frozenset({Status.ACCEPTED, Status.REJECTED, Status.WAIVED}),
        Status.REJECTED: frozenset({Status.VENDOR_RESPONDED, Status.ACCEPTED, Status.WAIVED}),
        Status.ACCEPTED: frozenset({Status.OPEN}),
        Status.WAIVED: frozenset({Status.OPEN}),
    }
    UNRESOLVED = (Status.OPEN, Status.VENDOR_RESPONDED, Status.REJECTED)
    CLOSED = (Status.ACCEPTED, Status.WAIVED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="remediation_items")
    product = models.ForeignKey("vendors.Product", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20, choices=Source.choices)
    # A finding: its code and its text as they stood when the item was opened (runs come and go).
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    finding_code = models.CharField(max_length=80, blank=True)
    finding_snapshot = models.JSONField(default=dict, blank=True)
    condition = models.ForeignKey(
        DecisionCondition, null=True, blank=True, on_delete=models.SET_NULL, related_name="remediation_items"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    side = models.CharField(max_length=10, choices=Side.choices, default=Side.VENDOR)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    blocking = models.BooleanField(
        default=True, help_text="Must be closed before a conditional approval can be lifted."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    waive_justification = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = RemediationItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="waived") | ~Q(waive_justification=""),
                name="remediation_waiver_justified",
            ),
            models.CheckConstraint(
                condition=~Q(source="finding") | ~Q(finding_code=""), name="remediation_finding_named"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="remediation_status_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("remediation_item", args=[self.evaluation.public_id, self.public_id])

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def is_overdue(self) -> bool:
        return bool(not self.is_closed and self.due_date and self.due_date < timezone.localdate())

    def allowed_transitions(self) -> frozenset[str]:
        return self.TRANSITIONS[self.status]

    def check_transition(self, to_status: str, *, justification: str = "") -> None:
        if to_status not in self.Status.values:
            raise ValidationError({"status": "Unknown status."}, code="invalid")
        if to_status not in self.TRANSITIONS[self.status]:
            raise ValidationError(
                {
                    "status": f"An item that is {self.get_status_display().lower()} cannot become "
                    f"{self.Status(to_status).label.lower()}."
                },
                code="transition",
            )
        if to_status == self.Status.VENDOR_RESPONDED and self.side != self.Side.VENDOR:
            raise ValidationError({"status": "Only items on the vendor's side take a vendor response."})
        if to_status == self.Status.WAIVED and not justification.strip():
            raise ValidationError({"justification": "Say why the item is waived."}, code="required")


class RemediationMessage(models.Model):
    """One message of an item's thread; internal notes are never shown to the vendor."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(RemediationItem, on_delete=models.CASCADE, related_name="messages")
    author_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    internal = models.BooleanField(default=False)
    # The status the item moved to with this message, if any (shown in the thread).
    status = models.CharField(max_length=20, choices=RemediationItem.Status.choices, blank=True)
    # An evidence document, checked by content and stored privately like the questionnaire's.
    file_name = models.CharField(max_length=255, blank=True)
    stored_name = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(internal=False) | Q(author_contact__isnull=True),
                name="remediation_vendor_never_internal",
            ),
        ]

    @property
    def has_file(self) -> bool:
        return bool(self.stored_name)

    @property
    def original_name(self) -> str:
        # The name the download response offers (see procurement.responses.evidence_file_response).
        return self.file_name


class RemediationReminderLog(models.Model):
    """One remediation reminder sent (or the overdue event raised), so none is sent twice."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(RemediationItem, on_delete=models.CASCADE, related_name="reminders")
    # "due_7", "due_1", "overdue", then "overdue_1", "overdue_2"... for each further week.
    kind = models.CharField(max_length=20)
    due_date = models.DateField()
    # An e-mail address; "" for the overdue event itself (see remediation_overdue_event).
    recipient = models.CharField(max_length=254, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "kind", "due_date", "recipient"], name="one_remediation_reminder"
            ),
        ]
