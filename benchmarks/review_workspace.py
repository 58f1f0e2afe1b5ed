"""Server time and HTML size of every review view, at the library's 238 questions and 100 comments.

Creates (and afterwards drops, unless --keep) the PostgreSQL database named by DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/dd_review_bench), loads the library and builds one
submitted evaluation of *Clinical AI Vendor Due Diligence* v1 with every question answered, 100
review comments, a scoring run with its findings, clarifications (some answers changed since),
carried-forward answers, a reviewer's section assignment, and the audit lines all that leaves.

Each view is requested --rounds times through Django's test client, signed in as that reviewer,
with the test settings (no debug toolbar, local-memory cache). The floor is the same stack (every
middleware, the session, the member check) answering a prebuilt 100 KB string: the least a signed-in
page can cost here. Printed per view: p50 and p95 beside the 200 ms target, the ratio p50 / floor
p50, the HTML size beside 150 KB, and the SQL queries of one request.

    .venv/bin/python benchmarks/review_workspace.py [--rounds 50] [--comments 100] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dd_review_bench"
TIME_TARGET_MS = 200.0
SIZE_TARGET = 150_000
FLOOR_BYTES = 100_000


def _admin(url: str):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres"
    )
    conn.autocommit = True
    return conn, parts.path.lstrip("/")


def _recreate_database(url: str) -> None:
    from psycopg2 import sql

    conn, name = _admin(url)
    if not name.startswith("dd_review"):
        sys.exit(f"Refusing to drop {name!r}: the benchmark only uses databases named dd_review*.")
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def _drop_database(url: str) -> None:
    from django.db import connections
    from psycopg2 import sql

    connections.close_all()
    conn, name = _admin(url)
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    conn.close()


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["PRIVATE_STORAGE_ROOT"] = tempfile.mkdtemp(prefix="review-bench-")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.urls import include, path

    from accounts.access import member_required
    from accounts.roles import Perm

    body = (b"<!doctype html>" + b"x" * FLOOR_BYTES)[:FLOOR_BYTES]

    @member_required(Perm.VIEW)
    def floor(request):
        return HttpResponse(body)

    urls = types.ModuleType("review_bench_urls")
    urls.urlpatterns = [path("bench-floor/", floor), path("", include(settings.ROOT_URLCONF))]
    sys.modules["review_bench_urls"] = urls
    settings.ROOT_URLCONF = "review_bench_urls"
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_library", verbosity=0)


def build(comment_count: int):
    """The evaluation, its reviewer, and the largest section's key."""
    from django.core.exceptions import ValidationError
    from django.db.models import Count
    from django.utils import timezone

    from accounts.roles import Role
    from demo.answers import FILE, generate_answers, generate_value
    from demo.profiles import PROFILES
    from procurement.models import Answer, AuditEvent, ClarificationRequest, Evaluation, ReviewComment
    from procurement.services.scoring import scoring_request, scoring_run
    from questionnaires.engine.answers import clean_value
    from questionnaires.models import Question, Template
    from tests.factories import (
        EvaluationFactory,
        MembershipFactory,
        OrganizationFactory,
        ReviewerAssignmentFactory,
    )

    org = OrganizationFactory(name="Riverside Health", slug="riverside")
    reviewer = MembershipFactory(organization=org, role=Role.REVIEWER).user
    template = Template.objects.get(name="Clinical AI Vendor Due Diligence", version=1)
    evaluation = EvaluationFactory(
        organization=org,
        template=template,
        status=Evaluation.Status.SUBMITTED,
        submitted_at=timezone.now(),
        product__name="SepsisWatch",
        product__vendor__organization=org,
    )
    profile = next(iter(PROFILES.values()))
    questions = list(Question.objects.filter(section__template=template).order_by("section__order", "order"))
    today = timezone.localdate()
    planned = dict(generate_answers(profile, questions, today=today, existing={}))
    answers = []
    for question in questions:
        # Every question answered, the hidden follow-ups too, as at the 238 answers.
        value = planned.get(question, generate_value(profile, question, today))
        if value is FILE or value is None:
            value = "See the attached report."
        try:
            cleaned = clean_value(question, value)
        except ValidationError:  # a generated value that does not fit this question: a plain text
            cleaned = "See the attached report."
        answers.append(
            Answer(organization=org, evaluation=evaluation, question=question, value=cleaned, version=1)
        )
    # Every eighth answer carried forward from an earlier evaluation, half of them changed since.
    for n, answer in enumerate(answers[::8]):
        answer.source = Answer.Source.CARRIED
        answer.prefilled_value = answer.value
        answer.prefilled_at = timezone.now()
        answer.confirmed_at = timezone.now()
        if n % 2:
            answer.prefilled_value = "An older answer."
    Answer.objects.bulk_create(answers)
    ReviewComment.objects.bulk_create(
        ReviewComment(
            organization=org,
            evaluation=evaluation,
            question=questions[(n * 7) % len(questions)],
            author=reviewer,
            body=f"Comment {n}: which model version does this describe, and which sites?",
            is_visible_to_vendor=n % 3 == 0,
        )
        for n in range(comment_count)
    )
    ClarificationRequest.objects.bulk_create(
        ClarificationRequest(
            organization=org,
            evaluation=evaluation,
            question=question,
            requested_by=reviewer,
            message="Please give the model version.",
            answer_snapshot="An answer before the round." if n % 2 else None,
            resolved_at=timezone.now(),
        )
        for n, question in enumerate(questions[3:40:3])
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            evaluation=evaluation,
            kind=AuditEvent.Kind.ANSWER_CHANGED,
            summary=f"Answer to {q.key} changed",
            actor_label="Dana Vendor",
        )
        for q in questions
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            evaluation=evaluation,
            kind=AuditEvent.Kind.COMMENT_ADDED,
            summary="Comment added",
            actor_label=reviewer.username,
        )
        for _ in range(comment_count)
    )
    run = scoring_request(evaluation=evaluation)
    scoring_run(score_run_id=run.pk)
    largest = (
        template.sections.annotate(n=Count("questions"))
        .order_by("-n", "order")
        .values_list("key", "n")
        .first()
    )
    ReviewerAssignmentFactory(
        evaluation=evaluation, reviewer=reviewer, section=template.sections.get(key=largest[0])
    )
    busiest = (
        ReviewComment.objects.filter(evaluation=evaluation)
        .values("question_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["question_id"]
    )
    return evaluation, reviewer, largest, busiest, len(answers)


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _time(client, method: str, url: str, data: dict | None, rounds: int, *, htmx: bool, rollback: bool):
    """(times in ms, size of the last body, status, queries of one request)."""
    from django.db import connection, transaction

    headers = {"HX-Request": "true"} if htmx else {}

    def once():
        if method == "GET":
            return client.get(url, headers=headers)
        return client.post(url, data or {}, headers=headers)

    def guarded():
        # A request that writes is undone, so every round sees the same evaluation.
        if not rollback:
            return once()
        with transaction.atomic():
            response = once()
            transaction.set_rollback(True)
        return response

    guarded()  # warm up the templates and caches
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = guarded()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = guarded()
        times.append((time.perf_counter() - start) * 1000)
    return times, len(response.content), response.status_code, counter.count


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--comments", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://.../dd_review_bench")
    _recreate_database(database_url)
    setup(database_url)
    try:
        return _run(args)
    finally:
        if not args.keep:
            _drop_database(database_url)


