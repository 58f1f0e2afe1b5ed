"""Importing a full questionnaire workbook: the shipped library questionnaire (238 questions).

A vendor downloads the workbook of an unanswered evaluation, fills in every question it is shown
(the demo vendor's answers) and uploads it. Prints the median time of the import (read, validate
every cell, save every answer with its version and audit line, in one transaction), of an upload
that changes nothing (read and validate only), and of openpyxl merely loading the same file and
reading every cell, with the ratios against that floor measured in the same run.

    .venv/bin/python benchmarks/workbook_import.py
"""

from __future__ import annotations

import datetime
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["PRIVATE_STORAGE_ROOT"] = tempfile.mkdtemp(prefix="workbook-bench-")

import django  # noqa: E402

django.setup()

RUNS = int(os.environ.get("RUNS", "5"))


def median_time(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cells(question, value) -> dict:
    """The demo answer as a vendor types it into the workbook: labels, dates, marks, table rows."""
    options = question.options or {}
    labels = {c["value"]: c.get("label") or c["value"] for c in options.get("choices", [])}
    if question.type == "yes_no":
        return {"answers": {question.key: {"yes": "Yes", "no": "No"}[value]}}
    if question.type == "single_choice":
        return {"answers": {question.key: labels[value]}}
    if question.type == "multi_choice":
        return {"choices": {question.key: dict.fromkeys(value, "Yes")}}
    if question.type == "date":
        return {"answers": {question.key: datetime.date.fromisoformat(value)}}
    if question.type == "table":
        keys = [c["key"] for c in options["columns"]]
        return {"tables": {question.key: [[row.get(k) for k in keys] for row in value]}}
    return {"answers": {question.key: value}}


def main() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone
    from openpyxl import load_workbook

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from demo.answers import FILE, generate_answers
        from demo.profiles import PROFILES
        from procurement.models import Answer, Evaluation
        from procurement.selectors import vendor_snapshot
        from procurement.services.workbook import workbook_import
        from procurement.workbook import workbook_build
        from questionnaires.engine.answers import clean_value
        from questionnaires.models import Question, Template
        from tests.factories import EvaluationFactory, InviteFactory, OrganizationFactory
        from tests.procurement.workbook_filling import fill

        call_command("load_library", verbosity=0)
        template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
        org = OrganizationFactory(name="Benchmark Health", slug="benchmark")
        evaluation = EvaluationFactory(organization=org, template=template, status=Evaluation.Status.SENT)
        invite = InviteFactory(evaluation=evaluation)
        questions = list(
            Question.objects.filter(section__template=template).order_by("section__order", "order")
        )
        profile = next(iter(PROFILES.values()))
        planned = [
            (q, clean_value(q, v))
            for q, v in generate_answers(profile, questions, today=timezone.localdate(), existing={})
            if v is not FILE
        ]
        parts: dict = {"answers": {}, "choices": {}, "tables": {}}
        for question, value in planned:
            for kind, cells in _cells(question, value).items():
                parts[kind].update(cells)
        content = fill(workbook_build(vendor_snapshot(evaluation), invite=invite), **parts)

        def load_only() -> None:
            workbook = load_workbook(io.BytesIO(content), read_only=True)
            for sheet in workbook.worksheets:
                for _ in sheet.iter_rows(values_only=True):
                    pass
            workbook.close()

        def import_full() -> None:
            with transaction.atomic():
                outcome = workbook_import(invite=invite, uploaded_file=io.BytesIO(content), size=len(content))
                assert outcome.counts["saved"] == len(planned), outcome.counts
                assert outcome.counts["invalid"] == outcome.counts["conflict"] == 0
                transaction.set_rollback(True)

        with CaptureQueriesContext(connection) as queries:
            import_full()
        full_queries = len(queries)
        floor = median_time(load_only)
        full = median_time(import_full)
        # The same upload once saved: every cell is read and validated, nothing is written.
        workbook_import(invite=invite, uploaded_file=io.BytesIO(content), size=len(content))
        assert Answer.objects.filter(evaluation=evaluation).count() == len(planned)
        with CaptureQueriesContext(connection) as queries:
            workbook_import(invite=invite, uploaded_file=io.BytesIO(content), size=len(content))
        unchanged_queries = len(queries)
        unchanged = median_time(
            lambda: workbook_import(invite=invite, uploaded_file=io.BytesIO(content), size=len(content))
        )
        build = median_time(lambda: workbook_build(vendor_snapshot(evaluation), invite=invite))

        print(
            f"workbook: {len(questions)} questions in {template.sections.count()} sections, "
            f"{len(planned)} answered, {len(content) / 1024:.0f} KB ({connection.vendor})"
        )
        print(f"openpyxl loading the file and reading every cell (floor): {floor * 1000:7.0f} ms")
        print(
            f"import saving {len(planned)} answers:                       {full * 1000:7.0f} ms"
            f"  ratio {full / floor:5.2f}  {full_queries} queries"
        )
        print(
            f"import of the same workbook, nothing to save:            {unchanged * 1000:7.0f} ms"
            f"  ratio {unchanged / floor:5.2f}  {unchanged_queries} queries"
        )
        print(f"building the workbook (download):                        {build * 1000:7.0f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
