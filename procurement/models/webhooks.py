"""Webhooks: endpoints of other systems that an organization wants told about events, and the outbox.

A delivery row is written in the transaction of the event itself (the outbox), then sent by a
worker; every attempt to send it is kept with the response, so nothing is lost and every failure
can be read back.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet, User


class WebhookEvent(models.TextChoices):
    """The event kinds an endpoint can subscribe to (webhook.test is sent on request only)."""

    EVALUATION_SUBMITTED = "evaluation.submitted", "Evaluation submitted by the vendor"
    EVALUATION_DECIDED = "evaluation.decided", "Decision recorded"
    FINDING_RAISED = "finding.raised", "New finding raised by scoring"
    REMEDIATION_OVERDUE = "remediation.overdue", "Remediation item overdue"
    EVIDENCE_EXPIRING = "evidence.expiring", "Evidence about to expire"
    MODEL_VERSION_REPORTED = "model_version.reported", "New model version reported"
    TEST = "webhook.test", "Test event"


SUBSCRIBABLE_EVENTS = [kind for kind in WebhookEvent if kind != WebhookEvent.TEST]


class WebhookEndpoint(models.Model):
    """A URL of another system, the events it wants, and the secret its requests are signed with.

    The secret is kept encrypted (the receiver needs the same secret to check a signature, so a
    one-way hash would not do); it is shown once when created or rotated.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_kinds = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    secret_encrypted = models.TextField()
    # The first characters of the secret, so admins can tell which secret a receiver holds.
    secret_prefix = models.CharField(max_length=16)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description or self.url

    def subscribes_to(self, kind: str) -> bool:
        return kind in self.event_kinds


class WebhookDelivery(models.Model):
    """One event for one endpoint: pending until a 2xx answer, failed after the last attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The event's id: the same for every endpoint told about one event, so receivers can de-duplicate.
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    kind = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due (pending only); a worker sending it pushes it past its time-out.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what came back (or why nothing did)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error[:40]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
