"""A question's fact: chosen in the editor, checked against the vocabulary, kept by export/import."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from questionnaires import services
from questionnaires.models import Question
from questionnaires.transfer import template_export, template_import, validation_errors
from tests.factories import DraftTemplateFactory, QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org):
    template = DraftTemplateFactory(organization=org, slug="own")
    section = SectionFactory(template=template, key="fda", order=0)
    QuestionFactory(section=section, key="reg.status", type="short_text", order=0, fact="fda.status")
    QuestionFactory(section=section, key="reg.number", type="short_text", order=1)
    return template


def _url(name, template, *args):
    return reverse(name, args=[template.public_id, *args])


def test_officer_declares_the_fact_a_question_records(officer_client, draft):
    form = officer_client.get(_url("question_edit", draft, "reg.number")).content.decode()
    assert (
        '<option value="fda.submission_number">fda.submission_number: The FDA submission number.</option>'
        in form
    )
    response = officer_client.post(
        _url("question_edit", draft, "reg.number"),
        {
            "key": "reg.number",
            "type": "short_text",
            "prompt": "Submission number?",
            "weight": "1",
            "fact": "fda.submission_number",
        },
    )
    assert response.status_code == 302
    assert draft.questions.get(key="reg.number").fact == "fda.submission_number"


def test_a_fact_another_question_records_is_refused_next_to_the_field(officer_client, draft):
    response = officer_client.post(
        _url("question_edit", draft, "reg.number"),
        {
            "key": "reg.number",
            "type": "short_text",
            "prompt": "Typed prompt stays",
            "weight": "1",
            "fact": "fda.status",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "The question &#x27;reg.status&#x27; already records the fact &#x27;fda.status&#x27;." in text
    assert "Typed prompt stays" in text
    assert draft.questions.get(key="reg.number").fact == ""


def test_the_service_refuses_a_fact_outside_the_vocabulary(draft):
    section = draft.sections.get()
    with pytest.raises(ValidationError) as caught:
        services.question_create(section=section, key="x.new", prompt="?", type="yes_no", fact="made.up")
    assert caught.value.message_dict == {"fact": ["'made.up' is not a fact of the vocabulary."]}
    assert not Question.objects.filter(key="x.new").exists()


def test_a_new_version_keeps_the_facts(org, draft):
    services.publish_unchecked(template=draft)
    successor = services.template_new_version(template=draft)
    assert dict(successor.questions.values_list("key", "fact")) == {
        "reg.status": "fda.status",
        "reg.number": "",
    }


def test_export_and_import_round_trip_the_fact(org, draft):
    data = template_export(draft)
    assert [q["fact"] for q in data["sections"][0]["questions"]] == ["fda.status", ""]
    data["slug"] = "copy"
    copied = template_import(data=data, organization=org)
    assert dict(copied.questions.values_list("key", "fact")) == {"reg.status": "fda.status", "reg.number": ""}
    assert template_export(copied)["sections"] == data["sections"]


def test_a_file_without_facts_imports_with_none(org, draft):
    data = template_export(draft)
    for question in data["sections"][0]["questions"]:
        del question["fact"]
    data["slug"] = "older-file"
    copied = template_import(data=data, organization=org)
    assert set(copied.questions.values_list("fact", flat=True)) == {""}


def test_import_reports_an_unknown_or_repeated_fact_with_its_path(draft):
    data = template_export(draft)
    bad = copy.deepcopy(data)
    bad["sections"][0]["questions"][1]["fact"] = "made.up"
    assert validation_errors(bad) == [
        "sections[0].questions[1].fact: 'made.up' is not a fact of the vocabulary."
    ]
    bad["sections"][0]["questions"][1]["fact"] = "fda.status"
    assert validation_errors(bad) == [
        "sections[0].questions[1].fact: "
        "the fact 'fda.status' is already recorded at sections[0].questions[0]."
    ]
    bad["sections"][0]["questions"][1]["fact"] = 7
    assert validation_errors(bad) == ["sections[0].questions[1].fact: 7 is not of type 'string'"]
