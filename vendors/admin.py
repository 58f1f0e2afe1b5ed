from __future__ import annotations

from django.contrib import admin

from questionnaires.admin import ReadOnlyAdmin

from .models import Contact, Invite, Product, Vendor


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "organization", "website", "created_at"]
    list_filter = ["organization"]
    search_fields = ["legal_name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "vendor", "deployment"]
    list_filter = ["deployment"]
    search_fields = ["name", "vendor__legal_name"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "vendor", "role"]
    search_fields = ["name", "email"]


@admin.register(Invite)
class InviteAdmin(ReadOnlyAdmin):
    """Invites are issued and revoked from the evaluation page; the token hash is never shown."""

    list_display = ["contact", "evaluation", "created_at", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["token_hash"]
