"""A comparison of two full evaluations of the library questionnaire: every answer row, fixed columns.

Its speed beside the report task's time limit is measured in benchmarks/comparison_render.py.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.answers import FILE, generate_answers
from demo.profiles import PROFILES
from procurement.models import Answer, Evaluation
from questionnaires.engine.answers import clean_value
from questionnaires.models import Question, Template
from reports.comparison import comparison_context
from reports.pdf import render_report_html
from reports.pdf_engine import layout_pdf
from tests.factories import EvaluationFactory
from tests.reports.conftest import laid_out_tables

pytestmark = pytest.mark.django_db


def _full_evaluation(org, template, product_name: str) -> Evaluation:
    evaluation = EvaluationFactory(
        organization=org,
        template=template,
        status=Evaluation.Status.SUBMITTED,
        submitted_at=timezone.now(),
        product__name=product_name,
    )
    questions = list(Question.objects.filter(section__template=template).order_by("section__order", "order"))
    profile = next(iter(PROFILES.values()))
    Answer.objects.bulk_create(
        Answer(organization=org, evaluation=evaluation, question=q, value=clean_value(q, v), version=1)
        for q, v in generate_answers(profile, questions, today=timezone.localdate(), existing={})
        if v is not FILE
    )
    return evaluation


def test_two_full_evaluations_compare_row_by_row_in_fixed_columns(org):
    call_command("load_library", verbosity=0)
    template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
    first = _full_evaluation(org, template, "SepsisWatch")
    second = _full_evaluation(org, template, "StrokeFinder")
    context = comparison_context([first, second])
    html = render_report_html("comparison", context)
    assert html.count('<th scope="row"><span class="key">') == len(context["answer_rows"])
    document = layout_pdf(html)
    tables = laid_out_tables(document)
    # Automatic layout measured every cell letter by letter: over a minute for these two.
    assert tables
    assert {table.style["table_layout"] for table in tables} == {"fixed"}
    assert len(document.pages) > 10
