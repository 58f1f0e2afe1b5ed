"""The dashboard's charts in the browser: a bar and its table row lead to the list they count."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import EvaluationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Evaluation.Status


def test_a_bar_and_its_table_row_open_the_filtered_list(page, org, officer):
    EvaluationFactory.create_batch(2, organization=org, status=S.SENT)
    EvaluationFactory(organization=org, status=S.DRAFT, risk_tier="high")
    sign_in(page, officer.username)
    status_chart = page.get_by_role("group", name="Evaluations by status")
    expect(status_chart).to_be_visible()
    assert_accessible(page, context="dashboard with charts")

    status_chart.get_by_role("link", name="Sent to vendor: 2").click()
    page.wait_for_url("**/evaluations/?status=sent")
    expect(page.locator("tbody tr")).to_have_count(2)

    page.go_back()
    figure = page.locator("figure", has=page.get_by_role("group", name="Evaluations by risk tier"))
    figure.get_by_text("Evaluations by risk tier as a table").click()
    row = figure.get_by_role("row", name="High 1")
    expect(row).to_be_visible()
    row.get_by_role("link", name="High").click()
    page.wait_for_url("**/evaluations/?risk_tier=high")
    expect(page.locator("tbody tr")).to_have_count(1)
