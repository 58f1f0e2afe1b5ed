from __future__ import annotations

from django.contrib import admin

from .models import Answer, EvidenceFile, Template


class ReadOnlyAdmin(admin.ModelAdmin):
    """Inspection only: changes go through the product's screens, which keep the invariants."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "status", "organization", "published_at"]
    list_filter = ["status", "organization"]
    search_fields = ["name", "slug"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "question", "version", "updated_at"]
    raw_id_fields = ["evaluation", "question"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "evaluation", "size", "sha256", "uploaded_at", "expires_on"]
