from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin, hint_when_protected
from procurement.models import Answer, AuditEvent, Evaluation, EvaluationStatusChange, EvidenceFile, Invite


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "status", "risk_tier", "due_date"]
    list_filter = ["status", "risk_tier", "organization"]
    raw_id_fields = ["product", "template", "owner", "previous", "decided_by"]

    def delete_view(self, request, object_id, extra_context=None):
        hint_when_protected(
            self, request, object_id, "evaluation", "Archive it from the evaluation page instead."
        )
        return super().delete_view(request, object_id, extra_context)


@admin.register(EvaluationStatusChange)
class EvaluationStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["evaluation", "from_status", "to_status", "actor_label", "created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log can be inspected here but never edited or deleted."""

    list_display = ["created_at", "organization", "kind", "actor_label", "summary"]
    list_filter = ["kind", "organization"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "question", "version", "updated_at"]
    raw_id_fields = ["evaluation", "question"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "evaluation", "size", "sha256", "uploaded_at", "expires_on"]


@admin.register(Invite)
class InviteAdmin(ReadOnlyAdmin):
    """Invites are issued and revoked from the evaluation page; the token hash is never shown."""

    list_display = ["contact", "evaluation", "created_at", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["token_hash"]
