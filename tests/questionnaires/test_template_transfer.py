"""Export and import in the exchange format, and the library loader."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from questionnaires.models import Question, Section, Template
from questionnaires.transfer import template_export, template_import
from tests.factories import SAMPLE_INTAKE, build_every_type_template

pytestmark = pytest.mark.django_db

LIBRARY_FILES = sorted((Path(settings.BASE_DIR) / "fixtures" / "templates").glob("*.json"))

QUESTION_KEYS = [
    "key",
    "prompt",
    "help_text",
    "guidance",
    "type",
    "required",
    "allows_na",
    "weight",
    "options",
    "condition",
    "references",
    "requires_evidence",
    "evidence_hint",
    "scoring",
    "asked_from",
    "fact",
]


def _round_trip(data, organization):
    first = template_import(data=data, organization=organization)
    exported = template_export(first)
    first.delete()
    second = template_import(data=json.loads(json.dumps(exported)), organization=organization)
    return exported, template_export(second)


def test_export_has_every_key_in_the_documented_order(org):
    data = template_export(build_every_type_template(organization=org))
    assert list(data) == [
        "format",
        "slug",
        "name",
        "version",
        "description",
        "risk_thresholds",
        "intake",
        "sections",
    ]
    assert list(data["sections"][0]) == ["key", "title", "description", "weight", "asked_from", "questions"]
    assert all(list(q) == QUESTION_KEYS for s in data["sections"] for q in s["questions"])
    assert data["format"] == "clinical-ai-dd-template/1"
    assert data["sections"][0]["weight"] == 1.5
    assert {q["type"] for s in data["sections"] for q in s["questions"]} == {
        "yes_no",
        "single_choice",
        "multi_choice",
        "short_text",
        "long_text",
        "number",
        "date",
        "url",
        "file",
        "table",
    }


def test_round_trip_of_a_template_with_every_question_type(org, other_org):
    exported = json.loads(json.dumps(template_export(build_every_type_template(organization=org))))
    first, second = _round_trip(exported, other_org)
    assert first == exported
    assert json.dumps(second) == json.dumps(first)


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=[p.name for p in LIBRARY_FILES])
def test_round_trip_of_every_shipped_template(path, org):
    data = json.loads(path.read_text(encoding="utf-8"))
    first, second = _round_trip(data, org)
    assert json.dumps(second) == json.dumps(first)


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=[p.name for p in LIBRARY_FILES])
def test_every_shipped_template_can_be_published(path):
    template = template_import(
        data=json.loads(path.read_text(encoding="utf-8")), organization=None, publish=True
    )
    assert template.status == Template.Status.PUBLISHED


def _valid(org) -> dict:
    return json.loads(json.dumps(template_export(build_every_type_template(organization=org))))


def _import_errors(data, organization) -> list[str]:
    before = (Template.objects.count(), Section.objects.count(), Question.objects.count())
    with pytest.raises(ValidationError) as exc:
        template_import(data=data, organization=organization)
    assert (Template.objects.count(), Section.objects.count(), Question.objects.count()) == before
    return exc.value.messages


def test_import_reports_every_structural_error_with_its_path(org, other_org):
    data = _valid(org)
    del data["name"]
    data["sections"][1]["questions"][0]["type"] = "essay"
    data["sections"][0]["questions"][2]["required"] = "yes"
    data["sections"][1]["questions"][3]["references"][0]["standing"] = "rumour"
    errors = _import_errors(data, other_org)
    text = "\n".join(errors)
    assert "(top level): 'name' is a required property" in text
    assert "sections[1].questions[0].type:" in text
    assert "sections[0].questions[2].required:" in text
    assert "sections[1].questions[3].references[0].standing:" in text


def test_import_reports_every_semantic_error_with_its_path(org, other_org):
    data = _valid(org)
    data["sections"][0]["questions"][1]["scoring"]["points"] = {"a": 150}
    data["sections"][0]["questions"][2]["options"]["choices"].append({"value": "a", "label": "Again"})
    data["sections"][1]["questions"][2]["condition"]["question"] = "basics.nowhere"
    data["sections"][1]["questions"][0]["key"] = "basics.yes"
    errors = _import_errors(data, other_org)
    text = "\n".join(errors)
    assert "sections[0].questions[1].scoring.points: points must be numbers from 0 to 100." in text
    assert "sections[0].questions[2].options: choice values must be unique." in text
    assert "sections[1].questions[2].condition: the condition refers to 'basics.nowhere'" in text
    assert (
        "sections[1].questions[0].key: the question key 'basics.yes' is already used at sections[0]" in text
    )


def test_import_refuses_a_condition_cycle(org, other_org):
    data = _valid(org)
    first = data["sections"][0]["questions"][0]
    first["condition"] = {"question": "basics.short", "operator": "equals", "value": "x"}
    errors = _import_errors(data, other_org)
    assert any(e.startswith("sections[0].questions[0].condition:") and "comes later" in e for e in errors)


def test_import_refuses_an_existing_slug_and_version(org):
    data = _valid(org)
    errors = _import_errors(data, org)
    assert "already has version 1 of 'every-type'" in errors[0]


def test_import_with_publish_rolls_back_when_publishing_fails(org, other_org):
    data = _valid(org)
    data["sections"][1]["questions"] = []
    errors = _import_errors_publish(data, other_org)
    assert any("has no questions" in e for e in errors)


def _import_errors_publish(data, organization):
    before = Template.objects.count()
    with pytest.raises(ValidationError) as exc:
        template_import(data=data, organization=organization, publish=True)
    assert Template.objects.count() == before
    return exc.value.messages


def test_import_of_a_draft_accepts_an_unfinished_choice_question(org, other_org):
    data = _valid(org)
    data["sections"][0]["questions"][1]["options"] = {}
    data["sections"][0]["questions"][1]["scoring"] = None
    template = template_import(data=data, organization=other_org)
    assert template.status == Template.Status.DRAFT


def test_export_and_import_commands(org, tmp_path):
    template = build_every_type_template(organization=org)
    out = tmp_path / "t.json"
    call_command("export_template", "every-type", "--organization", org.slug, "--output", str(out))
    data = json.loads(out.read_text())
    assert data == json.loads(json.dumps(template_export(template)))
    data["version"] = 7
    out.write_text(json.dumps(data))
    stdout = StringIO()
    call_command("import_template", str(out), "--organization", org.slug, stdout=stdout)
    assert "Imported" in stdout.getvalue()
    assert Template.objects.get(organization=org, slug="every-type", version=7).status == "draft"


def test_import_command_fails_with_the_paths_and_writes_nothing(org, tmp_path):
    data = _valid(org)
    data["sections"][0]["weight"] = "heavy"
    data["version"] = 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"sections\[0\]\.weight"):
        call_command("import_template", str(bad), "--organization", org.slug)
    assert Template.objects.count() == 1


def test_export_command_without_organization_reads_the_library(org):
    build_every_type_template(organization=None)
    stdout = StringIO()
    call_command("export_template", "every-type", "--version", "1", stdout=stdout)
    assert json.loads(stdout.getvalue())["slug"] == "every-type"
    with pytest.raises(CommandError, match="No template"):
        call_command("export_template", "every-type", "--version", "2")


def test_load_library_is_idempotent(org, tmp_path):
    data = _valid(org)
    other = copy.deepcopy(data)
    other["slug"] = "second"
    (tmp_path / "a.json").write_text(json.dumps(data))
    (tmp_path / "b.json").write_text(json.dumps(other))
    out = StringIO()
    call_command("load_library", "--directory", str(tmp_path), stdout=out)
    assert out.getvalue().count("Loaded") == 2
    library = Template.objects.library()
    assert library.count() == 2
    assert set(library.values_list("status", flat=True)) == {"published"}
    counts = (Section.objects.count(), Question.objects.count())
    out = StringIO()
    call_command("load_library", "--directory", str(tmp_path), stdout=out)
    assert out.getvalue().count("Unchanged") == 2
    assert Template.objects.library().count() == 2
    assert (Section.objects.count(), Question.objects.count()) == counts


def test_load_library_warns_when_a_loaded_version_changed(org, tmp_path):
    data = _valid(org)
    path = tmp_path / "a.json"
    path.write_text(json.dumps(data))
    call_command("load_library", "--directory", str(tmp_path), stdout=StringIO())
    data["name"] = "Renamed"
    path.write_text(json.dumps(data))
    out = StringIO()
    call_command("load_library", "--directory", str(tmp_path), stdout=out)
    assert "raise its version" in out.getvalue()
    assert Template.objects.library().get().name == "Every question type"


def test_load_library_loads_the_shipped_files():
    out = StringIO()
    call_command("load_library", stdout=out)
    assert Template.objects.library().published().count() == len(LIBRARY_FILES)


def test_intake_and_asked_from_round_trip(org):
    template = build_every_type_template(organization=org)
    template.intake = SAMPLE_INTAKE
    template.save()
    section = template.sections.first()
    section.asked_from = "high"
    section.save()
    question = template.questions.order_by("order", "id").last()
    question.asked_from = "critical"
    question.save()
    data = template_export(template)
    template.delete()
    exported, again = _round_trip(data, org)
    assert exported == again == data
    assert exported["intake"] == SAMPLE_INTAKE
    assert exported["sections"][0]["asked_from"] == "high"
    assert [q["asked_from"] for s in exported["sections"] for q in s["questions"]][-1] == "critical"


def test_a_file_without_intake_keys_imports_with_everything_asked(org):
    data = template_export(build_every_type_template(organization=org))
    del data["intake"]
    for section in data["sections"]:
        del section["asked_from"]
        for question in section["questions"]:
            del question["asked_from"]
    data["slug"] = "older-file"
    imported = template_import(data=data, organization=org)
    assert imported.intake is None
    assert set(imported.sections.values_list("asked_from", flat=True)) == {""}


def test_a_broken_intake_is_refused_with_its_path(org):
    data = template_export(build_every_type_template(organization=org))
    data["intake"] = {
        **SAMPLE_INTAKE,
        "rules": [{"tier": "high", "reason": "Because.", "when": [{"item": "colour", "equals": True}]}],
    }
    with pytest.raises(ValidationError) as caught:
        template_import(data=data, organization=org)
    assert caught.value.messages == ["intake.rules[0].when[0].item: no intake item has the key 'colour'."]


def test_an_unknown_asked_from_tier_is_refused_by_the_schema(org):
    data = template_export(build_every_type_template(organization=org))
    data["sections"][0]["asked_from"] = "severe"
    with pytest.raises(ValidationError) as caught:
        template_import(data=data, organization=org)
    assert caught.value.messages[0].startswith("sections[0].asked_from: 'severe' is not one of")
