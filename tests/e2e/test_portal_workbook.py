"""A vendor works offline: downloads the workbook, fills it in a spreadsheet, uploads it, submits."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from procurement.models import Answer, Evaluation
from tests.e2e.conftest import assert_accessible
from tests.factories import EvaluationFactory, InviteFactory, build_every_type_template
from tests.procurement.workbook_filling import fill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_vendor_imports_a_filled_workbook_sees_each_cell_then_submits(page, org, tmp_path: Path):
    template = build_every_type_template(organization=org)
    evaluation = EvaluationFactory(organization=org, template=template, status=Evaluation.Status.SENT)
    invite = InviteFactory(evaluation=evaluation)
    page.goto(f"/v/{invite.token}/")
    page.get_by_role("link", name="Upload a filled workbook").click()
    expect(page.get_by_role("heading", name="Work offline")).to_be_visible()
    assert_accessible(page, context="the offline page")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the workbook (XLSX)").click()
    downloaded = Path(download_info.value.path()).read_bytes()
    answers = {
        "basics.yes": "Yes",
        "basics.single": "Option A",
        "basics.short": "SepsisWatch",
        "basics.number": 400,  # above the question's maximum of 365
        "evidence.date": "2025-02-30",  # no such day
        "evidence.url": "https://vendor.example/trust",
    }
    filled = tmp_path / "answers.xlsx"
    filled.write_bytes(
        fill(
            downloaded,
            answers,
            choices={"basics.multi": {"a": "Yes"}},
            tables={"evidence.table": [["Female", 120], ["Male", 98]]},
        )
    )
    page.get_by_label("Filled workbook (.xlsx)").set_input_files(filled)
    page.get_by_role("button", name="Upload and save the answers").click()

    expect(page.locator(".alert-success")).to_contain_text("Workbook read: 6 answers saved.")
    refused = page.locator("#workbook-invalid tbody tr")
    expect(refused).to_have_count(2)
    expect(refused.nth(0)).to_contain_text("1. Basics")
    expect(refused.nth(0)).to_contain_text("The answer must be between 0 and 365 days.")
    expect(refused.nth(1)).to_contain_text("2. Evidence")
    expect(refused.nth(1)).to_contain_text("Enter a real date as YYYY-MM-DD, for example 2024-03-31.")
    assert_accessible(page, context="the upload result")

    # The answers from the workbook are in the portal; the two refused ones are corrected there.
    questions = {q.key: q for q in evaluation.template.questions.all()}
    page.get_by_role("link", name="Back to the questionnaire").first.click()
    expect(page.locator(f"#q-{questions['basics.single'].pk} input[value='a']")).to_be_checked()
    expect(page.locator(f"#q-{questions['basics.yes'].pk} input[value='yes']")).to_be_checked()
    expect(page.locator(f"#q-{questions['basics.multi'].pk} input[value='a']")).to_be_checked()
    expect(page.locator(f"#q-{questions['basics.short'].pk}-input")).to_have_value("SepsisWatch")
    _correct(page, questions["basics.number"], "5")
    page.get_by_role("link", name="Evidence").first.click()
    expect(page.locator(f"#q-{questions['evidence.url'].pk}-input")).to_have_value(
        "https://vendor.example/trust"
    )
    _correct(page, questions["evidence.date"], "2025-02-28")

    page.goto(f"/v/{invite.token}/review/")
    page.get_by_role("button", name="Submit the questionnaire").click()
    expect(page.get_by_text("Thank you: your answers were submitted.")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    assert Answer.objects.get(evaluation=evaluation, question__key="evidence.table").value == [
        {"subgroup": "Female", "n": 120},
        {"subgroup": "Male", "n": 98},
    ]


def _correct(page, question, value: str) -> None:
    field = page.locator(f"#q-{question.pk}-input")
    field.fill(value)
    field.press("Tab")
    expect(page.locator(f"#q-{question.pk} .save-state-saved")).to_have_text("Saved")
