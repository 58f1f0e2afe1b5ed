"""Comparison PDF of two full evaluations of the shipped library questionnaire (238 questions).

Prints, for the comparison and for the vendor's answers and due-diligence PDFs of one evaluation,
the time spent building the context, rendering the HTML and laying it out with WeasyPrint, and the
number of queries. Each total is printed beside the report task's time limits (the Celery task
limits in config/settings/base.py, which reports/tasks.py does not override): each must fit well
within the soft limit.

    .venv/bin/python benchmarks/comparison_render.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["PRIVATE_STORAGE_ROOT"] = tempfile.mkdtemp(prefix="comparison-bench-")

import django  # noqa: E402

django.setup()


def _full_evaluation(org, template, product_name: str):
    from django.utils import timezone

    from demo.answers import FILE, generate_answers
    from demo.profiles import PROFILES
    from procurement.models import Answer, Evaluation
    from questionnaires.engine.answers import clean_value
    from questionnaires.models import Question
    from tests.factories import EvaluationFactory

    evaluation = EvaluationFactory(
        organization=org,
        template=template,
        status=Evaluation.Status.SUBMITTED,
        submitted_at=timezone.now(),
        product__name=product_name,
    )
    profile = next(iter(PROFILES.values()))
    questions = list(Question.objects.filter(section__template=template).order_by("section__order", "order"))
    planned = generate_answers(profile, questions, today=timezone.localdate(), existing={})
    Answer.objects.bulk_create(
        Answer(organization=org, evaluation=evaluation, question=q, value=clean_value(q, v), version=1)
        for q, v in planned
        if v is not FILE
    )
    return evaluation, len(planned)


def _timed(label: str, fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    print(f"  {label:<28} {elapsed:7.2f} s  {len(queries):5d} queries")
    return result


def main() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    soft, hard = settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from questionnaires.models import Template
        from reports.comparison import comparison_context
        from reports.context import due_diligence_context, vendor_answers_context
        from reports.pdf import render_pdf, render_report_html
        from tests.factories import OrganizationFactory

        call_command("load_library", verbosity=0)
        template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
        org = OrganizationFactory(name="Benchmark Health", slug="benchmark")
        first, shown = _full_evaluation(org, template, "SepsisWatch")
        second, _ = _full_evaluation(org, template, "StrokeFinder")
        print(f"{template.questions.count()} questions, {shown} answered per evaluation")

        for name, build in (
            ("comparison of two", lambda: comparison_context([first, second])),
            ("vendor answers of one", lambda: vendor_answers_context(first)),
            ("due diligence of one", lambda: due_diligence_context(first)),
        ):
            kind = {"comparison": "comparison", "vendor": "vendor_answers", "due": "due_diligence"}[
                name.split()[0]
            ]
            print(name)
            start = time.perf_counter()
            context = _timed("context", build)
            html = _timed("HTML", lambda kind=kind, context=context: render_report_html(kind, context))
            if os.environ.get("DUMP_HTML"):
                Path(os.environ["DUMP_HTML"], f"{kind}.html").write_text(html)
            pdf = _timed("WeasyPrint", lambda html=html: render_pdf(html))
            total = time.perf_counter() - start
            print(
                f"  total {total:.2f} s, {len(pdf) / 1024:.0f} KB PDF: {total / soft:.1%} of the soft time "
                f"limit of {soft} s (hard limit {hard} s)"
            )
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
