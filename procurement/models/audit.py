"""The append-only audit log of everything that happened to an evaluation."""

from __future__ import annotations

import pgtrigger
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet, User
from procurement.models.evaluation import Evaluation

APPEND_ONLY_TRIGGER = "append_only"


class AuditEventQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise ValidationError("The audit log is append-only.")

    def delete(self):
        raise ValidationError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Append-only record of everything that happened to an evaluation. Never edited, never deleted."""

    class Kind(models.TextChoices):
        ANSWER_CHANGED = "answer_changed", "Answer changed"
        ANSWERS_PREFILLED = "answers_prefilled", "Answers prefilled"
        ANSWERS_CONFIRMED = "answers_confirmed", "Prefilled answers confirmed"
        STATUS_CHANGED = "status_changed", "Status changed"
        INVITE_SENT = "invite_sent", "Invite sent"
        INVITE_USED = "invite_used", "Invite link used"
        INVITE_REVOKED = "invite_revoked", "Invite revoked"
        INVITE_DELEGATED = "invite_delegated", "Work handed to a colleague"
        INTAKE_RECORDED = "intake_recorded", "Risk intake recorded"
        FILE_UPLOADED = "file_uploaded", "Evidence uploaded"
        FILE_DOWNLOADED = "file_downloaded", "Evidence downloaded"
        COMMENT_ADDED = "comment_added", "Comment added"
        CLARIFICATION_REQUESTED = "clarification_requested", "Clarification requested"
        SECTION_SIGNED_OFF = "section_signed_off", "Section signed off"
        SCORE_OVERRIDDEN = "score_overridden", "Score overridden"
        SCORED = "scored", "Scored"
        DECISION_RECORDED = "decision_recorded", "Decision recorded"
        REPORT_DOWNLOADED = "report_downloaded", "Report downloaded"
        REMINDER_SENT = "reminder_sent", "Reminder sent"
        WORKBOOK_IMPORTED = "workbook_imported", "Workbook imported"
        EVIDENCE_DESCRIBED = "evidence_described", "Evidence described"
        EVIDENCE_EXPIRED = "evidence_expired", "Evidence expired"
        TEMPLATE_UPGRADED = "template_upgraded", "Template upgraded"
        REMEDIATION_OPENED = "remediation_opened", "Remediation item opened"
        REMEDIATION_UPDATED = "remediation_updated", "Remediation item updated"
        REMEDIATION_MESSAGE = "remediation_message", "Remediation message"
        MODEL_VERSION_REPORTED = "model_version_reported", "Model version reported"
        REASSESSMENT_OPENED = "reassessment_opened", "Re-assessment opened"
        WEBHOOK_CHANGED = "webhook_changed", "Webhook changed"

    # Nothing that an audit row points at can be deleted while the row exists: a cascade would delete
    # history and SET_NULL would rewrite it (an UPDATE the database trigger refuses). PROTECT rather
    # than an unconstrained DO_NOTHING keeps every actor resolvable from the row; people who leave
    # are deactivated, not deleted, and old rows go only through the audit_retention command.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(
        Evaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    summary = models.CharField(max_length=400)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        # On PostgreSQL the database itself refuses to change or remove a row, whatever the client;
        # only procurement.services.retention lifts it (pgtrigger.ignore) for a documented purge.
        # SQLite (the embedded mode) has no such trigger and relies on the guards in this module.
        triggers = [
            pgtrigger.Protect(name=APPEND_ONLY_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"

    def save(self, *args, **kwargs) -> None:
        # The row is written once; a second save would rewrite history.
        if self.pk is not None:
            raise ValidationError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit log is append-only.")