def _run(args) -> int:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from procurement.presenters import WORKSPACE_FILTERS, review_workspace

    setup_test_environment()
    evaluation, reviewer, (section_key, section_size), busiest, answer_count = build(args.comments)
    client = Client()
    client.force_login(reviewer)
    pid = evaluation.public_id
    workspace = reverse("review_workspace", args=[pid])
    thread = reverse("review_comments", args=[pid, busiest])
    clarify = reverse("review_clarification", args=[pid])
    # Three questions of the section that reviewers see (a hidden follow-up cannot be named).
    shown = review_workspace(evaluation, user_id=reviewer.pk, section_key=section_key).current.rows
    ticked = [row.question.pk for row in shown[:3]]

    views: list[tuple[str, str, str, dict | None, bool, bool]] = [
        ("evaluation summary page", "GET", evaluation.get_absolute_url(), None, False, False),
        ("score panel (htmx, on the summary)", "GET", reverse("score_panel", args=[pid]), None, True, False),
    ]
    for name in WORKSPACE_FILTERS:
        views.append(
            (
                f"workspace ?show={name}",
                "GET",
                f"{workspace}?show={name}" if name != "all" else workspace,
                None,
                False,
                False,
            )
        )
    views += [
        (
            f"workspace, largest section ({section_size} q)",
            "GET",
            f"{workspace}?section={section_key}",
            None,
            False,
            False,
        ),
        ("question address (redirect)", "GET", evaluation.get_question_url(busiest), None, False, False),
        ("thread fragment (htmx)", "GET", thread, None, True, False),
        ("comment post (htmx, rolled back)", "POST", thread, {"body": "Which sites?"}, True, True),
        (
            "clarification, 3 ticked (rolled back)",
            "POST",
            clarify,
            {"questions": ticked, "message": "Which version?", "section": section_key},
            False,
            True,
        ),
        (
            "clarification refused, none ticked",
            "POST",
            clarify,
            {"message": "Which?", "section": section_key},
            False,
            False,
        ),
    ]

    floor_times, floor_size, floor_status, floor_queries = _time(
        client, "GET", "/bench-floor/", None, args.rounds, htmx=False, rollback=False
    )
    assert floor_status == 200, floor_status
    floor_p50 = statistics.median(floor_times)
    load = os.getloadavg()
    print(
        f"Review views of one evaluation: {answer_count} answers, {args.comments} comments, PostgreSQL; "
        f"{args.rounds} rounds each; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"Floor (same stack, signed in, a prebuilt {floor_size // 1000} KB string): "
        f"p50 {floor_p50:.1f} ms, p95 {_p95(floor_times):.1f} ms, {floor_queries} queries\n"
    )
    header = (
        f"{'view':<44} {'p50 ms':>7} {'p95 ms':>7} {'target':>7} {'x floor':>8} {'KB':>6} {'< 150':>6} "
        f"{'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    missed = []
    for label, method, url, data, htmx, rollback in views:
        times, size, status, queries = _time(
            client, method, url, data, args.rounds, htmx=htmx, rollback=rollback
        )
        p50, p95 = statistics.median(times), _p95(times)
        time_ok = p95 <= TIME_TARGET_MS
        size_ok = size < SIZE_TARGET
        if not (time_ok and size_ok):
            missed.append(label)
        print(
            f"{label:<44} {p50:7.1f} {p95:7.1f} {'ok' if time_ok else 'MISS':>7} {p50 / floor_p50:8.1f} "
            f"{size / 1000:6.1f} {'ok' if size_ok else 'MISS':>6} {queries:7d}  ({status})"
        )
    print(f"\nTargets: p95 <= {TIME_TARGET_MS:.0f} ms, HTML < {SIZE_TARGET // 1000} KB.")
    if missed:
        print("Missed: " + ", ".join(missed))
        return 1
    print("Every view meets both targets.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
