"""The officer starts from the last submitted answers; reviewers see carried, confirmed and changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import Answer, Evaluation
from procurement.services.answers import answer_save
from procurement.services.prefill import section_confirm
from tests.factories import EvaluationFactory
from tests.procurement.prefill_setup import carried_evaluation, sent, submitted_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def old(org, officer):
    return submitted_evaluation(org, officer)


def _create(client, officer, old, **extra):
    return client.post(
        reverse("evaluation_create"),
        {
            "product": old.evaluation.product.public_id,
            "template": old.evaluation.template.public_id,
            "purpose": "renewal",
            "owner": officer.pk,
            "carry_forward": "on",
            **extra,
        },
        follow=True,
    )


def test_officer_starts_a_renewal_from_the_last_submitted_answers(officer_client, officer, old):
    response = _create(officer_client, officer, old)
    new = Evaluation.objects.exclude(pk=old.evaluation.pk).get()
    assert response.redirect_chain[-1][0] == new.get_absolute_url()
    body = response.content.decode()
    assert "Evaluation created as a draft, with 7 answers carried forward for the vendor to confirm." in body
    assert Answer.objects.filter(evaluation=new, source=Answer.Source.CARRIED).count() == 7


def test_the_carry_forward_choice_is_refused_beside_the_field_when_there_is_nothing_to_carry(
    officer_client, officer, org, old
):
    other = EvaluationFactory(organization=org, template=old.evaluation.template)
    count = Evaluation.objects.count()
    response = officer_client.post(
        reverse("evaluation_create"),
        {
            "product": other.product.public_id,
            "template": other.template.public_id,
            "purpose": "new_purchase",
            "owner": officer.pk,
            "carry_forward": "on",
        },
    )
    assert response.status_code == 200
    assert "This product has no evaluation with submitted answers to start from." in response.content.decode()
    assert Evaluation.objects.count() == count


def test_reviewers_see_which_answers_were_carried_confirmed_or_changed(
    reviewer_client, org, officer, old, django_assert_max_num_queries
):
    new = carried_evaluation(org, officer, old.evaluation)
    invite = sent(new)
    section_confirm(
        evaluation=new, section=new.template.sections.get(key="intended-use"), contact=invite.contact
    )
    days = new.template.questions.get(key="baa.breach_notice_days")
    answer_save(evaluation=new, question=days, value="7", expected_version=1, contact=invite.contact)
    # The review workspace shows them a section at a time.
    workspace = reverse("review_workspace", args=[new.public_id])
    body = ""
    for key in new.template.sections.values_list("key", flat=True):
        with django_assert_max_num_queries(40):
            body += reviewer_client.get(f"{workspace}?section={key}").content.decode()
    assert "Prefilled answers: 4 confirmed, 1 changed, 0 not confirmed." in body
    assert "Prefilled answers: 0 confirmed, 0 changed, 2 not confirmed." in body
    assert "Changed after prefilling" in body
    assert "Prefilled answer: 30 days" in body
    assert "To be confirmed" in body
    assert "carried forward</span>" in body  # the carried document


def test_the_officer_exports_the_answers_as_a_chai_model_card(officer_client, org, officer, old):
    response = officer_client.get(reverse("evaluation_model_card", args=[old.evaluation.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"].endswith('-applied-model-card-v0.2.xml"')
    assert b'<AppliedModelCard xmlns="https://mc.chai.org/v0.2/schema.xsd">' in response.content
