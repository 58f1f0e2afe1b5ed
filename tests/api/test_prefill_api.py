"""Carry-forward, confirmation and the CHAI Applied Model Card through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from procurement.model_card import parse_card
from procurement.models import Answer, Evaluation
from questionnaires.models import Template
from tests.api.conftest import api_client
from tests.factories import EvaluationFactory, InviteFactory
from tests.procurement.prefill_setup import sent, submitted_evaluation

pytestmark = pytest.mark.django_db
CARDS = Path(__file__).parents[1] / "procurement" / "model_cards"


@pytest.fixture
def old(org, officer):
    return submitted_evaluation(org, officer)


def test_an_evaluation_created_with_carry_forward_starts_from_the_last_submitted_answers(officer_api, old):
    response = officer_api.post(
        "/api/v1/evaluations/",
        {
            "product": str(old.evaluation.product.public_id),
            "template": str(old.evaluation.template.public_id),
            "carry_forward": True,
        },
        format="json",
    )
    assert response.status_code == 201
    new = Evaluation.objects.get(public_id=response.json()["id"])
    assert Answer.objects.filter(evaluation=new, source="carried", prefilled_from=old.evaluation).count() == 7


def test_carry_forward_without_a_source_is_a_field_error(officer_api, org, old):
    other = EvaluationFactory(organization=org, template=old.evaluation.template)
    response = officer_api.post(
        "/api/v1/evaluations/",
        {
            "product": str(other.product.public_id),
            "template": str(other.template.public_id),
            "carry_forward": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "carry_forward",
            "message": "This product has no evaluation with submitted answers to start from.",
            "code": "no_source",
        }
    ]


def test_the_carry_forward_action_reports_what_it_carried(officer_api, org, old):
    draft = EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template
    )
    response = officer_api.post(f"/api/v1/evaluations/{draft.public_id}/carry-forward/", {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["from_evaluation"] == str(old.evaluation.public_id)
    assert body["files"] == 1
    assert sorted(body["answers"]) == sorted(
        [
            "use.processes_phi",
            "deid.method_training",
            "deid.safe_harbor.full_zip",
            "baa.breach_notice_days",
            "use.data_modalities",
            "bias.subgroup_table",
            "security.soc2_type2",
        ]
    )


def test_the_vendor_sees_prefill_state_and_confirms_through_the_api(officer_api, org, old):
    draft = EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template
    )
    officer_api.post(f"/api/v1/evaluations/{draft.public_id}/carry-forward/", {}, format="json")
    invite = sent(draft)
    vendor = api_client(invite.token, scheme="Invite")
    questions = {
        q["key"]: q
        for s in vendor.get("/api/v1/vendor/questionnaire/").json()["sections"]
        for q in s["questions"]
    }
    phi = questions["use.processes_phi"]
    assert phi["answered"] is False
    assert phi["prefill"]["source"] == "carried"
    assert phi["prefill"]["state"] == "pending"
    assert phi["prefill"]["prefilled_value"] == "yes"
    assert questions["security.site"]["prefill"] is None
    confirmed = vendor.post("/api/v1/vendor/answers/use.processes_phi/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["question"] == "use.processes_phi"
    section = vendor.post("/api/v1/vendor/sections/evidence/confirm/")
    assert section.json() == {"confirmed": ["bias.subgroup_table", "security.soc2_type2"]}
    after = vendor.get("/api/v1/vendor/questionnaire/").json()
    assert "use.processes_phi" not in after["progress"]["missing"]
    assert "security.soc2_type2" not in after["progress"]["missing"]
    assert "deid.method_training" in after["progress"]["missing"]
    typed = vendor.post("/api/v1/vendor/answers/security.site/confirm/")
    assert typed.status_code == 400
    assert typed.json()["errors"][0]["code"] == "not_prefilled"


@pytest.fixture
def library_vendor(org, officer):
    call_command("load_library", verbosity=0)
    template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
    evaluation = EvaluationFactory(
        organization=org, owner=officer, template=template, status=Evaluation.Status.SENT
    )
    invite = InviteFactory(evaluation=evaluation)
    return invite, api_client(invite.token, scheme="Invite")


def test_the_vendor_imports_a_card_and_gets_what_was_prefilled(library_vendor):
    _invite, vendor = library_vendor
    upload = SimpleUploadedFile(
        "card.xml", (CARDS / "valid.xml").read_bytes(), content_type="application/xml"
    )
    response = vendor.post("/api/v1/vendor/model-card/", {"file": upload}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert body["hti_attributes"] == [1, 2, 3, 5, 6, 7, 9, 10, 13, 16, 25, 30]
    filled = {f["question"]: f for f in body["filled"]}
    assert filled["hti.p02_funding_source"] == {
        "question": "hti.p02_funding_source",
        "element": "TransparencyInformation/FundingSource",
        "value": "Venture funding",
        "version": 1,
    }
    assert len(filled) == 18
    assert body["skipped"] == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("entity_expansion.xml", "doctype"),
        ("wrong_version.xml", "wrong_version"),
        ("invalid_schema.xml", "schema_invalid"),
    ],
)
def test_a_refused_card_is_a_400_at_path_file_and_changes_nothing(library_vendor, name, code):
    invite, vendor = library_vendor
    upload = SimpleUploadedFile("card.xml", (CARDS / name).read_bytes(), content_type="application/xml")
    response = vendor.post("/api/v1/vendor/model-card/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["path"] for e in errors} == {"file"}
    assert errors[0]["code"] == code
    assert not Answer.objects.filter(evaluation=invite.evaluation).exists()


def test_an_oversized_card_is_refused_by_the_api(library_vendor, settings):
    _invite, vendor = library_vendor
    settings.MODEL_CARD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("card.xml", b"<a>" + b"x" * 2048 + b"</a>", content_type="application/xml")
    response = vendor.post("/api/v1/vendor/model-card/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "file", "message": "The model card is larger than 1 KB.", "code": "too_large"}
    ]


def test_the_organization_exports_a_card_that_validates(officer_api, old):
    response = officer_api.get(f"/api/v1/evaluations/{old.evaluation.public_id}/model-card.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    root = parse_card(response.content, max_bytes=1024 * 1024)
    assert root.findtext("mc:BasicInfo/mc:ModelName", namespaces={"mc": root.nsmap[None]}) == (
        old.evaluation.product.name
    )


def test_another_organization_cannot_export_the_card(outsider, old):
    from tests.api.conftest import token_for

    response = api_client(token_for(outsider)).get(
        f"/api/v1/evaluations/{old.evaluation.public_id}/model-card.xml"
    )
    assert response.status_code == 404
