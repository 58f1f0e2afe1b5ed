"""The portal's progress: totals that do not jump, and no green 'complete' for untouched work."""

from __future__ import annotations

import re

import pytest

from tests.factories import QuestionFactory, SectionFactory
from tests.procurement.conftest import answer_post, portal_url

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _overall(body: str) -> str:
    block = body[body.index('id="progress"') :]
    return re.search(r"<span>(\d+ of \d+)</span>", block).group(1)


def _nav_badge(body: str, title: str) -> str:
    nav = body[body.index('id="section-nav"') :]
    link = nav[nav.index(f"<span>{title}</span>") :]
    return re.sub(r"\s+", " ", link[: link.index("</a>")])


def test_answering_a_question_that_reveals_a_follow_up_keeps_the_total(invite, questions, client):
    assert _overall(client.get(portal_url(invite)).content.decode()) == "0 of 5"
    url = portal_url(invite, f"q/{questions.method.key}/")
    body = client.post(url, answer_post(questions.method, "safe_harbor"), **HTMX).content.decode()
    assert f'id="q-{questions.zip.pk}"' in body  # the follow-up appears
    assert _overall(body) == "0 of 5"
    assert "nav-count-intended-use" not in body  # the section's 0/3 did not move
    assert "0/3" in _nav_badge(client.get(portal_url(invite)).content.decode(), "Intended use")
    url = portal_url(invite, f"q/{questions.zip.key}/")
    body = client.post(url, answer_post(questions.zip, "yes"), **HTMX).content.decode()
    assert _overall(body) == "1 of 5"
    assert (
        '<span id="nav-count-intended-use" class="badge text-bg-light" hx-swap-oob="true">1/3</span>' in body
    )


def test_a_section_with_nothing_required_is_never_shown_complete(invite, evaluation, questions, client):
    optional = SectionFactory(template=evaluation.template, key="extras", title="Extras", order=3)
    QuestionFactory(section=optional, key="extras.notes", type="long_text", order=1, is_required=False)
    body = client.get(portal_url(invite)).content.decode()
    badge = _nav_badge(body, "Extras")
    assert "Nothing required" in badge
    assert "text-bg-success" not in badge
    assert "complete" not in badge
    untouched = _nav_badge(body, "Evidence")
    assert "0/2" in untouched
    assert "text-bg-success" not in untouched


def test_a_follow_up_shown_in_another_section_moves_that_sections_count(
    invite, evaluation, questions, client
):
    QuestionFactory(
        section=questions.second,
        key="deid.safe_harbor.report",
        type="long_text",
        order=9,
        condition={"question": "deid.method_training", "operator": "equals", "value": "safe_harbor"},
    )
    assert "0/2" in _nav_badge(client.get(portal_url(invite)).content.decode(), "Evidence")
    url = portal_url(invite, f"q/{questions.method.key}/")
    body = client.post(url, answer_post(questions.method, "safe_harbor"), **HTMX).content.decode()
    # The follow-up sits in "Evidence", not in the section of the question answered.
    assert '<span id="nav-count-evidence" class="badge text-bg-light" hx-swap-oob="true">0/3</span>' in body
    assert "nav-count-intended-use" not in body
    body = client.post(url, answer_post(questions.method, "unknown", version=1), **HTMX).content.decode()
    assert '<span id="nav-count-evidence" class="badge text-bg-light" hx-swap-oob="true">0/2</span>' in body
