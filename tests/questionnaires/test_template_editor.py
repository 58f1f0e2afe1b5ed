"""The template editor: access, editing screens, publish, version, clone, import and export."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from questionnaires.models import Question, Section, Template
from questionnaires.transfer import template_export
from tests.factories import (
    DraftTemplateFactory,
    QuestionFactory,
    SectionFactory,
    build_every_type_template,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org):
    template = DraftTemplateFactory(organization=org, slug="draft", name="Draft questionnaire")
    section = SectionFactory(template=template, key="baa", title="Business Associate Agreement", order=0)
    QuestionFactory(section=section, key="baa.will_sign", order=0, prompt="Will you sign our BAA?")
    QuestionFactory(section=section, key="baa.days", type="number", order=1, prompt="Days to notify?")
    return template


def _url(name, template, *args):
    return reverse(name, args=[template.public_id, *args])


# --- reading ------------------------------------------------------------------------------------


def test_list_shows_own_and_library_templates_with_version_status_and_count(reviewer_client, org, other_org):
    build_every_type_template(organization=org)
    library = build_every_type_template(organization=None)
    library.name = "Library questionnaire"
    library.save()
    DraftTemplateFactory(organization=other_org, name="Someone else's")
    response = reviewer_client.get(reverse("template_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Every question type" in text
    assert "Library questionnaire" in text
    assert "read-only" in text
    assert "Someone else" not in text
    assert ">10<" in text.replace(" ", "")
    assert "v1" in text


def test_list_query_count_does_not_grow_with_templates(reviewer_client, org, django_assert_max_num_queries):
    for n in range(5):
        template = DraftTemplateFactory(organization=org, slug=f"t{n}")
        QuestionFactory(section=SectionFactory(template=template))
    # 9: the navigation bar's unread notification count is one of them.
    with django_assert_max_num_queries(9):
        assert reviewer_client.get(reverse("template_list")).status_code == 200


def test_editor_page_query_count_is_bounded(officer_client, org, django_assert_max_num_queries):
    template = build_every_type_template(organization=org, status=Template.Status.DRAFT)
    for n in range(10):
        QuestionFactory(section=template.sections.first(), key=f"extra.q{n}")
    with django_assert_max_num_queries(14):
        response = officer_client.get(template.get_absolute_url())
    assert response.status_code == 200
    assert "Add question" in response.content.decode()


def test_library_template_is_viewable_but_shows_no_editing(officer_client):
    library = build_every_type_template(organization=None)
    response = officer_client.get(library.get_absolute_url())
    text = response.content.decode()
    assert response.status_code == 200
    assert "Library · read-only" in text
    assert "Add question" not in text
    assert "Clone" in text


def test_reviewer_sees_a_draft_without_editing_controls(reviewer_client, draft):
    text = reviewer_client.get(draft.get_absolute_url()).content.decode()
    assert "Will you sign our BAA?" in text
    assert "Add question" not in text
    assert "Publish" not in text


def test_another_organizations_template_is_not_found(outsider_client, draft):
    for name in ("template_detail", "template_preview", "template_export", "template_edit"):
        assert outsider_client.get(_url(name, draft)).status_code == 404
    response = outsider_client.post(_url("question_delete", draft, "baa.days"))
    assert response.status_code == 404
    assert draft.questions.count() == 2


def test_anonymous_is_sent_to_login(client, draft):
    for url in (reverse("template_list"), draft.get_absolute_url(), _url("template_publish", draft)):
        response = client.post(url) if "publish" in url else client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_preview_shows_the_vendor_widgets_and_marks_conditions(reviewer_client, org):
    template = build_every_type_template(organization=org)
    text = reviewer_client.get(_url("template_preview", template)).content.decode()
    assert "Shown only when the answer to <code>basics.yes</code> equals" in text
    assert 'type="date"' in text
    assert "Option A" in text
    assert "Subgroup" in text
    assert "Female" in text
    assert "Not applicable" in text
    assert "days" in text


def test_export_downloads_the_json(reviewer_client, org):
    template = build_every_type_template(organization=org)
    response = reviewer_client.get(_url("template_export", template))
    assert response["Content-Disposition"] == 'attachment; filename="every-type-v1.json"'
    assert json.loads(response.content) == json.loads(json.dumps(template_export(template)))


# --- permissions on writes ------------------------------------------------------------------------

WRITES = [
    ("template_publish", ()),
    ("template_new_version", ()),
    ("template_retire", ()),
    ("template_delete", ()),
    ("template_clone", ()),
    ("template_edit", ()),
    ("section_create", ()),
    ("section_edit", ("baa",)),
    ("section_delete", ("baa",)),
    ("section_move", ("baa",)),
    ("question_create", ("baa",)),
    ("question_edit", ("baa.days",)),
    ("question_delete", ("baa.days",)),
    ("question_move", ("baa.days",)),
]


@pytest.mark.parametrize("persona", ["reviewer_client", "compliance_client"])
@pytest.mark.parametrize(("name", "args"), WRITES)
def test_roles_without_manage_templates_may_not_write(request, persona, name, args, draft):
    client = request.getfixturevalue(persona)
    response = client.post(_url(name, draft, *args), {"name": "x", "slug": "x", "direction": "up"})
    assert response.status_code == 403
    assert Template.objects.count() == 1
    assert draft.questions.count() == 2


@pytest.mark.parametrize("persona", ["reviewer_client", "compliance_client"])
def test_roles_without_manage_templates_may_not_create_or_import(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("template_create")).status_code == 403
    assert client.post(reverse("template_import")).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "template_publish",
        "template_new_version",
        "template_retire",
        "template_delete",
        "section_delete",
        "section_move",
        "question_delete",
        "question_move",
    ],
)
def test_post_only_actions_refuse_get(officer_client, draft, name):
    args = {"section_delete": ("baa",), "section_move": ("baa",)}.get(name) or (
        ("baa.days",) if name.startswith("question") else ()
    )
    assert officer_client.get(_url(name, draft, *args)).status_code == 405


# --- building a template --------------------------------------------------------------------------


def test_officer_creates_a_template(officer_client, org):
    response = officer_client.post(
        reverse("template_create"),
        {
            "name": "AI scribe screener",
            "slug": "scribe",
            "description": "",
            "threshold_low": 85,
            "threshold_moderate": 65,
            "threshold_high": 45,
        },
    )
    template = Template.objects.get(organization=org, slug="scribe")
    assert response.status_code == 302
    assert response["Location"] == template.get_absolute_url()
    assert template.status == Template.Status.DRAFT
    assert template.risk_thresholds == {"low": 85, "moderate": 65, "high": 45}


def test_create_with_a_taken_slug_keeps_what_was_typed(officer_client, draft):
    response = officer_client.post(
        reverse("template_create"),
        {
            "name": "My typed name",
            "slug": "draft",
            "threshold_low": 80,
            "threshold_moderate": 60,
            "threshold_high": 40,
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "already has a template with the slug" in text
    assert 'value="My typed name"' in text


def test_officer_edits_the_template_settings(officer_client, draft):
    officer_client.post(
        _url("template_edit", draft),
        {
            "name": "Renamed",
            "description": "New",
            "threshold_low": 90,
            "threshold_moderate": 70,
            "threshold_high": 50,
        },
    )
    draft.refresh_from_db()
    assert (draft.name, draft.description, draft.thresholds["low"]) == ("Renamed", "New", 90)


def test_officer_adds_edits_moves_and_deletes_a_section(officer_client, draft):
    officer_client.post(_url("section_create", draft), {"key": "fda", "title": "FDA status", "weight": "2"})
    section = draft.sections.get(key="fda")
    assert section.order == 1
    officer_client.post(_url("section_edit", draft, "fda"), {"key": "fda", "title": "FDA", "weight": "1.5"})
    section.refresh_from_db()
    assert (section.title, str(section.weight)) == ("FDA", "1.50")
    officer_client.post(_url("section_move", draft, "fda"), {"direction": "up"})
    assert list(draft.sections.values_list("key", flat=True)) == ["fda", "baa"]
    officer_client.post(_url("section_delete", draft, "fda"))
    assert list(draft.sections.values_list("key", flat=True)) == ["baa"]


def test_officer_adds_a_choice_question_with_condition_references_and_scoring(officer_client, draft):
    response = officer_client.post(
        _url("question_create", draft, "baa"),
        {
            "key": "baa.training",
            "type": "single_choice",
            "prompt": "May customer data train the model?",
            "is_required": "on",
            "weight": "2",
            "choices": "never | Never\nopt_in | Only with opt-in",
            "condition_question": "baa.will_sign",
            "condition_operator": "equals",
            "condition_value": "yes",
            "references": "law | 45 CFR 164.504(e) | https://www.ecfr.gov/\nvoluntary | NIST AI RMF",
            "requires_evidence": "on",
            "evidence_hint": "Attach the BAA draft.",
            "scoring": '{"points": {"never": 100, "opt_in": 60}}',
        },
    )
    assert response.status_code == 302
    question = draft.questions.get(key="baa.training")
    assert question.options == {
        "choices": [{"value": "never", "label": "Never"}, {"value": "opt_in", "label": "Only with opt-in"}]
    }
    assert question.condition == {"question": "baa.will_sign", "operator": "equals", "value": "yes"}
    assert question.references == [
        {"citation": "45 CFR 164.504(e)", "url": "https://www.ecfr.gov/", "standing": "law"},
        {"citation": "NIST AI RMF", "url": "", "standing": "voluntary"},
    ]
    assert question.scoring == {"points": {"never": 100, "opt_in": 60}}
    assert question.requires_evidence
    assert str(question.weight) == "2.00"


def test_question_form_offers_only_earlier_questions_for_conditions(officer_client, draft):
    text = officer_client.get(_url("question_edit", draft, "baa.will_sign")).content.decode()
    assert 'value="baa.days"' not in text
    text = officer_client.get(_url("question_edit", draft, "baa.days")).content.decode()
    assert 'value="baa.will_sign"' in text


def test_invalid_scoring_is_shown_next_to_the_field_and_the_input_kept(officer_client, draft):
    response = officer_client.post(
        _url("question_edit", draft, "baa.days"),
        {
            "key": "baa.days",
            "type": "number",
            "prompt": "Typed prompt stays",
            "weight": "1",
            "unit": "days",
            "scoring": '{"bands": []}',
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "A number rule needs at least one band." in text
    assert "Typed prompt stays" in text
    assert "error_1_id_scoring" in text or "id_scoring" in text
    assert draft.questions.get(key="baa.days").prompt == "Days to notify?"


def test_malformed_scoring_json_is_an_error_not_a_crash(officer_client, draft):
    response = officer_client.post(
        _url("question_edit", draft, "baa.days"),
        {"key": "baa.days", "type": "number", "prompt": "?", "weight": "1", "scoring": "{bands:"},
    )
    assert response.status_code == 200
    assert "Not valid JSON" in response.content.decode()


def test_a_duplicate_question_key_is_shown_on_the_key_field(officer_client, draft):
    response = officer_client.post(
        _url("question_create", draft, "baa"),
        {"key": "baa.days", "type": "yes_no", "prompt": "?", "weight": "1"},
    )
    assert response.status_code == 200
    assert "Another question already uses the key" in response.content.decode()
    assert draft.questions.count() == 2


def test_officer_edits_moves_and_deletes_a_question(officer_client, draft):
    officer_client.post(
        _url("question_edit", draft, "baa.days"),
        {
            "key": "baa.breach_notice_days",
            "type": "number",
            "prompt": "Days?",
            "weight": "1",
            "unit": "days",
            "minimum": "0",
            "maximum": "60",
        },
    )
    question = draft.questions.get(key="baa.breach_notice_days")
    assert question.options == {"unit": "days", "min": 0, "max": 60}
    officer_client.post(_url("question_move", draft, "baa.breach_notice_days"), {"direction": "up"})
    assert list(draft.questions.order_by("order").values_list("key", flat=True)) == [
        "baa.breach_notice_days",
        "baa.will_sign",
    ]
    officer_client.post(_url("question_delete", draft, "baa.will_sign"))
    assert list(draft.questions.values_list("key", flat=True)) == ["baa.breach_notice_days"]


def test_publish_from_the_editor(officer_client, draft):
    response = officer_client.post(_url("template_publish", draft), follow=True)
    draft.refresh_from_db()
    assert draft.status == Template.Status.PUBLISHED
    assert "Published" in response.content.decode()


def test_failed_publish_lists_every_problem(officer_client, draft):
    SectionFactory(template=draft, key="empty", title="Empty section", order=5)
    QuestionFactory(section=draft.sections.get(key="baa"), key="baa.choice", type="single_choice", options={})
    response = officer_client.post(_url("template_publish", draft), follow=True)
    text = response.content.decode()
    assert "&#x27;Empty section&#x27; has no questions" in text
    assert "baa.choice: a choice question needs at least one choice" in text
    draft.refresh_from_db()
    assert draft.status == Template.Status.DRAFT


def test_edits_to_a_published_version_are_refused_with_a_message(officer_client, org):
    template = build_every_type_template(organization=org)
    response = officer_client.post(
        _url("question_edit", template, "basics.yes"),
        {"key": "basics.yes", "type": "yes_no", "prompt": "Changed", "weight": "1"},
        follow=True,
    )
    assert "cannot change" in response.content.decode()
    assert template.questions.get(key="basics.yes").prompt == "Prompt for basics.yes"
    response = officer_client.post(_url("question_delete", template, "basics.yes"), follow=True)
    assert "cannot change" in response.content.decode()
    assert template.questions.count() == 10


LIBRARY_ARGS = {"baa": "basics", "baa.days": "basics.yes"}


@pytest.mark.parametrize(
    ("name", "args"), [w for w in WRITES if w[0] not in ("template_clone", "template_new_version")]
)
def test_edits_to_a_library_template_are_refused_with_a_message(officer_client, name, args):
    library = build_every_type_template(organization=None)
    before = list(Question.objects.values()), list(Section.objects.values())
    url = _url(name, library, *(LIBRARY_ARGS[a] for a in args))
    response = officer_client.post(
        url, {"key": "x", "title": "x", "name": "x", "direction": "down"}, follow=True
    )
    assert response.status_code == 200
    assert "read-only" in response.content.decode()
    assert (list(Question.objects.values()), list(Section.objects.values())) == before
    assert Template.objects.get().status == Template.Status.PUBLISHED


def test_new_version_from_the_editor(officer_client, org):
    template = build_every_type_template(organization=org)
    response = officer_client.post(_url("template_new_version", template))
    new = Template.objects.get(organization=org, version=2)
    assert response["Location"] == new.get_absolute_url()
    assert new.questions.count() == 10


def test_retire_from_the_editor(officer_client, org):
    template = build_every_type_template(organization=org)
    officer_client.post(_url("template_retire", template))
    template.refresh_from_db()
    assert template.status == Template.Status.RETIRED


def test_clone_a_library_template(officer_client, org):
    library = build_every_type_template(organization=None)
    response = officer_client.post(_url("template_clone", library), {"name": "Ours", "slug": "ours"})
    clone = Template.objects.get(organization=org, slug="ours")
    assert response["Location"] == clone.get_absolute_url()
    assert clone.status == Template.Status.DRAFT
    assert clone.questions.count() == 10


def test_delete_a_draft(officer_client, draft):
    response = officer_client.post(_url("template_delete", draft))
    assert response.status_code == 302
    assert response["Location"] == reverse("template_list")
    assert not Template.objects.filter(pk=draft.pk).exists()


# --- import ---------------------------------------------------------------------------------------


def _upload(data) -> SimpleUploadedFile:
    return SimpleUploadedFile("t.json", json.dumps(data).encode(), content_type="application/json")


def test_import_upload_creates_a_draft_and_redirects_to_it(officer_client, org, other_org):
    data = template_export(build_every_type_template(organization=other_org))
    response = officer_client.post(reverse("template_import"), {"file": _upload(data)})
    template = Template.objects.get(organization=org)
    assert response["Location"] == template.get_absolute_url()
    assert template.status == Template.Status.DRAFT
    assert template.questions.count() == 10


def test_import_upload_lists_each_error_with_its_path_and_writes_nothing(officer_client, org, other_org):
    data = json.loads(json.dumps(template_export(build_every_type_template(organization=other_org))))
    data["sections"][0]["questions"][1]["scoring"]["points"] = {"a": 500}
    data["sections"][1]["questions"][2]["condition"]["question"] = "nowhere"
    response = officer_client.post(reverse("template_import"), {"file": _upload(data)})
    text = response.content.decode()
    assert response.status_code == 200
    assert "sections[0].questions[1].scoring.points" in text
    assert "sections[1].questions[2].condition" in text
    assert not Template.objects.filter(organization=org).exists()


def test_import_upload_of_a_non_json_file(officer_client, org):
    upload = SimpleUploadedFile("t.json", b"\xff\xfe not json")
    response = officer_client.post(reverse("template_import"), {"file": upload})
    assert response.status_code == 200
    assert "not valid JSON" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("template_edit", ()),
        ("template_clone", ()),
        ("section_create", ()),
        ("section_edit", ("baa",)),
        ("question_create", ("baa",)),
        ("question_edit", ("baa.days",)),
    ],
)
def test_form_pages_render_for_an_officer(officer_client, draft, name, args):
    response = officer_client.get(_url(name, draft, *args))
    assert response.status_code == 200
    assert "<form" in response.content.decode()


def test_create_and_import_pages_render(officer_client):
    assert officer_client.get(reverse("template_create")).status_code == 200
    assert officer_client.get(reverse("template_import")).status_code == 200


def test_navigation_links_to_the_templates(reviewer_client):
    text = reviewer_client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("template_list")}"' in text


def test_unknown_section_or_question_key_is_not_found(officer_client, draft):
    assert officer_client.get(_url("section_edit", draft, "nope")).status_code == 404
    assert officer_client.get(_url("question_edit", draft, "nope.q")).status_code == 404
