"""The site's 500 handler: JSON in the API's error format under /api/, Django's page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.defaults import server_error as html_server_error

from api.views.not_found import api_server_error


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return html_server_error(request)
