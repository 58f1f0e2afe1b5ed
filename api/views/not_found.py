from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from api.errors import error, server_error_body
from api.views.base import no_store


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """No such endpoint (or a malformed id in the path): the API's 404, never the HTML page."""
    return no_store(JsonResponse({"errors": [error("", "Not found.", "not_found")]}, status=404))


def api_server_error(request: HttpRequest) -> JsonResponse:
    """A failure outside the API's views (middleware, URL resolution) still answers in its format."""
    return no_store(JsonResponse(server_error_body(), status=500))
