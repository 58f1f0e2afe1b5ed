"""Browser tests: Playwright driving the Debian Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import IN_CI

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (factories, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SCRIPT = Path(settings.BASE_DIR) / "static" / "vendor" / "axe" / "axe.min.js"


def _chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit and Path(explicit).exists():
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        message = "Chromium is not installed (Debian: apt-get install chromium); browser tests skipped"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# What Chromium logs to the console when the Content-Security-Policy blocks something.
CSP_VIOLATION_MARKERS = ("Content Security Policy", "violates the following", "Refused to apply inline style")


def _is_csp_violation(text: str) -> bool:
    return any(marker in text for marker in CSP_VIOLATION_MARKERS)


@pytest.fixture
def csp_violations():
    """Console messages of every page opened through `new_context` that report a CSP violation."""
    return []


@pytest.fixture
def new_context(browser, live_server, csp_violations):
    """Fresh browser contexts (like private windows) against the live server.

    Any Content-Security-Policy violation logged by any of their pages fails the test: an inline
    style or script that the policy blocks is a feature broken for real users.
    """
    contexts = []

    def watch(page) -> None:
        page.on(
            "console",
            lambda message: (
                csp_violations.append(f"{page.url}: {message.text}")
                if _is_csp_violation(message.text)
                else None
            ),
        )

    def make():
        # Without transitions (Bootstrap honours the setting): on a loaded machine axe otherwise reads
        # a button's colours halfway through the 0.15 s fade after a click.
        context = browser.new_context(base_url=live_server.url, reduced_motion="reduce")
        context.set_default_timeout(15_000)
        # Assertions wait as long as actions: CI runs two suites side by side on two cores.
        from playwright.sync_api import expect

        expect.set_options(timeout=15_000)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def sign_in(page, username: str, password: str = "correct-horse-battery") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_accessible(page, *, context: str = "") -> None:
    """axe-core on the current page: no serious or critical WCAG 2.1 A/AA violation."""
    page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in serious
    )
    assert not serious, f"Accessibility violations on {context or page.url}:\n{details}"
