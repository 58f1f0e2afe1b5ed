"""Scoring benchmark: 1,000 evaluations of a 150-question template.

Prints the CPU time to score one evaluation (pure computation, median), the SQL queries per
evaluation through the service, and evaluations per second when rescoring all 1,000 in-process
(and with one real worker when Redis is reachable).

    .venv/bin/python benchmarks/scoring.py [--evaluations 1000] [--questions 150] [--worker]

Uses a throwaway SQLite file under var/ unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
if not os.environ.get("DATABASE_URL"):
    (ROOT / "var").mkdir(exist_ok=True)
    DB_FILE = ROOT / "var" / "benchmark-scoring.sqlite3"
    DB_FILE.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB_FILE}"
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, User  # noqa: E402
from procurement.models import (  # noqa: E402
    Answer,
    Evaluation,
    ScoreRun,
)
from procurement.services.scoring import RESCORE_CHUNK_SIZE, scoring_rescore_chunk, scoring_run  # noqa: E402
from procurement.services.scoring_inputs import load_scoring_inputs  # noqa: E402
from questionnaires.engine.scoring import score_answers  # noqa: E402
from questionnaires.models import Question, Section, Template  # noqa: E402
from vendors.models import Product, Vendor  # noqa: E402

TYPES = ["yes_no", "single_choice", "multi_choice", "number", "long_text", "date", "table"]


def question_for(i: int, section: Section, template: Template) -> tuple[Question, object]:
    qtype = TYPES[i % len(TYPES)]
    choices = {"choices": [{"value": v, "label": v} for v in ("a", "b", "c")]}
    spec = {
        "yes_no": ({}, {"expected": "yes"}, "yes"),
        "single_choice": (choices, {"points": {"a": 100, "b": 50, "c": 0}}, "b"),
        "multi_choice": (choices, {"points": {"a": 60, "b": 30, "c": 10}, "mode": "sum"}, ["a", "c"]),
        "number": (
            {},
            {"bands": [{"min": 0, "max": 30, "points": 100}, {"min": 31, "max": None, "points": 20}]},
            12,
        ),
        "long_text": (
            {},
            {"min_length": 40},
            "A reasonably detailed answer about the model and its data. " * 2,
        ),
        "date": ({}, {"max_age_days": 365}, timezone.localdate().isoformat()),
        "table": (
            {
                "columns": [
                    {"key": "subgroup", "label": "S"},
                    {"key": "value", "label": "V", "type": "number"},
                ]
            },
            {"min_rows": 2},
            [{"subgroup": "Female", "value": 0.8}, {"subgroup": "Male", "value": 0.79}],
        ),
    }[qtype]
    options, scoring, answer = spec
    q = Question(
        section=section,
        template=template,
        key=f"{section.key}.q{i}",
        prompt=f"Question {i}?",
        type=qtype,
        order=i,
        options=options,
        scoring=scoring,
        allows_na=i % 11 == 0,
    )
    return q, answer


def build(n_evaluations: int, n_questions: int) -> tuple[Template, Organization]:
    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Benchmark Health", slug=f"bench-{time.time_ns()}")
    user = User.objects.create(username=f"bench{time.time_ns()}")
    Membership.objects.create(user=user, organization=org, role="officer")
    template = Template.objects.create(organization=org, name="Bench", slug="bench", status="published")
    sections = [
        Section.objects.create(template=template, key=f"s{i}", title=f"S{i}", order=i) for i in range(10)
    ]
    pairs = [question_for(i, sections[i % 10], template) for i in range(n_questions)]
    questions = Question.objects.bulk_create([q for q, _ in pairs])
    vendor = Vendor.objects.create(organization=org, legal_name="Bench Vendor")
    product = Product.objects.create(organization=org, vendor=vendor, name="Model")
    evaluations = Evaluation.objects.bulk_create(
        [
            Evaluation(organization=org, product=product, template=template, owner=user)
            for _ in range(n_evaluations)
        ]
    )
    if not all(e.pk for e in evaluations):
        evaluations = list(Evaluation.objects.filter(template=template))
    answers = [
        Answer(organization=org, evaluation=e, question=q, value=value, version=1)
        for e in evaluations
        for q, (_, value) in zip(questions, pairs, strict=True)
    ]
    Answer.objects.bulk_create(answers, batch_size=5000)
    return template, org


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--worker", action="store_true", help="also rescore through one real worker (Redis)")
    args = parser.parse_args()

    started = time.perf_counter()
    template, org = build(args.evaluations, args.questions)
    built = time.perf_counter() - started
    print(f"built {args.evaluations} evaluations x {args.questions} answers in {built:.1f} s")
    evaluation_ids = list(Evaluation.objects.filter(template=template).values_list("pk", flat=True))

    # CPU of the pure computation for one evaluation.
    inputs = load_scoring_inputs(Evaluation.objects.select_related("template").get(pk=evaluation_ids[0]))
    today = timezone.localdate()
    samples = []
    for _ in range(50):
        t0 = time.process_time()
        score_answers(today=today, **inputs)
        samples.append((time.process_time() - t0) * 1000)
    print(f"CPU to score one evaluation (pure, median of 50): {statistics.median(samples):.2f} ms")

    # Queries and throughput through the service, in-process.
    runs = ScoreRun.objects.bulk_create(
        [ScoreRun(organization=org, evaluation_id=pk) for pk in evaluation_ids], batch_size=1000
    )
    run_ids = (
        [r.pk for r in runs]
        if all(r.pk for r in runs)
        else list(ScoreRun.objects.filter(evaluation_id__in=evaluation_ids).values_list("pk", flat=True))
    )
    with CaptureQueriesContext(connection) as captured:
        scoring_run(score_run_id=run_ids[0])
    print(f"queries per evaluation (service): {len(captured.captured_queries)}")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rest = run_ids[1:]
    with CaptureQueriesContext(connection) as captured:
        for start in range(0, len(rest), RESCORE_CHUNK_SIZE):
            scoring_rescore_chunk(batch_id=0, run_ids=rest[start : start + RESCORE_CHUNK_SIZE])
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    n = len(run_ids) - 1
    print(
        f"rescoring {n} evaluations in-process: {wall:.1f} s wall, {n / wall:.0f} evaluations/s, "
        f"{cpu * 1000 / n:.1f} ms CPU per evaluation (load + compute + store), "
        f"{len(captured.captured_queries) / n:.1f} queries per evaluation in chunks of {RESCORE_CHUNK_SIZE}"
    )
    assert ScoreRun.objects.filter(pk__in=run_ids, status="done").count() == len(run_ids)

    if args.worker:
        bench_worker(template, org)


def bench_worker(template: Template, org: Organization) -> None:
    """Rescore the whole template through the service with one real worker (solo pool)."""
    import socket
    import subprocess

    from config.celery import app
    from procurement.services.scoring import template_rescore_all

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/12"
    queue = f"bench-{os.getpid()}"
    app.conf.update(broker_url=redis_url, task_always_eager=False, task_default_queue=queue)
    env = {**os.environ, "REDIS_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "false"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        env=env,
        cwd=str(ROOT),
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5):
            if time.monotonic() > deadline:
                raise RuntimeError("worker did not start")
        started = time.perf_counter()
        batch = template_rescore_all(template=template, organization=org)
        while True:
            try:
                progress = batch.progress()
            except OperationalError:  # SQLite busy while the worker writes: ask again
                time.sleep(0.25)
                continue
            if progress["finished"] >= batch.total:
                break
            time.sleep(0.25)
        wall = time.perf_counter() - started
        rate = batch.total / wall
        print(f"rescoring {batch.total} evaluations, one real worker: {wall:.1f} s, {rate:.0f} evaluations/s")
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
