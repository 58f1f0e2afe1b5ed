from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views.base import NoStoreMixin


class ApiSchemaView(NoStoreMixin, SpectacularAPIView):
    """The OpenAPI document: always the current one, like every other API answer."""


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the strict CSP: local assets, init script served by this view, no inline style."""

    template_name = "api/swagger_ui.html"
