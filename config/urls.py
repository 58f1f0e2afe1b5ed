"""The root URL configuration: each app mounts its own URLs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from procurement.views.dashboard import dashboard

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("templates/", include("questionnaires.urls")),
    path("vendors/", include("vendors.urls")),
    path("evaluations/", include("procurement.urls")),
    path("", include("procurement.worklist_urls")),
    path("", include("procurement.lifecycle_urls")),
    path("settings/webhooks/", include("procurement.webhook_urls")),
    path("reports/", include("reports.urls")),
    path("search/", include("search.urls")),
    # Vendor portal: reached only through invite links, no account.
    path("v/", include("portal.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "config.errors.server_error"
