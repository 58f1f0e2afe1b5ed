from __future__ import annotations

import pytest

from questionnaires.models import Template
from questionnaires.selectors import template_structure
from tests.factories import QuestionFactory, SectionFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def _template_with_questions(status):
    template = TemplateFactory(status=status)
    second = SectionFactory(template=template, order=2, title="Second")
    first = SectionFactory(template=template, order=1, title="First")
    QuestionFactory(section=second, key="b.one", order=1)
    QuestionFactory(section=first, key="a.two", order=2)
    QuestionFactory(section=first, key="a.one", order=1)
    return template


def test_questions_come_in_section_then_question_order():
    template = _template_with_questions(Template.Status.PUBLISHED)
    sections, questions = template_structure(template)
    assert [s.title for s in sections] == ["First", "Second"]
    assert [q.key for q in questions] == ["a.one", "a.two", "b.one"]


def test_a_published_version_is_read_from_the_database_once(django_assert_num_queries):
    template = _template_with_questions(Template.Status.PUBLISHED)
    template_structure(template)
    with django_assert_num_queries(0):
        _, questions = template_structure(template)
    questions[0].prompt = "changed by one request"
    assert template_structure(template)[1][0].prompt != "changed by one request"


def test_a_draft_is_always_read_fresh(django_assert_num_queries):
    template = _template_with_questions(Template.Status.DRAFT)
    template_structure(template)
    QuestionFactory(section=template.sections.first(), key="a.three", order=3)
    with django_assert_num_queries(2):
        _, questions = template_structure(template)
    assert "a.three" in [q.key for q in questions]
