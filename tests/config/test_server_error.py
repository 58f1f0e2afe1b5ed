"""A failure outside any view answers in the API's error format under /api/, as a page elsewhere."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_middleware(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.config.test_server_error.Explode"]


class Explode:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("a failure before any view runs")


def test_an_api_request_failing_in_middleware_answers_json(broken_middleware):
    response = Client(raise_request_exception=False).get("/api/v1/me/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "errors": [
            {
                "path": "",
                "message": "Something went wrong on our side; please try again later.",
                "code": "server_error",
            }
        ]
    }


def test_a_page_failing_in_middleware_answers_html(broken_middleware):
    response = Client(raise_request_exception=False).get("/vendors/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
