"""axe-core on every page an officer can open, and on the API docs: no serious or critical violation.

The pages are the GET routes of the URL access matrix (tests/security/test_url_access_matrix.py)
that the officer's role may open and that answer with a whole HTML page, so a new page is checked
as soon as it is added to the matrix (which fails for any URL missing from it).
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from procurement.models import Evaluation
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import DecisionConditionFactory, EvaluationFactory, FindingFactory
from tests.security.test_url_access_matrix import GET, ROUTES, build_world, role_allows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = Evaluation.Status


def _portfolio(org, officer, world) -> None:
    """Something in every dashboard chart and a finding with links on the evaluation's score panel."""
    run = world.evaluation.score_runs.get(public_id=world.run_id)
    FindingFactory(score_run=run, question_keys=["use.processes_phi"], citation="45 CFR 164.504(e)")
    FindingFactory(score_run=run, kind="consistency", question_keys=["use.processes_phi"])
    now = timezone.now()
    decided = EvaluationFactory(
        organization=org,
        owner=officer,
        status=S.DECIDED,
        decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS,
        risk_tier="low",
        sent_at=now - datetime.timedelta(days=20),
        submitted_at=now - datetime.timedelta(days=6),
        decided_at=now,
    )
    DecisionConditionFactory(evaluation=decided)
    EvaluationFactory(
        organization=org,
        owner=officer,
        status=S.IN_PROGRESS,
        due_date=timezone.localdate() - datetime.timedelta(days=9),
    )


def officer_pages(world, officer) -> list[tuple[str, str]]:
    """(route name, path) of every whole HTML page the officer may GET."""
    client = Client()
    client.force_login(officer)
    pages = []
    for name, route in ROUTES.items():
        access = route.access_for(GET)
        if route.api or GET not in route.methods or not isinstance(access, str | tuple):
            continue
        if access not in ("signed-in",) and not role_allows(Role.OFFICER, access):
            continue
        path = reverse(name, kwargs=route.url(world) if route.url else None)
        response = client.get(path)
        whole_page = response.get("Content-Type", "").startswith("text/html") and response.content.lstrip()[
            :15
        ].lower().startswith(b"<!doctype html")
        if response.status_code == 200 and whole_page:
            pages.append((name, path))
    return pages


def test_every_officer_page_and_the_api_docs_pass_axe(page, org, officer):
    world = build_world(org, officer)
    _portfolio(org, officer, world)
    pages = officer_pages(world, officer)
    names = {name for name, _path in pages}
    # The pages this issue touches are among them, and the list is not trivially short.
    assert {"dashboard", "evaluation_list", "evaluation_detail", "vendor_detail", "comparison"} <= names
    assert len(pages) >= 25
    sign_in(page, officer.username)
    failures = []
    for name, path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        try:
            assert_accessible(page, context=f"{name} ({path})")
        except AssertionError as exc:
            failures.append(str(exc))
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    try:
        assert_accessible(page, context="API docs")
    except AssertionError as exc:
        failures.append(str(exc))
    assert not failures, "\n\n".join(failures)
