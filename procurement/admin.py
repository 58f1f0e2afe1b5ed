from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import (
    AuditEvent,
    Evaluation,
    EvaluationStatusChange,
    Membership,
    Organization,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class AppUserAdmin(UserAdmin):
    inlines = [MembershipInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "status", "risk_tier", "due_date"]
    list_filter = ["status", "risk_tier", "organization"]
    raw_id_fields = ["product", "template", "owner", "previous", "decided_by"]


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
