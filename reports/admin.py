from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from reports.models import Report


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["kind", "evaluation", "status", "size", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    exclude = ["file"]
