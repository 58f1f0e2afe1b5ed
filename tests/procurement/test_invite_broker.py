"""No clear invite token ever reaches the broker: the invite e-mail task carries the invite's id only.

The test publishes to its own Redis (no worker consumes the queue), reads back everything Redis holds,
then runs the task from the published message, as a worker would, and follows the mailed link.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import redis
from django.core import mail

from procurement.services.invites import invite_resend, invite_send
from tests.conftest import reset_celery_connections
from tests.factories import ContactFactory
from tests.procurement.test_broker_outage import private_redis  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(private_redis, settings):  # noqa: F811
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(broker_url=private_redis.url, task_always_eager=False, task_default_queue=queue)
    reset_celery_connections(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield redis.Redis.from_url(private_redis.url), queue
    app.conf.update(saved)
    reset_celery_connections(app)


def _everything_in(server: redis.Redis) -> list[bytes]:
    """Every value Redis holds, with the base64 bodies of Celery messages decoded as well."""
    values: list[bytes] = []
    for key in server.keys("*"):
        kind = server.type(key)
        if kind == b"list":
            values += server.lrange(key, 0, -1)
        elif kind == b"hash":
            values += [k + b"=" + v for k, v in server.hgetall(key).items()]
        elif kind == b"string":
            values.append(server.get(key))
        elif kind in (b"set", b"zset"):
            values += list(server.smembers(key) if kind == b"set" else server.zrange(key, 0, -1))
        values.append(key)
    decoded = []
    for value in values:
        try:
            decoded.append(base64.b64decode(json.loads(value)["body"]))
        except (ValueError, KeyError, TypeError):
            pass
    return values + decoded


def _published(server: redis.Redis, queue: str) -> list[dict]:
    # Kombu pushes on the left and workers pop on the right: the oldest message is last.
    messages = [json.loads(raw) for raw in reversed(server.lrange(queue, 0, -1))]
    return [
        {"task": m["headers"]["task"], "args": json.loads(base64.b64decode(m["body"]))[0], "message": m}
        for m in messages
    ]


def _token_from_mail(message) -> str:
    line = next(x for x in message.body.splitlines() if "/v/" in x)
    return line.strip().rstrip("/").rsplit("/", 1)[-1]


def test_the_invite_email_task_carries_no_token_and_its_mailed_link_opens_the_portal(
    broker, evaluation, officer, client, django_capture_on_commit_callbacks
):
    from procurement.tasks import invite_email_send

    server, queue = broker
    contact = ContactFactory(vendor=evaluation.product.vendor, organization=evaluation.organization)
    with django_capture_on_commit_callbacks(execute=True):
        (invite,) = invite_send(evaluation=evaluation, contacts=[contact], invited_by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        invite_resend(invite=invite, user=officer)
    assert mail.outbox == [], "the e-mails go out from the worker, not from the request"

    published = _published(server, queue)
    assert [m["task"] for m in published] == ["procurement.tasks.invite_email_send"] * 2
    invite.refresh_from_db()
    assert published[1]["args"] == [invite.pk, invite.last_sent_at.isoformat()]

    # What a worker does with each message, in the order it was queued: the first send was superseded.
    assert [invite_email_send(*m["args"]) for m in published] == [False, True]
    (message,) = mail.outbox
    token = _token_from_mail(message)
    held = _everything_in(server)
    assert held, "the published messages must be in Redis"
    assert not [value for value in held if token.encode() in value]
    assert client.get(f"/v/{token}/").status_code == 200
