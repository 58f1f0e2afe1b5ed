from __future__ import annotations

from django.contrib import admin

from vendors.models import Contact, Product, Vendor


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
