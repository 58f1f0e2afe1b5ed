"""In-app notifications: what happened in an evaluation that one member should act on."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet, User


class NotificationQuerySet(TenantQuerySet):
    def for_recipient(self, user: User, organization: Organization) -> NotificationQuerySet:
        return self.for_org(organization).filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One event for one person. Created beside the e-mail, whatever the person's e-mail choice."""

    class Kind(models.TextChoices):
        EVALUATION_SUBMITTED = "evaluation_submitted", "Vendor submitted"
        CLARIFICATION_ANSWERED = "clarification_answered", "Clarification answered"
        SECTION_ASSIGNED = "section_assigned", "Assigned to review"
        DECISION_REQUESTED = "decision_requested", "Ready for your decision"
        CONDITION_ASSIGNED = "condition_assigned", "Condition assigned to you"
        REASSESSMENT_OPENED = "reassessment_opened", "Re-assessment opened"
        MODEL_VERSION_REPORTED = "model_version_reported", "New model version reported"
        REMEDIATION = "remediation", "Remediation item"
        EVIDENCE_EXPIRING = "evidence_expiring", "Evidence expiring"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    evaluation = models.ForeignKey(
        "procurement.Evaluation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.CharField(max_length=300)
    # A path inside the product (never a vendor's invite link, which would carry a token).
    link = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the event went out by e-mail (at once or in a digest); the digest picks up the rest.
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread count on every page: one person's unread rows in one organization.
            models.Index(fields=["recipient", "organization", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
