"""Search benchmark: the navigation bar's search at 1,000 evaluations of 238 answers each.

Builds a throwaway PostgreSQL database (238,000 answers loaded with COPY, so the stored search
columns and their GIN indexes are filled as in production), then times `search()` over a mix of
rare, common and absent words and phrases. Prints p50/p95 against the 200 ms target and against a
floor measured in the same run (a `SELECT 1` round trip and one indexed lookup of an answer),
with the load average.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dd_search_bench .venv/bin/python benchmarks/search.py \
        [--evaluations 1000] [--answers 238] [--rounds 40] [--keep] [--reuse]

The database is the one DATABASE_URL names (created, and dropped afterwards unless --keep);
--reuse times the data a kept run left there instead of building it again.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

WORDS = [
    "model",
    "validation",
    "calibration",
    "drift",
    "monitoring",
    "subgroup",
    "fairness",
    "bias",
    "audit",
    "sepsis",
    "triage",
    "imaging",
    "radiograph",
    "pneumothorax",
    "retraining",
    "dataset",
    "provenance",
    "deidentified",
    "encryption",
    "access",
    "logging",
    "clinician",
    "override",
    "alert",
    "threshold",
    "sensitivity",
    "specificity",
    "cohort",
    "prospective",
    "retrospective",
    "incident",
    "postmarket",
    "surveillance",
    "labeling",
    "transparency",
    "explanation",
    "uncertainty",
    "latency",
    "uptime",
    "hosting",
    "region",
    "subprocessor",
    "breach",
    "notification",
    "retention",
    "deletion",
    "backup",
    "recovery",
    "vendor",
    "hospital",
    "pediatric",
    "adult",
    "inpatient",
    "outpatient",
    "emergency",
    "oncology",
    "cardiology",
    "dermatology",
]
# What people type: a rare word, common words, a phrase, two words, a word nobody wrote.
QUERIES = [
    "pneumothorax",
    "calibration",
    "drift monitoring",
    '"subgroup fairness"',
    "sepsis retraining",
    "encryption",
    "Vendor 17",
    "zyxwvut",
    "postmarket surveillance",
    "audit",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn, rounds: int) -> list[float]:
    fn()  # warm the cache and the plan
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def build(evaluations: int, answers: int, seed: int = 7):
    from django.db import connection
    from django.utils import timezone

    from procurement.models import Answer, Evaluation, ReviewComment
    from questionnaires.models import Question
    from tests.factories import (
        OrganizationFactory,
        ProductFactory,
        QuestionFactory,
        SectionFactory,
        TemplateFactory,
        UserFactory,
        VendorFactory,
    )

    rng = random.Random(seed)
    org = OrganizationFactory(name="Benchmark Health", slug="benchmark")
    owner = UserFactory()
    template = TemplateFactory(organization=org)
    sections = [SectionFactory(template=template, order=i) for i in range(12)]
    types = [Question.Type.LONG_TEXT, Question.Type.SHORT_TEXT, Question.Type.YES_NO]
    questions = [
        QuestionFactory(
            section=sections[i * len(sections) // answers],
            type=types[i % len(types)],
            prompt=f"Question {i}: describe your {rng.choice(WORDS)} practice.",
        )
        for i in range(answers)
    ]
    vendors = [VendorFactory(organization=org, legal_name=f"Vendor {n} Inc.") for n in range(200)]
    products = [
        ProductFactory(
            vendor=v,
            name=f"{rng.choice(WORDS).title()} Assist {n}",
            intended_use=" ".join(rng.sample(WORDS, 8)),
        )
        for n, v in enumerate(vendors)
    ]
    Evaluation.objects.bulk_create(
        Evaluation(
            organization=org,
            product=products[n % len(products)],
            template=template,
            owner=owner,
            status=Evaluation.Status.SUBMITTED,
        )
        for n in range(evaluations)
    )
    evaluation_ids = list(
        Evaluation.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    )

    # Answers read like prose: one word in ten from the domain list, the rest from a wide vocabulary.
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(3, 10))) for _ in range(20000)
    ]

    def text() -> str:
        words = (
            rng.choice(WORDS) if rng.random() < 0.1 else rng.choice(vocabulary)
            for _ in range(rng.randint(12, 60))
        )
        return " ".join(words) + "."

    # Evaluations start one after another over two years; each one's answers are written over the
    # 30 days after it starts, so the answers' ages spread as they do in an organization's history.
    buffer = io.StringIO()
    first = timezone.now() - timedelta(days=760)
    for n, evaluation_id in enumerate(evaluation_ids):
        started_at = first + timedelta(days=730 * n / len(evaluation_ids))
        for question in questions:
            value = rng.choice(["yes", "no"]) if question.type == Question.Type.YES_NO else text()
            written = (started_at + timedelta(minutes=rng.randint(0, 30 * 24 * 60))).isoformat()
            buffer.write(
                f"{org.pk}\t{evaluation_id}\t{question.pk}\t{json.dumps(value)}\tf\t1\t{written}\t\tf\t\n"
            )
    buffer.seek(0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY procurement_answer (organization_id, evaluation_id, question_id, value, "
            "is_not_applicable, version, updated_at, source, prefilled_not_applicable, archived_reason) "
            "FROM STDIN",
            buffer,
        )
    # As autovacuum leaves the tables: the GIN indexes' pending lists merged, statistics current.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    load_seconds = time.perf_counter() - started
    ReviewComment.objects.bulk_create(
        ReviewComment(
            organization=org,
            evaluation_id=rng.choice(evaluation_ids),
            question=rng.choice(questions),
            author=owner,
            body=text(),
        )
        for _ in range(5000)
    )
    return org, Answer.objects.filter(organization=org).count(), load_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=1000)
    parser.add_argument("--answers", type=int, default=238)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time the data of a kept run")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark measures full-text search there.")

    import django

    django.setup()
    from django.db import connection

    from accounts.models import Organization
    from procurement.models import Answer
    from search.selectors import search

    # The database is the one named, not Django's "test_" prefixed copy of it.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = connection.settings_dict["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.reuse)
    try:
        org = Organization.objects.filter(slug="benchmark").first() if args.reuse else None
        if org is None:
            org, answer_count, load_seconds = build(args.evaluations, args.answers)
        else:
            answer_count, load_seconds = Answer.objects.filter(organization=org).count(), 0.0
        any_answer = Answer.objects.filter(organization=org).order_by("id").values_list("id", flat=True)[5000]

        def select_one():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()

        def indexed_lookup():
            Answer.objects.filter(pk=any_answer).values_list("id", "value").get()

        def one_search(query):
            return lambda: search(organization=org, query=query)

        floor_select = statistics.median(timed(select_one, 200))
        floor_lookup = statistics.median(timed(indexed_lookup, 200))
        per_query = {q: timed(one_search(q), args.rounds) for q in QUERIES}
        all_times = [t for times in per_query.values() for t in times]
        hits = {q: len(search(organization=org, query=q)) for q in QUERIES}

        p50, p95 = statistics.median(all_times), percentile(all_times, 95)
        loaded = "reused" if args.reuse and not load_seconds else f"COPY + GIN upkeep {load_seconds:.1f} s"
        print(
            f"data: {args.evaluations} evaluations x {args.answers} answers = {answer_count} answers "
            f"({loaded}), 5000 comments, 200 vendors and products"
        )
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print(
            f"floor: SELECT 1 round trip {floor_select * 1000:.2f} ms; "
            f"indexed answer lookup {floor_lookup * 1000:.2f} ms"
        )
        for q, times in per_query.items():
            print(
                f"  {q!r:28} p50 {statistics.median(times) * 1000:7.1f} ms  "
                f"p95 {percentile(times, 95) * 1000:7.1f} ms  ({hits[q]} results shown)"
            )
        print(
            f"search over {len(QUERIES)} queries x {args.rounds} rounds: "
            f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
        )
        print(f"p95 / 200 ms target: {p95 / 0.2:.2f}  ({'within' if p95 < 0.2 else 'OVER'} the target)")
        print(
            f"p95 / SELECT 1 floor: {p95 / floor_select:.0f}x; "
            f"p95 / indexed lookup: {p95 / floor_lookup:.0f}x"
        )
    finally:
        if args.keep:
            connection.close()
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
