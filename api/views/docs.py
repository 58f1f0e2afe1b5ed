from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the strict CSP: local assets, init script served by this view, no inline style."""

    template_name = "api/swagger_ui.html"
