"""Report rendering speed: a 150-question evaluation with 20 evidence files.

Prints the wall time of our render (context + template + WeasyPrint with the print stylesheet),
of WeasyPrint rendering the same HTML with no stylesheet at all, their ratio, and the time to serve
a stored report through the download view. Medians of a few runs.

    .venv/bin/python benchmarks/report_render.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
_tmp = tempfile.mkdtemp(prefix="report-bench-")
os.environ["PRIVATE_STORAGE_ROOT"] = _tmp

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

RUNS = int(os.environ.get("RUNS", "5"))


def median_time(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    setup_test_environment()
    settings.PRIVATE_STORAGE_ROOT = Path(_tmp)
    settings.MEDIA_ROOT = Path(_tmp)
    settings.ALLOWED_HOSTS = ["testserver"]
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from weasyprint import HTML

    from accounts.roles import Role
    from reports.context import due_diligence_context
    from reports.models import Report
    from reports.pdf import INTERNAL_BASE_URL, render_pdf, render_report_html
    from reports.services import report_render
    from tests.factories import MembershipFactory, OrganizationFactory
    from tests.reports.conftest import build_evaluation

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        org = OrganizationFactory(name="Benchmark Health", slug="benchmark")
        # The fixture evaluation has 10 questions and takes the number of files; add 140 more.
        evaluation = build_evaluation(org, extra_questions=140, files=20)
        questions = evaluation.template.questions.count()

        def ours() -> bytes:
            context = due_diligence_context(evaluation)
            return render_pdf(render_report_html("due_diligence", context))

        html = render_report_html("due_diligence", due_diligence_context(evaluation))
        Path(_tmp, "report.html").write_text(html)
        bare_html = html.replace('<link rel="stylesheet" href="/static/css/print.css">', "")
        assert bare_html != html

        def bare() -> bytes:
            return HTML(string=bare_html, base_url=INTERNAL_BASE_URL).write_pdf()

        pdf = ours()
        ours_time = median_time(ours)
        bare_time = median_time(bare)

        report = Report.objects.create(
            organization=org, evaluation=evaluation, kind=Report.Kind.DUE_DILIGENCE, content_hash="bench"
        )
        report_render(report_id=report.id)
        user = MembershipFactory(organization=org, role=Role.COMPLIANCE).user
        client = Client()
        client.force_login(user)
        url = reverse("report_download", args=[report.public_id])

        def serve() -> None:
            response = client.get(url)
            assert response.status_code == 200
            b"".join(response.streaming_content)

        serve()
        serve_time = median_time(serve, runs=11)

        print(
            f"evaluation: {questions} questions, {evaluation.evidence_files.count()} evidence files, "
            f"{len(pdf) / 1024:.0f} KB PDF"
        )
        print(f"our render (context + template + WeasyPrint, print.css, tagged PDF/UA-1): {ours_time:.2f} s")
        print(f"WeasyPrint, same HTML, no stylesheet, untagged:                        {bare_time:.2f} s")
        print(f"ratio ours / bare: {ours_time / bare_time:.2f}")
        print(
            f"serving the stored report via the download view (incl. audit row):        "
            f"{serve_time * 1000:.1f} ms"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
