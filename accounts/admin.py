"""Admin for superusers: people, organizations and memberships."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import AccountEvent, IdentityProvider, Membership, Organization, User


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
