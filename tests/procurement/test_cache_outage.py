"""Redis (the rate limiters' cache and the broker) goes away: the vendor portal and the API go on.

The test owns its Redis server, so stopping it disturbs nothing else on the machine. As in
production, the cache and the Celery broker are the same Redis.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import uuid

import pytest
import redis
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from accounts import ratelimit
from procurement.models import Answer, Invite
from procurement.services.invites import MAIL_PENDING_PREFIX, invite_email_sweep
from tests.api.conftest import api_client, token_for
from tests.conftest import reset_celery_connections
from tests.procurement.conftest import answer_post, portal_url
from tests.procurement.test_broker_outage import private_redis  # noqa: F401

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def redis_cache(private_redis, settings):  # noqa: F811
    from config.celery import app

    original = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url}
    }
    cache.set("probe", 1)
    assert cache.get("probe") == 1, "the test's Redis must be in use before it is stopped"
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(
        broker_url=private_redis.url,
        task_always_eager=False,
        task_default_queue=f"test-{uuid.uuid4().hex[:12]}",
    )
    reset_celery_connections(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield private_redis
    app.conf.update(saved)
    reset_celery_connections(app)
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


def test_a_colleague_invited_while_redis_is_down_gets_the_email_once_it_is_back(
    redis_cache, invite, questions, client, django_capture_on_commit_callbacks
):
    from config.celery import app
    from procurement.tasks import invite_email_send

    redis_cache.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            portal_url(invite, "delegate/"),
            {"name": "Sam Lee", "email": "sam@vendor.example.com", "role": ""},
        )
    assert response.status_code == 302
    delegated = Invite.objects.get(contact__email="sam@vendor.example.com")
    assert delegated.token_hash.startswith(MAIL_PENDING_PREFIX)

    redis_cache.start()
    assert invite_email_sweep(now=timezone.now() + datetime.timedelta(minutes=11)) == 1
    server = redis.Redis.from_url(redis_cache.url)
    (raw,) = server.lrange(app.conf.task_default_queue, 0, -1)
    args = json.loads(base64.b64decode(json.loads(raw)["body"]))[0]
    assert invite_email_send(*args) is True  # what the worker does with the message
    (message,) = mail.outbox
    assert message.to == ["sam@vendor.example.com"]
    link = next(line for line in message.body.splitlines() if "/v/" in line).strip()
    assert client.get(link[link.index("/v/") :]).status_code == 200
    # The next sweep finds nothing left to mail.
    assert invite_email_sweep(now=timezone.now() + datetime.timedelta(minutes=11)) == 0
