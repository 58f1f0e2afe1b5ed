"""My tasks benchmark: one member's open work at 1,000 evaluations of 238 answers each.

Builds the same throwaway PostgreSQL database as `search.py` (238,000 answers loaded with COPY,
5,000 comments), then gives one officer work of every kind spread over those evaluations: sections
to review or sign off, clarifications the vendor answered, decisions, conditions of approval and
remediation items. Times the read model (`my_tasks`), the "My tasks" page and the dashboard that
shows the same panel, each through the whole Django stack, and prints p50/p95 beside the 200 ms
target and against floors measured in the same run: a `SELECT 1` round trip, and the same stack
answering the officer's lightest page (the notification list with nothing in it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dd_tasks_bench .venv/bin/python benchmarks/my_tasks.py \
        [--evaluations 1000] [--answers 238] [--rounds 30]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import logging
import os
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

# The data builder of the search benchmark next to this one, loaded under its own name: `search`
# is also the project's search app.
_spec = importlib.util.spec_from_file_location("search_benchmark", ROOT / "benchmarks" / "search.py")
search_benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_benchmark)
build, percentile, timed = search_benchmark.build, search_benchmark.percentile, search_benchmark.timed

TARGET_SECONDS = 0.2


def give_work(org, *, seed: int = 11):
    """An administrator (every kind of task is theirs to see) with work on a fifth of the evaluations."""
    from django.utils import timezone

    from accounts.roles import Role
    from procurement.models import (
        ClarificationRequest,
        DecisionCondition,
        Evaluation,
        RemediationItem,
        ReviewerAssignment,
    )
    from questionnaires.models import Question
    from tests.factories import MembershipFactory

    rng = random.Random(seed)
    user = MembershipFactory(organization=org, role=Role.ADMIN).user
    now = timezone.now()
    today = timezone.localdate()
    evaluations = list(Evaluation.objects.filter(organization=org).select_related("product", "template"))
    Evaluation.objects.filter(organization=org).update(submitted_at=now - datetime.timedelta(days=3))
    mine = rng.sample(evaluations, len(evaluations) // 5)
    Evaluation.objects.filter(pk__in=[e.pk for e in mine]).update(owner=user)
    sections = list(evaluations[0].template.sections.all())
    questions = list(Question.objects.filter(section__template=evaluations[0].template))

    ReviewerAssignment.objects.bulk_create(
        ReviewerAssignment(organization=org, evaluation=e, reviewer=user, section=rng.choice(sections))
        for e in mine
    )
    ClarificationRequest.objects.bulk_create(
        ClarificationRequest(
            organization=org,
            evaluation=e,
            question=rng.choice(questions),
            requested_by=user,
            message="Which cohort does the validation figure describe?",
            resolved_at=now,
        )
        for e in mine[:100]
    )
    DecisionCondition.objects.bulk_create(
        DecisionCondition(
            organization=org,
            evaluation=e,
            owner=user,
            description="Subgroup results for patients under 18 before go-live.",
            due_date=today + datetime.timedelta(days=rng.randint(-20, 40)),
        )
        for e in mine[:60]
    )
    RemediationItem.objects.bulk_create(
        RemediationItem(
            organization=org,
            evaluation=e,
            product=e.product,
            source=RemediationItem.Source.FINDING,
            finding_code="bias_testing_missing",
            title="Send the subgroup performance table",
            side=RemediationItem.Side.BUYER,
            owner=user,
            due_date=today + datetime.timedelta(days=rng.randint(-20, 40)),
        )
        for e in mine[60:120]
    )
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=1000)
    parser.add_argument("--answers", type=int, default=238)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark measures the production database.")

    import django

    django.setup()
    # One log line per request would be timed along with the request.
    logging.getLogger("django_structlog").setLevel(logging.WARNING)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.roles import Role
    from procurement.worklist import my_tasks

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        org, answer_count, _ = build(args.evaluations, args.answers)
        user = give_work(org)
        # Administrators sign in with a second factor: the client carries a confirmed device.
        device = TOTPDevice.objects.create(user=user, name="Benchmark authenticator", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()

        def get(url: str):
            def fetch():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            return fetch

        def select_one():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()

        steps = {
            "read model my_tasks()": lambda: my_tasks(user=user, organization=org, role=Role.ADMIN),
            "GET /my-tasks/": get(reverse("my_tasks")),
            "GET / (dashboard)": get(reverse("dashboard")),
        }
        floor_select = statistics.median(timed(select_one, 200))
        floor_page = statistics.median(timed(get(reverse("notification_list")), args.rounds))
        results = {name: timed(step, args.rounds) for name, step in steps.items()}
        tasks = my_tasks(user=user, organization=org, role=Role.ADMIN)
        with CaptureQueriesContext(connection) as page_queries:
            page = get(reverse("my_tasks"))()

        print(
            f"data: {args.evaluations} evaluations x {args.answers} answers = {answer_count} answers; "
            f"{len(tasks.tasks)} open tasks ({tasks.overdue_count} overdue) over "
            + ", ".join(f"{len(rows)} {kind}" for kind, _, rows in tasks.sections())
        )
        print(
            f"floor: SELECT 1 round trip {floor_select * 1000:.2f} ms; "
            f"the notification list (same stack, empty) {floor_page * 1000:.1f} ms"
        )
        print(f"/my-tasks/: {len(page_queries.captured_queries)} queries, {len(page.content) / 1024:.0f} KB")
        for name, times in results.items():
            p50, p95 = statistics.median(times), percentile(times, 95)
            verdict = "within" if p95 < TARGET_SECONDS else "OVER"
            print(
                f"  {name:24} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
                f"p95/200 ms {p95 / TARGET_SECONDS:.2f} ({verdict})  p50/empty page {p50 / floor_page:.1f}x"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
