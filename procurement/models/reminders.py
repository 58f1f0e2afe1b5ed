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
    # "due_7", "due_1", "overdue": the reminder, relative to the due date it was computed for.
    kind = models.CharField(max_length=20)
    due_date = models.DateField()
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            # Moving the due date makes new reminders due; resending for the same date never does.
            models.UniqueConstraint(
                fields=["evaluation", "kind", "due_date", "recipient"], name="one_reminder_per_recipient"
            ),
        ]
