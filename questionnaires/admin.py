from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from questionnaires.models import Template


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "status", "organization", "published_at"]
    list_filter = ["status", "organization"]
    search_fields = ["name", "slug"]
