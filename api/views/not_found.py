from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from api.errors import error
from api.views.base import no_store


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """No such endpoint (or a malformed id in the path): the API's 404, never the HTML page."""
    return no_store(JsonResponse({"errors": [error("", "Not found.", "not_found")]}, status=404))
