"""The vendor questionnaire can be completed with the keyboard alone, with focus always visible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from procurement.models import Evaluation
from tests.e2e.scenario import build_small_template
from tests.factories import EvaluationFactory, InviteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
        id: el.id,
        tag: el.tagName.toLowerCase(),
        text: (el.innerText || el.value || "").trim(),
        inMain: !!el.closest("main"),
        visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden"
            && box.bottom > 0 && box.top < window.innerHeight,
    };
}"""


def focused(page) -> dict:
    info = page.evaluate(FOCUSED)
    assert info is not None, "Focus was lost (it is on the page body)."
    assert info["visible"], f"The focused element is not visible: {info}"
    return info


def tab_until(page, matches, *, key: str = "Tab", limit: int = 30) -> dict:
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        if matches(info):
            return info
    raise AssertionError(f"{key} never reached the wanted element; last focus: {info}")


def saved(page, question) -> None:
    expect(page.locator(f"#q-{question.pk} .save-state-saved")).to_have_text("Saved")


def test_a_vendor_completes_and_submits_the_questionnaire_with_the_keyboard_alone(page, org):
    template = build_small_template(organization=org)
    evaluation = EvaluationFactory(organization=org, template=template, status=Evaluation.Status.SENT)
    invite = InviteFactory(evaluation=evaluation)
    q = {question.key.split(".")[1]: question for question in template.questions.all()}

    # Bootstrap scrolls smoothly otherwise, and focus would be measured mid-scroll.
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"/v/{invite.token}/")
    # The first Tab shows the skip link; following it puts the next Tab inside the main content.
    assert page.evaluate("document.activeElement === document.body")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["inMain"]

    tab_until(page, lambda f: f["id"] == f"q-{q['name'].pk}-input")
    page.keyboard.type("SepsisWatch")
    page.keyboard.press("Tab")
    saved(page, q["name"])
    assert focused(page)["id"] == f"q-{q['phi'].pk}-yes"

    # Radios: Space chooses, arrows move the choice; focus stays on the radio after the save's swap.
    page.keyboard.press("Space")
    saved(page, q["phi"])
    assert focused(page)["id"] == f"q-{q['phi'].pk}-yes"
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#q-{q['phi'].pk}-no")).to_be_checked()
    saved(page, q["phi"])
    assert focused(page)["id"] == f"q-{q['phi'].pk}-no"

    tab_until(page, lambda f: f["id"].startswith(f"q-{q['baa'].pk}-"))
    page.keyboard.press("ArrowDown")
    saved(page, q["baa"])
    assert focused(page)["id"] == f"q-{q['baa'].pk}-2"
    expect(page.locator(f"#q-{q['baa'].pk}-2")).to_be_checked()

    tab_until(page, lambda f: f["id"] == f"q-{q['notice_days'].pk}-input")
    page.keyboard.type("30")
    page.keyboard.press("Tab")
    saved(page, q["notice_days"])
    assert focused(page)["id"] == f"q-{q['subgroups'].pk}-0-subgroup"

    page.keyboard.type("Female")
    page.keyboard.press("Tab")
    page.keyboard.type("1200")
    page.keyboard.press("Tab")
    saved(page, q["subgroups"])
    expect(page.locator(f"#q-{q['subgroups'].pk}-0-n")).to_have_value("1200")
    expect(page.locator("#progress [role=progressbar]")).to_have_attribute("aria-valuenow", "100")

    tab_until(page, lambda f: f["text"] == "Review and submit", key="Shift+Tab", limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Review and submit")).to_be_visible()
    tab_until(page, lambda f: f["text"] == "Submit the questionnaire")
    page.keyboard.press("Enter")
    expect(page.get_by_text("This is a read-only copy of your answers.")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    assert evaluation.answers.count() == 5
