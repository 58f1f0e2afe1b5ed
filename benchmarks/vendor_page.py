"""Server time and SQL queries of the vendor questionnaire page and of one answer save, at 150 questions.

Runs against a throwaway SQLite database unless BENCH_DATABASE_URL names another one:

    .venv/bin/python benchmarks/vendor_page.py [--questions 150] [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str, private_root: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.conf import settings

    django.setup()
    settings.PRIVATE_STORAGE_ROOT = Path(private_root)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(question_count: int):
    from procurement.models import Evaluation
    from questionnaires.models import Question
    from tests.factories import (
        AnswerFactory,
        EvaluationFactory,
        InviteFactory,
        QuestionFactory,
        SectionFactory,
    )

    evaluation = EvaluationFactory(status=Evaluation.Status.IN_PROGRESS)
    sections = [SectionFactory(template=evaluation.template, order=i) for i in range(10)]
    kinds = [
        (Question.Type.YES_NO, {}),
        (Question.Type.NUMBER, {"min": 0, "max": 365, "unit": "days"}),
        (
            Question.Type.SINGLE_CHOICE,
            {"choices": [{"value": v, "label": v.title()} for v in ("a", "b", "c")]},
        ),
        (Question.Type.LONG_TEXT, {}),
        (
            Question.Type.TABLE,
            {"columns": [{"key": "group", "label": "Group"}, {"key": "n", "label": "N", "type": "number"}]},
        ),
    ]
    first = None
    for i in range(question_count):
        qtype, options = kinds[i % len(kinds)]
        question = QuestionFactory(
            section=sections[i * len(sections) // question_count],
            type=qtype,
            options=options,
            condition={"question": first.key, "operator": "equals", "value": "yes"}
            if first and i % 7 == 0
            else None,
        )
        first = first or question
        if i % 2 == 0:
            value = {"yes_no": "yes", "number": 30, "single_choice": "a", "long_text": "Text", "table": []}[
                qtype
            ]
            AnswerFactory(evaluation=evaluation, question=question, value=value)
    return InviteFactory(evaluation=evaluation), first


class QueryCounter:
    """Counts SQL statements; unlike the query log, it is not reset at the start of each request."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __len__(self) -> int:
        return self.count


def counting():
    from contextlib import contextmanager

    from django.db import connection

    @contextmanager
    def context():
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            yield counter

    return context()


def measure(rounds: int, question_count: int) -> None:
    from django.db import connection
    from django.test import Client

    from procurement.models import Answer

    invite, question = build(question_count)
    client = Client()
    page_url = f"/v/{invite.token}/"
    save_url = f"/v/{invite.token}/q/{question.key}/"
    client.get(page_url)  # warm up templates and the hourly audit line

    page_times, save_times = [], []
    with counting() as page_queries:
        client.get(page_url)
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(page_url)
        page_times.append(time.perf_counter() - start)
        assert response.status_code == 200

    answer = Answer.objects.get(evaluation=invite.evaluation, question=question)
    save_queries = None
    for i in range(rounds):
        data = {
            f"q{question.pk}-version": str(answer.version),
            f"q{question.pk}-value": "no" if i % 2 else "yes",
        }
        start = time.perf_counter()
        if save_queries is None:
            with counting() as save_queries:
                response = client.post(save_url, data, HTTP_HX_REQUEST="true")
        else:
            response = client.post(save_url, data, HTTP_HX_REQUEST="true")
        save_times.append(time.perf_counter() - start)
        assert response.status_code == 200
        assert b"Saved" in response.content, response.content[:500]
        answer.refresh_from_db()

    from procurement.services.answers import answer_save

    with counting() as service_queries:
        answer_save(
            evaluation=invite.evaluation,
            question=question,
            value="no" if answer.value == "yes" else "yes",
            expected_version=answer.version,
            contact=invite.contact,
        )

    print(f"vendor page, {question_count} questions, {rounds} rounds ({connection.vendor})")
    page_ms, save_ms = statistics.median(page_times) * 1000, statistics.median(save_times) * 1000
    print(f"  GET  questionnaire page : median {page_ms:7.1f} ms, {len(page_queries)} queries")
    print(f"  POST one answer (htmx)  : median {save_ms:7.1f} ms, {len(save_queries)} queries")
    print(f"       of which answer_save service: {len(service_queries)} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        setup(url, tmp)
        measure(args.rounds, args.questions)


if __name__ == "__main__":
    main()
