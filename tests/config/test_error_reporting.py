"""Error reports to Sentry carry the error, never a token, an answer or a file name."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import zlib

import pytest
import sentry_sdk
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from config.error_reporting import FILTERED, init_error_reporting, scrub_event
from procurement.models import Evaluation
from tests.factories import EvaluationFactory, InviteFactory
from tests.procurement.conftest import build_questionnaire, portal_url

INVITE_TOKEN = "Qm9vW2x0T3ZlcnRoZVJhaW5ib3dfX19fX19fX19fX19f"
API_TOKEN = "dd_Zm9yZ2V0LW1lLW5vdC1zZWNyZXQtdG9rZW4tdmFsdWU"
ANSWER = "We keep full ZIP codes for the Riverside cohort"
FILE_NAME = "Acme-breach-report-2026.pdf"


def realistic_event() -> dict:
    """An event as the Django and logging integrations build it for a failed vendor upload."""
    return {
        "level": "error",
        "logger": "django.request",
        "transaction": "/v/{token}/q/{key}/upload/",
        "request": {
            "url": f"https://dd.example.org/v/{INVITE_TOKEN}/q/security.soc2_type2/upload/",
            "method": "POST",
            "query_string": f"token={INVITE_TOKEN}&next=/v/{INVITE_TOKEN}/",
            "headers": {
                "Authorization": f"Bearer {API_TOKEN}",
                "Cookie": "sessionid=abc; csrftoken=def",
                "Referer": f"https://dd.example.org/v/{INVITE_TOKEN}/",
                "User-Agent": "Mozilla/5.0",
            },
            "cookies": {"sessionid": "abc"},
            "data": {"q12-value": ANSWER, "q13-file": FILE_NAME},
        },
        "exception": {
            "values": [
                {
                    "type": "OSError",
                    "value": f"[Errno 28] No space left on device: '/srv/evidence/{FILE_NAME}'",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "procurement/services/evidence.py",
                                "function": "evidence_upload",
                                "lineno": 80,
                                "vars": {"answer": ANSWER, "token": INVITE_TOKEN, "name": FILE_NAME},
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"category": "query", "message": 'UPDATE "procurement_answer" SET "value" = %s', "data": {}},
                {
                    "category": "procurement.services.invites",
                    "message": f"Invite opened from /v/{INVITE_TOKEN}/ with {API_TOKEN}",
                    "data": {"value": ANSWER},
                },
            ]
        },
        "extra": {"answers": {"baa.signed": ANSWER}, "original_name": FILE_NAME},
    }


def test_the_scrubber_keeps_the_error_and_removes_what_was_entered():
    scrubbed = scrub_event(realistic_event(), {})
    text = json.dumps(scrubbed)
    for secret in (INVITE_TOKEN, API_TOKEN, ANSWER, FILE_NAME, "sessionid=abc"):
        assert secret not in text
    request = scrubbed["request"]
    assert "data" not in request
    assert "cookies" not in request
    assert request["url"] == "https://dd.example.org/v/<token>/q/security.soc2_type2/upload/"
    assert request["query_string"] == "token=<token>&next=/v/<token>/"
    assert request["headers"]["Authorization"] == FILTERED
    assert request["headers"]["Cookie"] == FILTERED
    assert request["headers"]["User-Agent"] == "Mozilla/5.0"
    [exception] = scrubbed["exception"]["values"]
    assert exception["type"] == "OSError"
    assert exception["value"] == "[Errno 28] No space left on device: '/srv/evidence/<file>'"
    assert exception["stacktrace"]["frames"][0]["function"] == "evidence_upload"
    assert exception["stacktrace"]["frames"][0]["vars"] == FILTERED
    [crumb] = scrubbed["breadcrumbs"]["values"]
    assert crumb["message"] == "Invite opened from /v/<token>/ with dd_<token>"
    assert crumb["data"] == FILTERED
    assert scrubbed["extra"] == {"answers": FILTERED, "original_name": FILTERED}


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_endpoint():
    """A real HTTP server on a free loopback port standing in for Sentry's ingestion endpoint."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_a_failed_upload_reaches_sentry_without_token_answer_or_file_name(
    sentry_endpoint, org, officer, monkeypatch
):
    init_error_reporting(
        dsn=f"http://public@127.0.0.1:{sentry_endpoint.server_port}/1",
        environment="test",
        release="",
        sample_rate=1.0,
    )
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    questions = build_questionnaire(evaluation)
    invite = InviteFactory(evaluation=evaluation)
    client = Client(raise_request_exception=False)

    def disk_full(**kwargs):
        raise OSError(28, "No space left on device", f"/srv/evidence/{kwargs['uploaded_file'].name}")

    monkeypatch.setattr("portal.views.evidence_upload", disk_full)
    upload = SimpleUploadedFile(FILE_NAME, b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    response = client.post(
        portal_url(invite, f"q/{questions.report.key}/upload/") + f"?token={API_TOKEN}",
        # The form's fields and the file travel in the body, which is never sent.
        {f"q{questions.report.pk}-file": upload, f"q{questions.phi.pk}-value": ANSWER},
        HTTP_AUTHORIZATION=f"Bearer {API_TOKEN}",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=10)

    payload = b"".join(sentry_endpoint.received).decode()
    assert '"OSError"' in payload
    assert "No space left on device" in payload
    assert "/srv/evidence/<file>" in payload
    for secret in (invite.token, API_TOKEN, ANSWER, FILE_NAME):
        assert secret not in payload
