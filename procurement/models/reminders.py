"""Reminders sent, so that none is sent twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet
from procurement.models.evaluation import Evaluation


class ReminderLog(models.Model):
    """One reminder e-mail sent, so the daily job never sends the same reminder twice."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reminders")
    # "due_7", "due_1", "overdue": the reminder, relative to the due date it was computed for;
    # "expiry_60", "expiry_30", "expiry_7": an evidence file's expiry reminder (`evidence` is set).
    kind = models.CharField(max_length=20)
    evidence = models.ForeignKey(
        "procurement.EvidenceFile", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_date = models.DateField()
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            # Moving the due date makes new reminders due; resending for the same date never does.
            models.UniqueConstraint(
                fields=["evaluation", "kind", "due_date", "recipient"],
                condition=models.Q(evidence__isnull=True),
                name="one_reminder_per_recipient",
            ),
            # One expiry reminder per file, threshold, expiry date and recipient.
            models.UniqueConstraint(
                fields=["evidence", "kind", "due_date", "recipient"],
                condition=models.Q(evidence__isnull=False),
                name="one_expiry_reminder_per_recipient",
            ),
        ]
