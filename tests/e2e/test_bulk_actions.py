"""Acting on several evaluations from the list, in the browser: select, confirm, read the summary."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import EvaluationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Evaluation.Status


def _evaluation(org, name, status):
    return EvaluationFactory(
        organization=org,
        status=status,
        product__name=name,
        product__version="",
        product__vendor__legal_name=f"{name} Inc.",
        due_date=datetime.date(2030, 1, 15),
    )


def test_an_officer_archives_several_evaluations_after_confirming(page, org, officer):
    draft = _evaluation(org, "Alpha", S.DRAFT)
    submitted = _evaluation(org, "Bravo", S.SUBMITTED)
    untouched = _evaluation(org, "Charlie", S.DRAFT)
    sign_in(page, officer.username)
    page.goto("/evaluations/?sort=product")
    page.get_by_role("checkbox", name="Select Alpha (Alpha Inc.)").check()
    page.get_by_role("checkbox", name="Select Bravo (Bravo Inc.)").check()
    page.get_by_label("With the selected evaluations").select_option(label="Archive")
    page.get_by_role("button", name="Review what will happen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Archive: what will happen")
    expect(
        page.get_by_text("Of the 2 selected evaluations, 1 will be changed and 1 skipped.")
    ).to_be_visible()
    expect(
        page.get_by_role("row", name="Alpha Alpha Inc. Draft Jan. 15, 2030 Move from draft to archived")
    ).to_be_visible()
    expect(
        page.get_by_role(
            "row",
            name=(
                "Bravo Bravo Inc. Submitted Jan. 15, 2030 "
                "Submitted: only drafts, open and decided evaluations can be archived"
            ),
        )
    ).to_be_visible()
    assert_accessible(page, context="bulk confirmation")
    draft.refresh_from_db()
    assert draft.status == S.DRAFT

    page.get_by_role("button", name="Archive (1)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Archive: result")
    expect(page.get_by_role("status")).to_have_text("1 done, 1 skipped.")
    expect(page.get_by_role("row", name="Alpha Alpha Inc. Archived Jan. 15, 2030 Archived")).to_be_visible()
    assert_accessible(page, context="bulk result")
    for evaluation in (draft, submitted, untouched):
        evaluation.refresh_from_db()
    assert (draft.status, submitted.status, untouched.status) == (S.ARCHIVED, S.SUBMITTED, S.DRAFT)

    page.get_by_role("link", name="Back to the list").click()
    assert page.url.endswith("/evaluations/?sort=product")


def test_select_all_and_extending_without_a_date_keeps_the_selection(page, org, officer):
    _evaluation(org, "Alpha", S.SENT)
    _evaluation(org, "Bravo", S.IN_PROGRESS)
    sign_in(page, officer.username)
    page.goto("/evaluations/")
    page.get_by_role("checkbox", name="Select all evaluations on this page").check()
    page.get_by_label("With the selected evaluations").select_option(label="Extend due dates")
    page.get_by_role("button", name="Review what will happen").click()
    due = page.get_by_label("New due date (for extending)")
    expect(due).to_have_accessible_description("Enter the new due date as YYYY-MM-DD.")
    expect(page.get_by_role("checkbox", name="Select Alpha (Alpha Inc.)")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Select Bravo (Bravo Inc.)")).to_be_checked()
    assert_accessible(page, context="evaluation list with a bulk error")
    due.fill("2031-03-31")
    page.get_by_role("button", name="Review what will happen").click()
    expect(
        page.get_by_text("Of the 2 selected evaluations, 2 will be changed and 0 skipped.")
    ).to_be_visible()
    page.get_by_role("button", name="Extend due dates (2)").click()
    expect(page.get_by_role("status")).to_have_text("2 done, 0 skipped.")
    assert set(Evaluation.objects.values_list("due_date", flat=True)) == {datetime.date(2031, 3, 31)}
