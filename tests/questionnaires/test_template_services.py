"""Building, publishing, versioning and cloning templates through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from questionnaires import services
from questionnaires.models import Question, Section, Template
from tests.factories import (
    DraftTemplateFactory,
    EvaluationFactory,
    QuestionFactory,
    SectionFactory,
    TemplateFactory,
    build_every_type_template,
)

pytestmark = pytest.mark.django_db


def _draft_with_question(org, **question):
    template = DraftTemplateFactory(organization=org)
    section = SectionFactory(template=template, key="s1", order=0)
    QuestionFactory(section=section, key=question.pop("key", "s1.q1"), **question)
    return template


def _write_attempts(template):
    section = template.sections.first()
    question = template.questions.first()
    return [
        lambda: services.template_update(template=template, name="Changed"),
        lambda: services.section_create(template=template, key="new", title="New"),
        lambda: services.section_update(section=section, title="Changed"),
        lambda: services.section_delete(section=section),
        lambda: services.section_move(section=section, direction="down"),
        lambda: services.question_create(section=section, key="x.new", prompt="New?", type="yes_no"),
        lambda: services.question_update(question=question, prompt="Changed?"),
        lambda: services.question_delete(question=question),
        lambda: services.question_move(question=question, direction="down"),
        lambda: services.template_publish(template=template),
    ]


@pytest.mark.parametrize("attempt", range(10))
def test_a_published_version_never_changes(org, attempt):
    template = build_every_type_template(organization=org)
    before = (list(Section.objects.values()), list(Question.objects.values()), Template.objects.get().name)
    with pytest.raises(ValidationError, match="cannot change"):
        _write_attempts(template)[attempt]()
    after = (list(Section.objects.values()), list(Question.objects.values()), Template.objects.get().name)
    assert before == after


@pytest.mark.parametrize("attempt", range(10))
def test_a_library_template_never_changes_even_as_a_draft(attempt):
    template = build_every_type_template(organization=None, status=Template.Status.DRAFT)
    before = (list(Section.objects.values()), list(Question.objects.values()))
    with pytest.raises(ValidationError, match="Library templates are read-only"):
        _write_attempts(template)[attempt]()
    assert before == (list(Section.objects.values()), list(Question.objects.values()))


def test_library_templates_cannot_be_retired_or_versioned():
    template = build_every_type_template(organization=None)
    with pytest.raises(ValidationError, match="read-only"):
        services.template_retire(template=template)
    with pytest.raises(ValidationError, match="read-only"):
        services.template_new_version(template=template)
    assert Template.objects.count() == 1


def test_it_creates_a_draft_with_default_thresholds(org):
    template = services.template_create(organization=org, name="Screener", slug="screener")
    assert template.status == Template.Status.DRAFT
    assert template.version == 1
    assert template.thresholds == {"low": 80, "moderate": 60, "high": 40}


def test_it_refuses_a_slug_the_organization_already_uses(org):
    TemplateFactory(organization=org, slug="screener")
    with pytest.raises(ValidationError) as exc:
        services.template_create(organization=org, name="Screener", slug="screener")
    assert "slug" in exc.value.message_dict


def test_it_refuses_thresholds_out_of_order(org):
    template = DraftTemplateFactory(organization=org)
    with pytest.raises(ValidationError, match="fall from low"):
        services.template_update(template=template, risk_thresholds={"low": 40, "moderate": 60, "high": 80})


def test_new_version_copies_everything_and_leaves_the_old_one_published(org):
    old = build_every_type_template(organization=org)
    new = services.template_new_version(template=old)
    old.refresh_from_db()
    assert old.status == Template.Status.PUBLISHED
    assert (new.version, new.status, new.slug, new.organization) == (2, Template.Status.DRAFT, old.slug, org)
    assert new.thresholds == old.thresholds

    def content(template):
        return [
            (q.section.key, q.section.weight, q.order, *(getattr(q, f) for f in services.QUESTION_FIELDS))
            for q in services.ordered_questions(template)
        ]

    assert content(new) == content(old)
    assert any(q.condition for q in new.questions.all())
    assert all(q.section.template_id == new.pk for q in new.questions.all())


def test_version_numbers_increment_from_the_latest(org):
    v1 = build_every_type_template(organization=org)
    v2 = services.template_new_version(template=v1)
    services.template_publish(template=v2)
    v3 = services.template_new_version(template=v1)
    assert v3.version == 3


def test_only_one_draft_per_slug(org):
    v1 = build_every_type_template(organization=org)
    services.template_new_version(template=v1)
    with pytest.raises(ValidationError, match="already a draft"):
        services.template_new_version(template=v1)
    assert Template.objects.count() == 2


def test_a_retired_version_can_be_the_base_of_a_new_version(org):
    v1 = build_every_type_template(organization=org)
    services.template_retire(template=v1)
    v1.refresh_from_db()
    assert v1.status == Template.Status.RETIRED
    assert services.template_new_version(template=v1).version == 2


def test_a_draft_cannot_be_retired(org):
    with pytest.raises(ValidationError, match="Only a published"):
        services.template_retire(template=DraftTemplateFactory(organization=org))


def test_clone_of_a_library_template_is_a_draft_of_the_organization(org):
    library = build_every_type_template(organization=None)
    clone = services.template_clone(template=library, organization=org, slug="ours", name="Ours")
    assert (clone.organization, clone.status, clone.version, clone.slug) == (org, "draft", 1, "ours")
    assert clone.questions.count() == library.questions.count()
    assert clone.sections.count() == 2


def test_clone_refuses_another_organizations_template(org, other_org):
    theirs = build_every_type_template(organization=other_org)
    with pytest.raises(ValidationError, match="Only library templates and your own"):
        services.template_clone(template=theirs, organization=org, slug="ours", name="Ours")
    assert not Template.objects.filter(organization=org).exists()


def test_publish_lists_every_problem_at_once(org):
    template = DraftTemplateFactory(organization=org)
    empty = SectionFactory(template=template, key="empty", title="Empty one", order=0)
    section = SectionFactory(template=template, key="full", order=1)
    QuestionFactory(section=section, key="q.choice", type="single_choice", options={})
    QuestionFactory(
        section=section,
        key="q.dangling",
        condition={"question": "q.nowhere", "operator": "equals", "value": "yes"},
    )
    QuestionFactory(section=section, key="q.scored", type="yes_no", scoring={"expected": "maybe"})
    QuestionFactory(section=section, key="q.ref", references=[{"citation": "x", "standing": "rumour"}])
    with pytest.raises(ValidationError) as exc:
        services.template_publish(template=template)
    text = "\n".join(exc.value.messages)
    assert "'Empty one' has no questions" in text
    assert "q.choice: a choice question needs at least one choice" in text
    assert "q.dangling: the condition refers to 'q.nowhere', which does not exist" in text
    assert "q.scored: a yes/no rule needs expected" in text
    assert "q.ref: a reference's standing" in text
    template.refresh_from_db()
    assert template.status == Template.Status.DRAFT
    assert empty.pk


def test_publish_refuses_a_template_without_sections(org):
    with pytest.raises(ValidationError, match="no sections"):
        services.template_publish(template=DraftTemplateFactory(organization=org))


def test_publish_refuses_a_condition_on_a_later_question(org):
    template = DraftTemplateFactory(organization=org)
    section = SectionFactory(template=template)
    QuestionFactory(
        section=section, key="a", order=0, condition={"question": "b", "operator": "equals", "value": 1}
    )
    QuestionFactory(
        section=section, key="b", order=1, condition={"question": "a", "operator": "equals", "value": 1}
    )
    with pytest.raises(ValidationError, match="comes later"):
        services.template_publish(template=template)


def test_publish_refuses_a_self_referencing_condition(org):
    template = _draft_with_question(
        org, key="a", condition={"question": "a", "operator": "equals", "value": 1}
    )
    with pytest.raises(ValidationError, match="itself"):
        services.template_publish(template=template)


def test_publish_of_a_valid_draft(org):
    template = build_every_type_template(organization=org, status=Template.Status.DRAFT)
    services.template_publish(template=template)
    template.refresh_from_db()
    assert template.status == Template.Status.PUBLISHED
    assert template.published_at is not None


def test_question_create_appends_and_validates_the_scoring_rule(org):
    template = _draft_with_question(org)
    section = template.sections.get()
    question = services.question_create(
        section=section, key="s1.q2", prompt="Days?", type="number", scoring={"bands": [{"points": 50}]}
    )
    assert list(section.questions.all())[-1] == question
    with pytest.raises(ValidationError) as exc:
        services.question_create(
            section=section, key="s1.q3", prompt="?", type="yes_no", scoring={"expected": 1}
        )
    assert "scoring" in exc.value.message_dict
    assert not Question.objects.filter(key="s1.q3").exists()


def test_question_create_refuses_a_duplicate_key_and_a_condition_on_a_later_question(org):
    template = _draft_with_question(org)
    section = template.sections.get()
    with pytest.raises(ValidationError) as exc:
        services.question_create(
            section=section,
            key="s1.q1",
            prompt="?",
            type="yes_no",
            condition={"question": "s1.missing", "operator": "equals", "value": "yes"},
        )
    assert set(exc.value.message_dict) == {"key", "condition"}


def test_a_question_others_depend_on_cannot_be_deleted_or_renamed(org):
    template = _draft_with_question(org, key="s1.q1")
    section = template.sections.get()
    first = template.questions.get()
    services.question_create(
        section=section,
        key="s1.q2",
        prompt="?",
        type="yes_no",
        condition={"question": "s1.q1", "operator": "equals", "value": "yes"},
    )
    with pytest.raises(ValidationError, match="depend on this question"):
        services.question_delete(question=first)
    with pytest.raises(ValidationError, match="refer to this key"):
        services.question_update(question=first, key="s1.renamed")
    assert template.questions.count() == 2


def test_sections_move_up_down_and_to_a_position(org):
    template = DraftTemplateFactory(organization=org)
    a, b, c = (services.section_create(template=template, key=k, title=k) for k in "abc")
    services.section_move(section=c, direction="up")
    assert [s.key for s in template.sections.all()] == ["a", "c", "b"]
    services.section_move(section=a, position=2)
    assert [s.key for s in template.sections.all()] == ["c", "b", "a"]
    services.section_move(section=c, direction="up")  # already first: stays
    assert [s.key for s in template.sections.all()] == ["c", "b", "a"]
    assert b.pk


def test_questions_move_within_their_section(org):
    template = DraftTemplateFactory(organization=org)
    section = services.section_create(template=template, key="s", title="S")
    for key in ("s.a", "s.b", "s.c"):
        services.question_create(section=section, key=key, prompt="?", type="yes_no")
    services.question_move(question=template.questions.get(key="s.a"), direction="down")
    assert list(section.questions.values_list("key", flat=True)) == ["s.b", "s.a", "s.c"]


def test_section_delete_removes_its_questions_and_renumbers(org):
    template = DraftTemplateFactory(organization=org)
    first = services.section_create(template=template, key="a", title="A", weight=Decimal("2"))
    services.section_create(template=template, key="b", title="B")
    services.question_create(section=first, key="a.q", prompt="?", type="yes_no")
    services.section_delete(section=first)
    assert list(template.sections.values_list("key", "order")) == [("b", 0)]
    assert not template.questions.exists()


def test_a_draft_that_an_evaluation_uses_cannot_be_deleted(org):
    template = DraftTemplateFactory(organization=org)
    EvaluationFactory(organization=org, template=template)
    with pytest.raises(ValidationError, match="Evaluations use this draft"):
        services.template_delete_draft(template=template)
    assert Template.objects.filter(pk=template.pk).exists()
