"""Production logs: one JSON object per line with the request's or task's context, and no token."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import subprocess
import sys

import pytest
import structlog
from django.conf import settings
from django.test import Client

from config.celery import ping
from config.structured_logs import logging_config
from procurement.models import Evaluation
from tests.api.conftest import api_client, token_for
from tests.factories import ContactFactory, EvaluationFactory, InviteFactory
from tests.procurement.conftest import build_questionnaire, portal_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(org, officer):
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    build_questionnaire(evaluation)
    return InviteFactory(evaluation=evaluation)


@pytest.fixture
def json_log():
    """The production logging configuration, writing to a buffer; the test's own restored after."""
    logging.config.dictConfig(logging_config(log_format="json", level="INFO"))
    buffer = io.StringIO()
    logging.getLogger().handlers[0].setStream(buffer)
    structlog.contextvars.clear_contextvars()
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


def _lines(buffer: io.StringIO) -> list[dict]:
    text = buffer.getvalue()
    assert text, "nothing was logged"
    # Every line is one JSON object (json.loads fails on anything else).
    return [json.loads(line) for line in text.splitlines()]


def _finished(buffer: io.StringIO) -> dict:
    [line] = [line for line in _lines(buffer) if line["event"] == "request_finished"]
    return line


def test_a_vendor_request_is_one_json_line_with_the_invite_id_and_never_the_token(json_log, invite, client):
    response = client.get(portal_url(invite))
    assert response.status_code == 200
    line = _finished(json_log)
    assert line["invite_id"] == str(invite.public_id)
    assert line["organization"] == "riverside"
    assert line["path"] == "/v/<token>/"
    assert line["request"] == "GET /v/<token>/"
    assert line["status"] == 200
    assert line["level"] == "info"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] > 0
    assert len(line["request_id"]) == 36
    assert line["user_id"] is None
    assert invite.token not in json_log.getvalue()


def test_a_refused_vendor_link_is_logged_without_its_token(json_log, invite, client):
    unknown = "u" * 43
    assert client.get(f"/v/{unknown}/").status_code == 404
    line = _finished(json_log)
    assert line["status"] == 404
    assert line["level"] == "warning"
    assert "invite_id" not in line
    assert unknown not in json_log.getvalue()


def test_a_member_request_names_the_user_and_the_organization(json_log, officer_client, officer):
    assert officer_client.get("/").status_code == 200
    line = _finished(json_log)
    assert line["user_id"] == officer.pk
    assert line["organization"] == "riverside"
    assert line["path"] == "/"
    assert line["status"] == 200


def test_an_api_request_never_logs_its_token(json_log, officer):
    secret = token_for(officer)
    client = api_client(secret)
    # Also sent where it never belongs, in the query string: redacted all the same.
    assert client.get("/api/v1/vendors/", {"token": secret}).status_code == 200
    line = _finished(json_log)
    assert line["user_id"] == officer.pk
    assert line["organization"] == "riverside"
    assert line["request"] == "GET /api/v1/vendors/?token=<token>"
    assert secret not in json_log.getvalue()
    assert secret[:20] not in json_log.getvalue()


def test_a_token_in_a_message_or_an_exception_is_redacted(json_log, invite):
    secret = "dd_" + "s" * 43
    log = logging.getLogger("procurement.services.invites")
    log.warning("Retrying with %s", secret)
    try:
        raise ValueError(f"could not open /v/{invite.token}/")
    except ValueError:
        log.exception("Invite page failed")
    structlog.get_logger("accounts").info("token_used", detail=f"/v/{invite.token}/", api=secret)
    warning, failure, event = _lines(json_log)
    assert warning["event"] == "Retrying with dd_<token>"
    assert "ValueError: could not open /v/<token>/" in failure["exception"]
    assert event == {
        **event,
        "event": "token_used",
        "detail": "/v/<token>/",
        "api": "dd_<token>",
        "logger": "accounts",
    }
    assert invite.token not in json_log.getvalue()
    assert secret not in json_log.getvalue()


def test_a_task_line_has_its_id_name_duration_and_outcome(json_log, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    result = ping.delay()
    assert result.get() == "pong"
    [line] = [line for line in _lines(json_log) if line["event"] == "task_finished"]
    assert line["task_id"] == result.id
    assert line["task"] == "procurement.ping"
    assert line["outcome"] == "success"
    assert line["duration_ms"] >= 0
    # The task's context ends with the task.
    assert "task_id" not in structlog.contextvars.get_contextvars()


def test_an_eager_task_inside_a_request_carries_the_request_context(json_log, transactional_db, officer):
    # Committed for real, so the invite e-mail task runs (eagerly) inside the request, as it does in
    # the embedded default.
    draft = EvaluationFactory(organization=officer.memberships.get().organization, owner=officer)
    contact = ContactFactory(vendor=draft.product.vendor, organization=draft.organization)
    client = Client()
    client.force_login(officer)
    response = client.post(f"/evaluations/{draft.public_id}/invites/", {"contacts": [contact.pk]})
    assert response.status_code == 302
    lines = _lines(json_log)
    [request] = [line for line in lines if line["event"] == "request_finished"]
    [task] = [line for line in lines if line["event"] == "task_finished"]
    assert task["task"] == "procurement.tasks.invite_email_send"
    assert task["outcome"] == "success"
    assert task["request_id"] == request["request_id"]
    assert task["user_id"] == request["user_id"] == officer.pk
    assert "task_id" not in request
    assert request["status"] == 302


def test_manage_py_commands_print_no_lockout_banner_or_pdf_progress():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env.pop("LOG_FORMAT", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    output = done.stdout + done.stderr
    assert "System check identified no issues" in output
    assert "AXES: BEGIN" not in output
    assert "Fetching and parsing" not in output
