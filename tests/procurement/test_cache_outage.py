"""Redis (the rate limiters' cache) goes away: the vendor portal and the API go on answering.

The test owns its Redis server, so stopping it disturbs nothing else on the machine.
"""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache

from accounts import ratelimit
from procurement.models import Answer
from tests.api.conftest import api_client, token_for
from tests.procurement.conftest import answer_post, portal_url
from tests.procurement.test_broker_outage import private_redis  # noqa: F401

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def redis_cache(private_redis, settings):  # noqa: F811
    original = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url}
    }
    cache.set("probe", 1)
    assert cache.get("probe") == 1, "the test's Redis must be in use before it is stopped"
    yield private_redis
    settings.CACHES = original


def test_the_portal_and_the_api_answer_while_redis_is_down(
    redis_cache, invite, questions, officer, client, caplog
):
    organization_api = api_client(token_for(officer))
    vendor_api = api_client(invite.token, scheme="Invite")
    redis_cache.stop()

    with caplog.at_level(logging.WARNING, logger="accounts.ratelimit"):
        page = client.get(portal_url(invite))
        save = client.post(
            portal_url(invite, f"q/{questions.phi.key}/"), answer_post(questions.phi, "yes"), **HTMX
        )
        evaluations = organization_api.get("/api/v1/evaluations/")
        questionnaire = vendor_api.get("/api/v1/vendor/questionnaire/")

    assert page.status_code == 200
    assert questions.phi.prompt in page.content.decode()
    assert save.status_code == 200
    assert "save-state-saved" in save.content.decode()
    answer = Answer.objects.get(evaluation=invite.evaluation, question=questions.phi)
    assert (answer.value, answer.version) == ("yes", 1)
    assert evaluations.status_code == 200
    assert [e["id"] for e in evaluations.json()["results"]] == [str(invite.evaluation.public_id)]
    assert questionnaire.status_code == 200
    assert any("rate limit" in r.getMessage().lower() for r in caplog.records)

    # Back again: the limits count from where the outage left them (nothing was counted meanwhile).
    redis_cache.start()
    assert client.get(portal_url(invite)).status_code == 200
    assert ratelimit.count(scope="test", identity="203.0.113.9", window=60) == 1
    assert ratelimit.count(scope="test", identity="203.0.113.9", window=60) == 2
