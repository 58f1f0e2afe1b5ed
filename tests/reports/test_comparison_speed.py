"""A comparison of two full evaluations of the library questionnaire renders well within the limit."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from demo.answers import FILE, generate_answers
from demo.profiles import PROFILES
from procurement.models import Answer, Evaluation
from questionnaires.engine.answers import clean_value
from questionnaires.models import Question, Template
from reports.comparison import comparison_context
from reports.pdf import render_pdf, render_report_html
from tests.factories import EvaluationFactory

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


def test_two_full_evaluations_compare_in_a_fraction_of_the_soft_time_limit(org):
    call_command("load_library", verbosity=0)
    template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
    first = _full_evaluation(org, template, "SepsisWatch")
    second = _full_evaluation(org, template, "StrokeFinder")
    start = time.perf_counter()
    html = render_report_html("comparison", comparison_context([first, second]))
    pdf = render_pdf(html)
    elapsed = time.perf_counter() - start
    assert pdf.startswith(b"%PDF")
    assert html.count('<th scope="row"><span class="key">') == len(
        comparison_context([first, second])["answer_rows"]
    )
    # It took about 70 s with the columns measured letter by letter; about 10 s with fixed columns,
    # on a shared two-core machine. A sixth of the soft limit leaves room for a slower host.
    assert elapsed < settings.CELERY_TASK_SOFT_TIME_LIMIT / 6
