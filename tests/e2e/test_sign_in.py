from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_signs_in_and_lands_on_the_dashboard(page, officer, org):
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert_accessible(page, context="login page")
    sign_in(page, officer.username)
    assert page.get_by_role("heading", name=org.name).is_visible()
    assert_accessible(page, context="dashboard")


def test_a_wrong_password_is_reported_on_the_form(page, officer):
    sign_in(page, officer.username, password="not-the-password")
    assert "/accounts/login/" in page.url
    assert page.get_by_text("correct username and password").is_visible()


def test_the_pages_run_under_the_content_security_policy_without_violations(page, officer):
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    sign_in(page, officer.username)
    page.reload()
    assert page.evaluate("typeof htmx") == "object", "htmx did not load from the app's own static files"
    assert violations == []


def test_the_login_page_loads_without_console_errors(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/accounts/login/")
    page.wait_for_load_state("networkidle")
    # Chromium asks for a page icon; without one declared, every first visit logged a 404.
    assert errors == []
