"""The vendor portal's carried answers: shown with their source, confirmed per answer or per section;
and the model card page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from procurement.models import Answer, Evaluation
from questionnaires.models import Template
from tests.factories import EvaluationFactory, InviteFactory
from tests.procurement.conftest import portal_url
from tests.procurement.prefill_setup import carried_evaluation, sent, submitted_evaluation

pytestmark = pytest.mark.django_db
CARDS = Path(__file__).parents[1] / "procurement" / "model_cards"


@pytest.fixture
def carried(org, officer):
    old = submitted_evaluation(org, officer)
    new = carried_evaluation(org, officer, old.evaluation)
    return sent(new)


def test_a_carried_answer_shows_its_source_and_a_confirm_button(carried, client):
    body = client.get(portal_url(carried)).content.decode()
    assert "To be confirmed" in body
    assert "Carried forward from the evaluation submitted" in body
    assert f'formaction="/v/{carried.token}/q/use.processes_phi/confirm/"' in body
    assert "4 prefilled answers in this section are waiting for your confirmation." in body
    assert f'formaction="/v/{carried.token}/sections/intended-use/confirm/"' in body


def test_the_confirm_button_confirms_one_answer(carried, client):
    response = client.post(portal_url(carried, "q/use.processes_phi/confirm/"))
    assert response.status_code == 302
    assert response["Location"].endswith(
        "?section=intended-use#q-" + str(_question(carried, "use.processes_phi").pk)
    )
    answer = Answer.objects.get(evaluation=carried.evaluation, question__key="use.processes_phi")
    assert answer.prefill_state == "confirmed"
    assert answer.confirmed_by_contact == carried.contact
    body = client.get(response["Location"]).content.decode()
    assert "Answer confirmed." in body
    assert "3 prefilled answers in this section are waiting for your confirmation." in body


def test_confirm_section_confirms_every_shown_answer_in_one_action(carried, client):
    response = client.post(portal_url(carried, "sections/intended-use/confirm/"))
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "5 prefilled answers confirmed." in body
    assert "waiting for your confirmation" not in body
    assert not Answer.objects.filter(
        evaluation=carried.evaluation, question__section__key="intended-use", confirmed_at__isnull=True
    ).exists()


def test_the_review_page_marks_unconfirmed_answers_as_still_to_answer(carried, client):
    body = client.get(portal_url(carried, "review/")).content.decode()
    assert "prefilled, to be confirmed" in body
    assert "Submit the questionnaire" not in body


def test_confirming_refused_after_submission_says_why(carried, client):
    Evaluation.objects.filter(pk=carried.evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    response = client.post(portal_url(carried, "q/use.processes_phi/confirm/"), follow=True)
    assert "The questionnaire is submitted and can no longer be changed." in response.content.decode()


def _question(invite, key):
    return invite.evaluation.template.questions.get(key=key)


@pytest.fixture
def library_invite(org, officer):
    call_command("load_library", verbosity=0)
    template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
    evaluation = EvaluationFactory(
        organization=org, owner=officer, template=template, status=Evaluation.Status.SENT
    )
    return InviteFactory(evaluation=evaluation)


def test_the_model_card_page_lists_the_questions_it_answered_and_the_hti_attributes(library_invite, client):
    upload = SimpleUploadedFile("card.xml", (CARDS / "valid.xml").read_bytes(), content_type="text/xml")
    response = client.post(portal_url(library_invite, "model-card/"), {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your model card answered 18 questions" in body
    assert "ONC HTI-1 source attributes covered: 12 of 31" in body
    assert "P1, P2, P3, P5, P6, P7, P9, P10, P13, P16, P25, P30" in body
    assert "(from UsesAndDirections/IntendedUseAndWorkflow)" in body
    page = client.get(portal_url(library_invite)).content.decode()
    assert "From your model card" in page


def test_a_bad_card_is_refused_with_the_reason_beside_the_field(library_invite, client):
    upload = SimpleUploadedFile(
        "card.xml", (CARDS / "entity_expansion.xml").read_bytes(), content_type="text/xml"
    )
    response = client.post(portal_url(library_invite, "model-card/"), {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The file declares a document type or entities, which a model card never needs." in body
    assert 'class="form-control is-invalid"' in body
    assert not Answer.objects.filter(evaluation=library_invite.evaluation).exists()


def test_an_oversized_card_is_refused_by_its_size(library_invite, client, settings):
    settings.MODEL_CARD_MAX_BYTES = 2048
    upload = SimpleUploadedFile("card.xml", b"<a>" + b"x" * 4096 + b"</a>", content_type="text/xml")
    body = client.post(portal_url(library_invite, "model-card/"), {"file": upload}).content.decode()
    assert "The model card is larger than 2 KB; a card of that size is not read." in body
