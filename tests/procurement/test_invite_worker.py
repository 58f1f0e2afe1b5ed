"""A real worker mails the invite link through a real Redis, and the token is nowhere in Redis.

The test owns its Redis server, so everything Redis holds afterwards came from this test.
"""

from __future__ import annotations

import re
import time

import pytest
import redis

from procurement.models import Invite
from procurement.services.invites import MAIL_PENDING_PREFIX, invite_send
from tests.factories import ContactFactory, EvaluationFactory
from tests.procurement.test_broker_outage import private_redis  # noqa: F401
from tests.procurement.test_invite_broker import _everything_in

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://[^/\s]+(/v/([A-Za-z0-9_-]+)/)")


@pytest.fixture
def redis_url(private_redis):  # noqa: F811
    return private_redis.url


@pytest.fixture
def worker_mail(tmp_path, monkeypatch, request):
    directory = tmp_path / "mail"
    directory.mkdir()
    monkeypatch.setenv("TEST_WORKER_EMAIL_DIR", str(directory))
    request.getfixturevalue("celery_worker_process")
    return directory


def _wait_for_mail(directory, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(directory.glob("*.log"))
        if files and LINK.search(files[0].read_text()):
            return files[0].read_text()
        time.sleep(0.25)
    raise AssertionError("the worker mailed no invite")


def test_a_real_worker_mails_a_working_link_whose_token_never_was_in_redis(
    worker_mail,
    private_redis,  # noqa: F811
    officer,
    client,
):
    evaluation = EvaluationFactory(owner=officer, organization=officer.memberships.first().organization)
    contact = ContactFactory(vendor=evaluation.product.vendor, organization=evaluation.organization)
    (invite,) = invite_send(evaluation=evaluation, contacts=[contact], invited_by=officer)

    body = _wait_for_mail(worker_mail)
    path, token = LINK.search(body).groups()
    assert contact.email in body
    assert not Invite.objects.get(pk=invite.pk).token_hash.startswith(MAIL_PENDING_PREFIX)
    assert client.get(path).status_code == 200
    held = _everything_in(redis.Redis.from_url(private_redis.url))
    assert held, "the worker's broker keys must be in this Redis"
    assert not [value for value in held if token.encode() in value]
