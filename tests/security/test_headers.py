"""Security headers on every page, HSTS in production, CSRF on every form, tokens kept out of logs."""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from config.log_filters import RedactInviteTokens
from procurement.models import AuditEvent, InviteUse
from tests.security.test_url_access_matrix import GET, PORTAL, ROUTES, build_world, expect, product_routes

pytestmark = pytest.mark.django_db


def _directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def _assert_secure_html(response, where: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = _directives(policy)
    script = directives.get("script-src", directives.get("default-src"))
    assert script is not None, f"{where}: no script-src in {policy!r}"
    assert "'unsafe-inline'" not in script, where
    assert "'unsafe-eval'" not in script, where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy"), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


@pytest.mark.parametrize("persona", ["officer", "vendor", "anonymous"])
def test_every_html_page_carries_the_security_headers(persona, org, officer, client_for):
    cache.clear()
    world = build_world(org, officer)
    client = client_for(officer) if persona == "officer" else Client()
    pages = 0
    for _, name in product_routes():
        route = ROUTES.get(name)
        if route is None or route.api:
            continue
        expected = expect(route, "officer" if persona == "officer" else persona, GET)
        if expected is None or not expected.allowed:
            continue
        kwargs = route.url(world) if route.url else {}
        if route.access == PORTAL:
            kwargs["token"] = world.tokens["vendor"]
        response = client.get(reverse(name, kwargs=kwargs))
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            _assert_secure_html(response, f"{name} as {persona}")
            pages += 1
    assert pages >= {"officer": 30, "vendor": 3, "anonymous": 4}[persona]


def test_error_pages_carry_the_security_headers_too(client, officer_client):
    _assert_secure_html(client.get("/v/not-a-real-token/"), "link invalid page")
    _assert_secure_html(officer_client.get("/evaluations/00000000-0000-0000-0000-000000000000/"), "404")


def test_production_settings_turn_on_hsts_and_secure_cookies():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "dd.hospital.example",
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'DEBUG')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["DEBUG"] is False


# --- CSRF ----------------------------------------------------------------------------------------


def _csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def test_post_forms_without_the_csrf_token_are_refused(org, officer):
    world = build_world(org, officer)
    client = _csrf_client(officer)
    staff_posts = [
        reverse("vendor_create"),
        reverse("template_create"),
        reverse("evaluation_move", args=[world.evaluation.public_id]),
        reverse("invite_revoke", args=[world.evaluation.public_id, world.invite_id]),
        reverse("organization_switch"),
        reverse("api_tokens"),
        reverse("logout"),
    ]
    for url in staff_posts:
        assert client.post(url, {}).status_code == 403, url
        assert client.post(url, {}, HTTP_HX_REQUEST="true").status_code == 403, f"htmx {url}"
    vendor = _csrf_client()
    token = world.tokens["vendor"]
    portal_posts = [
        reverse("portal_answer", args=[token, world.portal_question_key]),
        reverse("portal_submit", args=[token]),
        reverse("portal_delegate", args=[token]),
    ]
    for url in portal_posts:
        assert vendor.post(url, {}, HTTP_HX_REQUEST="true").status_code == 403, url
    assert _csrf_client().post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403


def test_with_the_token_from_the_page_the_same_htmx_post_passes(org, officer):
    world = build_world(org, officer)
    vendor = _csrf_client()
    page = vendor.get(reverse("portal_questionnaire", args=[world.tokens["vendor"]]))
    assert b"hx-headers" in page.content
    csrf = vendor.cookies[settings.CSRF_COOKIE_NAME].value
    url = reverse("portal_answer", args=[world.tokens["vendor"], world.portal_question_key])
    question_pk = world.comment_question_pk
    response = vendor.post(
        url,
        {f"q{question_pk}-value": "yes", f"q{question_pk}-version": "0"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 200
    assert b"Saved" in response.content


# --- invite tokens in logs and the audit trail ----------------------------------------------------


def test_invite_tokens_never_appear_in_logs_or_the_audit_trail(org, officer, caplog):
    cache.clear()
    world = build_world(org, officer)
    good = world.tokens["vendor"]
    bad = secrets.token_urlsafe(32)
    client = Client()
    caplog.set_level(logging.DEBUG)
    visits = [
        ("get", reverse("portal_questionnaire", args=[good])),
        ("get", reverse("portal_questionnaire", args=[good]) + "?section=no-such-section"),
        ("get", reverse("portal_submit", args=[good])),  # 405, logged by Django
        ("get", reverse("portal_answer", args=[good, "no.such.key"])),
        ("post", reverse("portal_answer", args=[good, world.portal_question_key])),
        ("get", reverse("portal_questionnaire", args=[bad])),
        ("get", reverse("portal_submit", args=[bad])),
        ("post", reverse("portal_review", args=[bad])),
    ]
    for method, url in visits:
        getattr(client, method)(url)
    assert caplog.records, "the visits above are expected to log something"
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__.get("args"))
        assert good not in text, text
        assert bad not in text, text
    for event in AuditEvent.objects.all():
        blob = json.dumps(event.data) + event.summary + event.user_agent
        assert good not in blob
        assert bad not in blob
    for use in InviteUse.objects.all():
        assert good not in use.path


def test_the_redacting_filter_hides_portal_tokens_in_messages_and_arguments():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/v/SECRET123/q/a/",), None
    )
    RedactInviteTokens().filter(record)
    assert record.getMessage() == "Not Found: /v/<token>/q/a/"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /v/SECRET123/ 200", None, None)
    RedactInviteTokens().filter(record)
    assert "SECRET123" not in record.getMessage()
