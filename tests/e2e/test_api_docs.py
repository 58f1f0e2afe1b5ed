from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_from_local_assets_under_the_csp(page, live_server):
    violations, remote = [], []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.on(
        "request", lambda req: remote.append(req.url) if not req.url.startswith(live_server.url) else None
    )
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/evaluations/" in p for p in paths)
    assert any("/api/v1/vendor/answers/" in p for p in paths)
    assert page.get_by_role("button", name="Authorize").is_visible()
    assert violations == []
    assert [u for u in remote if not u.startswith("data:")] == []
