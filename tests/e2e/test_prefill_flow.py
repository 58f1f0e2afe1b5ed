"""Prefilled answers in a real browser: a vendor imports its model card, confirms and submits; an
officer's re-assessment starts from the last submitted answers and the vendor edits only five."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from procurement.models import Answer, Evaluation
from questionnaires.models import Template
from tests.e2e.conftest import assert_accessible, sign_in
from tests.e2e.scenario import invite_path
from tests.factories import (
    AnswerFactory,
    ContactFactory,
    EvaluationFactory,
    InviteFactory,
    QuestionFactory,
    SectionFactory,
    TemplateFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CARD = Path(__file__).parents[1] / "procurement" / "model_cards" / "valid.xml"


def card_template(org) -> Template:
    template = TemplateFactory(organization=org, name="Model card questionnaire", slug="card-questions")
    use = SectionFactory(template=template, key="intended-use", title="Intended use", order=0)
    hti = SectionFactory(template=template, key="hti", title="Source attributes", order=1)
    for section, key, qtype, prompt in (
        (use, "use.intended_use", "long_text", "Describe the intended use."),
        (use, "use.patient_population", "long_text", "Describe the patient population."),
        (use, "use.processes_phi", "yes_no", "Does the product process PHI?"),
        (hti, "hti.p02_funding_source", "long_text", "P2. Funding source."),
        (hti, "hti.p10_known_risks", "long_text", "P10. Known risks and limitations."),
    ):
        QuestionFactory(section=section, key=key, type=qtype, prompt=prompt, is_required=True)
    return template


def question(page, prompt: str):
    return page.locator(".question").filter(has=page.get_by_role("heading", name=prompt))


def test_a_vendor_imports_its_model_card_confirms_the_answers_and_submits(page, org):
    evaluation = EvaluationFactory(
        organization=org, template=card_template(org), status=Evaluation.Status.SENT
    )
    invite = InviteFactory(evaluation=evaluation)
    page.goto(f"/v/{invite.token}/")
    page.get_by_role("link", name="Import your model card").click()
    expect(page.get_by_role("heading", level=1, name="Import your model card")).to_be_visible()
    assert_accessible(page, context="model card import")
    page.get_by_label("Your CHAI Applied Model Card (XML, schema v0.2)").set_input_files(str(CARD))
    page.get_by_role("button", name="Import the model card").click()
    expect(page.get_by_role("heading", name="Your model card answered 4 questions")).to_be_visible()
    expect(page.get_by_text("ONC HTI-1 source attributes covered: 2 of 31")).to_be_visible()
    expect(page.locator(".hti-covered")).to_have_text("P2, P10")
    filled = page.locator(".card-filled li")
    expect(filled).to_have_count(4)
    expect(filled.first).to_contain_text("Intended use: Describe the intended use.")
    assert_accessible(page, context="model card result")

    page.get_by_role("link", name="← Back to the questionnaire").click()
    intended = question(page, "Describe the intended use.")
    expect(intended.locator(".prefill-note")).to_contain_text("To be confirmed")
    expect(intended.locator(".prefill-note")).to_contain_text("From your model card")
    expect(page.locator("#progress")).to_contain_text("0 of 5")
    assert_accessible(page, context="questionnaire with prefilled answers")
    page.get_by_role("button", name="Confirm the prefilled answers in this section").click()
    expect(page.get_by_text("2 prefilled answers confirmed.")).to_be_visible()
    expect(question(page, "Describe the intended use.").locator(".prefill-note")).to_contain_text("Confirmed")
    phi = question(page, "Does the product process PHI?")
    phi.get_by_label("No").check()
    expect(phi.locator(".save-state-saved")).to_have_text("Saved")

    page.locator("#section-nav").get_by_role("link", name=re.compile("Source attributes")).click()
    question(page, "P2. Funding source.").get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Answer confirmed.")).to_be_visible()
    # Editing a prefilled answer confirms it and marks it changed.
    risks = question(page, "P10. Known risks and limitations.")
    risks.locator("textarea").fill("Misses small distal occlusions; not for children.")
    risks.locator("textarea").press("Tab")
    expect(risks.locator(".save-state-saved")).to_have_text("Saved")
    expect(question(page, "P10. Known risks and limitations.").locator(".prefill-note")).to_contain_text(
        "Changed after prefilling"
    )

    page.get_by_role("link", name="Review and submit", exact=True).click()
    assert_accessible(page, context="review before submit")
    page.get_by_role("button", name="Submit the questionnaire").click()
    expect(page.get_by_text("Thank you: your answers were submitted.")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    states = {a.question.key: a.prefill_state for a in Answer.objects.filter(evaluation=evaluation)}
    assert states == {
        "use.intended_use": "confirmed",
        "use.patient_population": "confirmed",
        "use.processes_phi": "",
        "hti.p02_funding_source": "confirmed",
        "hti.p10_known_risks": "changed",
    }


SPECS = [
    # (section, key, type, prompt, old answer, new answer or None to confirm)
    ("product", "use.name", "short_text", "Product name and version", "StrokeSignal 4.0", "StrokeSignal 4.1"),
    ("product", "use.users", "short_text", "Intended users", "Neuroradiologists", None),
    ("product", "use.sites", "number", "Number of sites live", 12, "15"),
    ("product", "use.phi", "yes_no", "Does the product process PHI?", "yes", None),
    ("product", "use.population", "long_text", "Patient population", "Adults with stroke symptoms", None),
    ("change", "change.cadence", "short_text", "Update cadence", "Yearly", "Twice a year"),
    ("change", "change.notice_days", "number", "Days of notice before an update", 30, "45"),
    ("change", "change.rollback", "yes_no", "Can an update be rolled back?", "no", "yes"),
    ("change", "change.monitoring", "long_text", "How is drift monitored?", "Quarterly review", None),
]


def reassessment_world(org, officer):
    template = TemplateFactory(organization=org, name="Product re-assessment", slug="product-reassessment")
    sections = {
        "product": SectionFactory(template=template, key="product", title="Product", order=0),
        "change": SectionFactory(template=template, key="change", title="Change control", order=1),
    }
    old = EvaluationFactory(
        organization=org,
        owner=officer,
        template=template,
        status=Evaluation.Status.DECIDED,
        decision=Evaluation.Decision.APPROVED,
        submitted_at=timezone.now() - timezone.timedelta(days=400),
        product__name="StrokeSignal",
        product__version="4.0",
    )
    for order, (section, key, qtype, prompt, before, _after) in enumerate(SPECS):
        q = QuestionFactory(section=sections[section], key=key, type=qtype, prompt=prompt, order=order)
        AnswerFactory(evaluation=old, question=q, value=before)
    ContactFactory(vendor=old.product.vendor, name="Dana Vendorson", email="dana@vendor.example.com")
    return old


def test_a_reassessment_starts_from_the_last_answers_and_needs_only_the_changes(
    new_context, org, officer, mailoutbox
):
    officer.username, officer.first_name, officer.last_name = "officer", "Olivia", "Officer"
    officer.save(update_fields=["username", "first_name", "last_name"])
    old = reassessment_world(org, officer)
    page = new_context().new_page()
    sign_in(page, "officer")
    page.goto("/evaluations/new/")
    page.get_by_label("Product").select_option(label=f"{old.product.vendor.legal_name} — StrokeSignal 4.0")
    questionnaire = page.get_by_label("Questionnaire (published version)")
    option = questionnaire.locator("option", has_text="Product re-assessment")
    questionnaire.select_option(value=option.get_attribute("value"))
    page.get_by_label("Purpose").select_option(label="Re-assessment after a model update")
    page.get_by_label("Previous evaluation (re-assessment only)").select_option(value=str(old.public_id))
    page.get_by_label("Owner").select_option(label="Olivia Officer")
    page.get_by_label("Start from the last submitted answers").check()
    assert_accessible(page, context="evaluation create form with carry-forward")
    page.get_by_role("button", name="Create evaluation").click()
    expect(page.get_by_text("with 9 answers carried forward for the vendor to confirm")).to_be_visible()
    panel = page.locator("#invites-panel")
    panel.get_by_label(re.compile("Dana Vendorson")).check()
    panel.get_by_role("button", name="Send invites").click()
    expect(panel.get_by_text("Active")).to_be_visible()
    evaluation_url = page.url
    new = Evaluation.objects.exclude(pk=old.pk).get()

    vendor = new_context().new_page()
    vendor.goto(invite_path(mailoutbox[-1].body))
    expect(
        vendor.get_by_text("9 prefilled answers").or_(vendor.get_by_text("5 prefilled answers"))
    ).to_be_visible()
    edits = 0
    for section_title in ("Product", "Change control"):
        vendor.get_by_role("link", name=re.compile(section_title)).first.click()
        for section, _key, qtype, prompt, _before, after in SPECS:
            if after is None or (section == "product") != (section_title == "Product"):
                continue
            card = question(vendor, prompt)
            expect(card.locator(".prefill-note")).to_contain_text(
                "Carried forward from the evaluation submitted"
            )
            if qtype == "yes_no":
                card.get_by_label("Yes" if after == "yes" else "No").check()
            else:
                field = card.locator("input:not([type=hidden]), textarea").first
                field.fill(after)
                field.press("Tab")
            expect(card.locator(".save-state-saved")).to_have_text("Saved")
            edits += 1
        assert_accessible(vendor, context=f"carried section {section_title}")
        vendor.get_by_role("button", name="Confirm the prefilled answers in this section").click()
        expect(vendor.get_by_text(re.compile(r"\d prefilled answers? confirmed\."))).to_be_visible()
    assert edits == 5
    vendor.get_by_role("link", name="Review and submit", exact=True).click()
    vendor.get_by_role("button", name="Submit the questionnaire").click()
    expect(vendor.get_by_text("Thank you: your answers were submitted.")).to_be_visible()

    states = {a.question.key: a.prefill_state for a in Answer.objects.filter(evaluation=new)}
    assert sorted(k for k, s in states.items() if s == "changed") == sorted(
        key for _s, key, _t, _p, _b, after in SPECS if after is not None
    )
    assert sorted(k for k, s in states.items() if s == "confirmed") == sorted(
        key for _s, key, _t, _p, _b, after in SPECS if after is None
    )

    # The review workspace shows each section's prefilled answers as the vendor left them.
    page.goto(f"{evaluation_url}review/?section=product")
    expect(page.get_by_text("Prefilled answers: 3 confirmed, 2 changed, 0 not confirmed.")).to_be_visible()
    page.goto(f"{evaluation_url}review/?section=change")
    expect(page.get_by_text("Prefilled answers: 1 confirmed, 3 changed, 0 not confirmed.")).to_be_visible()
    page.goto(f"/reports/evaluations/{new.public_id}/changes/")
    assert_accessible(page, context="re-assessment changes")
    for _s, _key, _t, prompt, _b, after in SPECS:
        if after is not None:
            expect(page.get_by_text(prompt)).to_be_visible()
        else:
            expect(page.get_by_text(prompt)).to_have_count(0)
