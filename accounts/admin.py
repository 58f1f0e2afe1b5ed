"""Admin for superusers: people, organizations and memberships."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from accounts.models import AccountEvent, IdentityProvider, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


AUDIT_MODELS = {"audit event", "account event"}
PROTECTED_HINT = (
    "The audit log keeps what this {what} did, and it is append-only, so the {what} cannot be deleted. "
    "{instead}"
)


def hint_when_protected(model_admin, request, object_id, what: str, instead: str) -> None:
    """Adds to Django's "protected related objects" page what to do instead of deleting."""
    obj = model_admin.get_object(request, admin.utils.unquote(object_id))
    if obj is None or request.method != "GET":
        return
    _, _, perms_needed, protected = model_admin.get_deleted_objects([obj], request)
    # The audit models' admins refuse deletion outright, so Django names them among the objects
    # the user "has no permission" to delete before it gets to the PROTECT foreign keys.
    if protected or perms_needed & AUDIT_MODELS:
        messages.warning(request, PROTECTED_HINT.format(what=what, instead=instead))


@admin.register(User)
class AppUserAdmin(UserAdmin):
    inlines = [MembershipInline]

    def delete_view(self, request, object_id, extra_context=None):
        hint_when_protected(
            self, request, object_id, "person", "Untick “Active” on their account to stop them signing in."
        )
        return super().delete_view(request, object_id, extra_context)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def delete_view(self, request, object_id, extra_context=None):
        hint_when_protected(
            self,
            request,
            object_id,
            "organization",
            "Remove its members instead; its audit rows can be purged only by the audit_retention command.",
        )
        return super().delete_view(request, object_id, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Inspection only: changes go through the product's screens, which keep the invariants."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "organization",
        "actor_label",
        "subject_label",
        "detail",
        "ip_address",
    ]
    list_filter = ["kind"]


@admin.register(IdentityProvider)
class IdentityProviderAdmin(ReadOnlyAdmin):
    """Inspection only; administrators change it on the organization's single sign-on page."""

    list_display = ["organization", "issuer", "client_id", "enabled", "new_member_role", "updated_at"]
    list_filter = ["enabled"]
    # The encrypted secret is of no use to anyone reading this page.
    exclude = ["client_secret_encrypted"]
