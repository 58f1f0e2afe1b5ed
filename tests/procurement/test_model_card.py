"""The CHAI Applied Model Card: hostile files refused, the mapping per element, import and export."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from lxml import etree

from procurement.model_card import CardError, card_schema, parse_card
from procurement.model_card.export import build_card
from procurement.model_card.mapping import CARD_FIELDS, NOT_STATED, card_answers, hti_attribute
from procurement.models import Answer, AuditEvent, Evaluation
from procurement.selectors import evaluation_snapshot
from procurement.services.answers import answer_save
from procurement.services.prefill import model_card_import, section_confirm
from questionnaires.models import Template
from tests.factories import ClarificationRequestFactory, EvaluationFactory, InviteFactory

CARDS = Path(__file__).parent / "model_cards"
LIMIT = 1024 * 1024


def card(name: str) -> bytes:
    return (CARDS / name).read_bytes()


# -- refusing files before anything is written ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("entity_expansion.xml", "doctype", "The file declares a document type or entities"),
        ("external_entity.xml", "doctype", "The file declares a document type or entities"),
        (
            "wrong_version.xml",
            "wrong_version",
            "This card uses another schema (https://mc.chai.org/v0.1/schema.xsd)",
        ),
        (
            "invalid_schema.xml",
            "schema_invalid",
            "The model card does not follow the CHAI Applied Model Card v0.2",
        ),
    ],
)
def test_hostile_and_wrong_cards_are_refused_with_their_reason(name, code, message):
    with pytest.raises(CardError) as refused:
        parse_card(card(name), max_bytes=LIMIT)
    assert refused.value.code == code
    assert str(refused.value).startswith(message)


def test_a_schema_error_names_the_line_and_the_element_without_the_namespace():
    with pytest.raises(CardError) as refused:
        parse_card(card("invalid_schema.xml"), max_bytes=LIMIT)
    assert refused.value.details == [
        "line 19: Element 'Keywords': This element is not expected. Expected is ( Summary )."
    ]


def test_a_doctype_hidden_in_another_encoding_is_refused_after_parsing_without_expanding_it():
    data = (
        card("entity_expansion.xml")
        .decode()
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        .encode("utf-16")
    )
    assert b"<!DOCTYPE" not in data
    with pytest.raises(CardError) as refused:
        parse_card(data, max_bytes=LIMIT)
    assert refused.value.code == "doctype"


def test_an_oversized_card_is_refused_before_it_is_parsed(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(etree, "fromstring", never)
    with pytest.raises(CardError) as refused:
        parse_card(b"<" + b"a" * LIMIT + b"/>", max_bytes=LIMIT)
    assert refused.value.code == "too_large"
    assert str(refused.value) == "The model card is larger than 1024 KB; a card of that size is not read."


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not a card", "not_xml"),
        (b"<AppliedModelCard xmlns='https://mc.chai.org/v0.2/schema.xsd'>", "not_xml"),
        (b"<ModelCard xmlns='https://mc.chai.org/v0.2/schema.xsd'/>", "not_a_card"),
        (b"<AppliedModelCard/>", "wrong_version"),
        # Nesting far deeper than any card: libxml2's depth limit stays on (huge_tree=False).
        (b"<a>" * 20000 + b"</a>" * 20000, "not_xml"),
    ],
)
def test_files_that_are_no_card_are_refused(data, code):
    with pytest.raises(CardError) as refused:
        parse_card(data, max_bytes=LIMIT)
    assert refused.value.code == code


def test_the_schema_is_loaded_offline_and_accepts_the_optional_signature():
    signed = card("valid.xml").replace(
        b"<Bibliography></Bibliography>",
        b'<Bibliography></Bibliography><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>',
    )
    assert etree.QName(parse_card(signed, max_bytes=LIMIT)).localname == "AppliedModelCard"
    assert card_schema() is card_schema()  # loaded once, from the project's copy


# -- the mapping, element by element ----------------------------------------------------------------

INTENDED_USE = (
    "Reorders the neuroradiology worklist so that studies with a\nsuspected occlusion are read first."
)
EXPECTED = {
    "use.product_name_version": "StrokeSignal 4.1",
    "hti.p01_developer_contact": "Northwind Neuro AI, support@northwind-neuro.example",
    "hti.p02_funding_source": "Venture funding",
    "hti.p03_output_value": "A yes or no flag per study, with a key image.",
    "use.intended_use": INTENDED_USE,
    "hti.p05_intended_use": INTENDED_USE,
    "use.patient_population": "Adults with a non-contrast head CT ordered for stroke symptoms.",
    "hti.p06_patient_population": "Adults with a non-contrast head CT ordered for stroke symptoms.",
    "hti.p07_intended_users": "Neuroradiologists and stroke team physicians",
    "use.out_of_scope": "Not for children, and not for scans with motion artefacts.",
    "hti.p09_cautioned_uses": "Not for children, and not for scans with motion artefacts.",
    "hti.p10_known_risks": "Misses small distal occlusions more often than proximal ones.",
    "hti.p13_training_representativeness": "Scans from eleven US hospitals, 2018 to 2023, balanced by sex.",
    "bias.mitigation": "Reweighted training by scanner vendor and age band.",
    "hti.p16_bias_management": "Reweighted training by scanner vendor and age band.",
    "hti.p30_update_process": "Quarterly drift review; retrained at most once a year.",
    "use.foundation_models": "None: trained from scratch on imaging data.",
    "hti.p25_outcome_evaluations": "Internal validation report, 2025\n\nNone yet",
}


def test_each_mapped_element_answers_exactly_its_questions():
    found = {a.key: a.value for a in card_answers(parse_card(card("valid.xml"), max_bytes=LIMIT))}
    assert found == EXPECTED


@pytest.mark.parametrize("card_field", CARD_FIELDS, ids=lambda f: f.element)
def test_an_element_left_empty_answers_nothing(card_field):
    root = parse_card(card("valid.xml"), max_bytes=LIMIT)
    found = {a.key for a in card_answers(root)}
    assert set(card_field.keys) <= found
    # Empty every element this field reads: its questions are no longer answered.
    names = card_field.element.replace("+", "/").replace(" ", "").split("/")
    for node in root.iter():
        if etree.QName(node).localname in names and len(node) == 0:
            node.text = ""
    left = {a.key for a in card_answers(root)}
    assert not set(card_field.keys) & left


def test_the_text_an_export_writes_for_a_missing_answer_is_never_read_back():
    root = parse_card(card("valid.xml"), max_bytes=LIMIT)
    root.find("mc:Warnings/mc:KnownRisksAndLimitations", {"mc": root.nsmap[None]}).text = NOT_STATED
    assert "hti.p10_known_risks" not in {a.key for a in card_answers(root)}


def test_hti_attribute_numbers_come_from_the_library_keys():
    assert hti_attribute("hti.p05_intended_use") == 5
    assert hti_attribute("hti.p31_correction_frequency") == 31
    assert hti_attribute("hti.supplied_via_certified_ehr") is None
    assert hti_attribute("use.intended_use") is None


# -- importing into the library questionnaire ----------------------------------------------------


@pytest.fixture
def library_invite(db, org, officer):
    call_command("load_library", verbosity=0)
    template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
    evaluation = EvaluationFactory(
        organization=org, owner=officer, template=template, status=Evaluation.Status.SENT
    )
    return InviteFactory(evaluation=evaluation)


@pytest.mark.django_db
def test_a_card_prefills_its_questions_to_be_confirmed_and_names_the_hti_attributes(library_invite):
    evaluation = library_invite.evaluation
    result = model_card_import(evaluation=evaluation, data=card("valid.xml"), contact=library_invite.contact)
    assert sorted(q.key for q, _ in result.filled) == sorted(EXPECTED)
    assert result.hti_attributes == [1, 2, 3, 5, 6, 7, 9, 10, 13, 16, 25, 30]
    answers = {
        a.question.key: a for a in Answer.objects.filter(evaluation=evaluation).select_related("question")
    }
    assert {k: a.value for k, a in answers.items()} == EXPECTED
    assert {a.source for a in answers.values()} == {Answer.Source.MODEL_CARD}
    assert {a.prefill_state for a in answers.values()} == {"pending"}
    snapshot = evaluation_snapshot(evaluation)
    assert not any(snapshot.state.is_answered(q) for q in snapshot.questions if q.key in EXPECTED)
    event = AuditEvent.objects.get(evaluation=evaluation, kind=AuditEvent.Kind.ANSWERS_PREFILLED)
    assert event.summary == "18 answers prefilled from the vendor's model card"
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.IN_PROGRESS


@pytest.mark.django_db
def test_a_card_never_replaces_a_typed_or_confirmed_answer_but_refreshes_an_unconfirmed_one(library_invite):
    evaluation = library_invite.evaluation
    questions = {q.key: q for q in evaluation.template.questions.all()}
    answer_save(
        evaluation=evaluation,
        question=questions["hti.p02_funding_source"],
        value="Grants",
        expected_version=0,
        contact=library_invite.contact,
    )
    model_card_import(evaluation=evaluation, data=card("valid.xml"), contact=library_invite.contact)
    section_confirm(evaluation=evaluation, section=questions["use.intended_use"].section)
    newer = (
        card("valid.xml").replace(b"Venture funding", b"Series B").replace(b"Misses small", b"Misses tiny")
    )
    result = model_card_import(evaluation=evaluation, data=newer, contact=library_invite.contact)
    answers = {
        a.question.key: a for a in Answer.objects.filter(evaluation=evaluation).select_related("question")
    }
    assert answers["hti.p02_funding_source"].value == "Grants"
    assert answers["hti.p02_funding_source"].source == ""
    assert answers["hti.p10_known_risks"].value.startswith("Misses tiny")
    assert answers["hti.p10_known_risks"].version == 2
    assert answers["use.intended_use"].prefill_state == "confirmed"
    skipped = dict(result.skipped)
    assert skipped["hti.p02_funding_source"] == "already answered"
    assert skipped["use.intended_use"] == "already answered"


@pytest.mark.django_db
def test_a_value_too_long_for_its_question_is_skipped_with_the_reason(library_invite):
    long_users = b"Clinicians " * 60
    data = card("valid.xml").replace(b"Neuroradiologists and stroke team physicians", long_users)
    result = model_card_import(evaluation=library_invite.evaluation, data=data)
    assert dict(result.skipped)["hti.p07_intended_users"].startswith("Keep the answer within 500 characters")
    assert 7 not in result.hti_attributes


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["entity_expansion.xml", "wrong_version.xml", "invalid_schema.xml"])
def test_a_refused_card_changes_nothing(library_invite, name):
    evaluation = library_invite.evaluation
    with pytest.raises(ValidationError) as refused:
        model_card_import(evaluation=evaluation, data=card(name), contact=library_invite.contact)
    assert "file" in refused.value.message_dict
    assert not Answer.objects.filter(evaluation=evaluation).exists()
    assert not AuditEvent.objects.filter(
        evaluation=evaluation, kind=AuditEvent.Kind.ANSWERS_PREFILLED
    ).exists()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SENT


@pytest.mark.django_db
def test_no_card_is_imported_while_a_clarification_round_is_open_or_after_submission(library_invite):
    evaluation = library_invite.evaluation
    ClarificationRequestFactory(evaluation=evaluation, question=evaluation.template.questions.first())
    with pytest.raises(ValidationError) as refused:
        model_card_import(evaluation=evaluation, data=card("valid.xml"))
    assert refused.value.message_dict == {
        "file": ["A model card cannot be imported while the reviewers' questions are open."]
    }
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    with pytest.raises(ValidationError) as refused:
        model_card_import(evaluation=evaluation, data=card("valid.xml"))
    assert refused.value.messages == ["The questionnaire is submitted and can no longer be changed."]
    assert not Answer.objects.filter(evaluation=evaluation).exists()


# -- exporting ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_export_validates_and_reads_back_the_confirmed_answers(library_invite):
    evaluation = library_invite.evaluation
    model_card_import(evaluation=evaluation, data=card("valid.xml"))
    # Unconfirmed answers are not answers: the export leaves them out.
    product = evaluation.product
    unconfirmed = card_answers(parse_card(build_card(evaluation), max_bytes=LIMIT))
    # Only what the evaluation itself knows: the product and its developer.
    assert {a.key: a.value for a in unconfirmed} == {
        "use.product_name_version": f"{product.name} {product.version}",
        "hti.p01_developer_contact": product.vendor.legal_name,
    }
    for section in evaluation.template.sections.all():
        section_confirm(evaluation=evaluation, section=section)
    exported = build_card(evaluation)
    root = parse_card(exported, max_bytes=LIMIT)  # validates against the schema
    back = {a.key: a.value for a in card_answers(root)}
    # The product and developer come from the directory; foundation models stay hidden until the
    # vendor says the product uses generative AI, and a hidden answer is not exported.
    for key in EXPECTED.keys() - {
        "use.product_name_version",
        "hti.p01_developer_contact",
        "use.foundation_models",
    }:
        assert back[key] == EXPECTED[key], key
    ns = {"mc": root.nsmap[None]}
    assert root.findtext("mc:BasicInfo/mc:ModelName", namespaces=ns) == evaluation.product.name
    assert (
        root.findtext("mc:BasicInfo/mc:ModelDeveloper", namespaces=ns) == evaluation.product.vendor.legal_name
    )
    assert root.findtext("mc:Warnings/mc:ClinicalRiskLevel", namespaces=ns) == NOT_STATED


@pytest.mark.django_db
def test_an_export_escapes_what_the_vendor_typed(library_invite):
    evaluation = library_invite.evaluation
    question = evaluation.template.questions.get(key="hti.p10_known_risks")
    text = '<script>alert(1)</script> & ]]> "quoted"'
    answer_save(evaluation=evaluation, question=question, value=text, expected_version=0)
    root = parse_card(build_card(evaluation), max_bytes=LIMIT)
    assert (
        root.findtext("mc:Warnings/mc:KnownRisksAndLimitations", namespaces={"mc": root.nsmap[None]}) == text
    )
