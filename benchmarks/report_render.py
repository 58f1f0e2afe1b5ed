"""Report rendering speed and memory: a 150-question evaluation with 20 evidence files.

Prints the wall time of our render (context + template + WeasyPrint with the print stylesheet,
tagged PDF/UA-1) and of the floor: WeasyPrint rendering the same HTML with no stylesheet of ours
(its own default style sheet only), untagged. The two run alternately, so a load that comes and
goes on a shared machine weighs on both; the medians, their ratio and the CPU time of each are
printed beside the target. The same at 10 questions gives the fixed cost and the cost per question.
Then the peak resident memory of a fresh process that renders the report once, and the time to
serve a stored report through the download view.

The memory is the child's own high-water mark, VmHWM in /proc/self/status, which starts afresh at
exec. getrusage's ru_maxrss does not on Linux: a child forked from this process inherits this
process's peak, and would report it whatever the render took.

    .venv/bin/python benchmarks/report_render.py
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
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
TARGET_RATIO = 1.3
STYLESHEET_LINK = '<link rel="stylesheet" href="/static/css/print.css">'


def _megabytes(kb: int) -> float:
    return kb / 1024


def high_water_kb() -> int:
    """This process's peak resident set size in kB since it started (or was exec'd)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: ru_maxrss is the process's own peak there (bytes on macOS)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


def alternate(fns: dict, runs: int = RUNS) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each function, the functions taking turns within each round."""
    for fn in fns.values():
        fn()  # warm up: templates, fonts, fontconfig caches
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in fns}


def render_once_in_child(evaluation_id: int) -> None:
    """The child process: render the report once, print the high-water marks of its memory."""
    from django.db import connection

    connection.settings_dict["NAME"] = os.environ["BENCH_DB_NAME"]
    from procurement.models import Evaluation
    from reports.context import due_diligence_context
    from reports.pdf import render_pdf, render_report_html

    evaluation = Evaluation.objects.get(pk=evaluation_id)
    loaded = high_water_kb()
    pdf = render_pdf(render_report_html("due_diligence", due_diligence_context(evaluation)))
    peak = high_water_kb()
    print(json.dumps({"loaded_kb": loaded, "peak_kb": peak, "pdf_bytes": len(pdf)}))


def peak_memory(evaluation_id: int, db_name: str) -> dict:
    env = {**os.environ, "BENCH_DB_NAME": db_name, "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, __file__, "--render-once", str(evaluation_id)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    setup_test_environment()
    settings.PRIVATE_STORAGE_ROOT = Path(_tmp)
    settings.MEDIA_ROOT = Path(_tmp)
    settings.ALLOWED_HOSTS = ["testserver"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A database of its own beside the one DATABASE_URL names.
        settings.DATABASES["default"]["TEST"] = {"NAME": settings.DATABASES["default"]["NAME"] + "_bench"}
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
        small = build_evaluation(org, files=1, vendor_name="Small Vendor AI")
        questions = evaluation.template.questions.count()
        small_questions = small.template.questions.count()

        def pair(evaluation):
            def ours() -> bytes:
                return render_pdf(render_report_html("due_diligence", due_diligence_context(evaluation)))

            html = render_report_html("due_diligence", due_diligence_context(evaluation))
            bare_html = html.replace(STYLESHEET_LINK, "")
            assert bare_html != html, "the floor must be the same HTML without our stylesheet"

            def bare() -> bytes:
                return HTML(string=bare_html, base_url=INTERNAL_BASE_URL).write_pdf()

            return ours, bare

        ours, bare = pair(evaluation)
        pdf = ours()
        timed = alternate({"ours": ours, "bare": bare})
        small_ours, small_bare = pair(small)
        timed_small = alternate({"ours": small_ours, "bare": small_bare})
        memory = peak_memory(evaluation.id, connection.settings_dict["NAME"])

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
        serve_time = statistics.median(_wall(serve) for _ in range(11))

        (ours_wall, ours_cpu), (bare_wall, bare_cpu) = timed["ours"], timed["bare"]
        ratio = ours_wall / bare_wall
        per_question = (ours_wall - timed_small["ours"][0]) / (questions - small_questions)
        fixed = ours_wall - per_question * questions
        bare_per_question = (bare_wall - timed_small["bare"][0]) / (questions - small_questions)
        print(
            f"evaluation: {questions} questions, {evaluation.evidence_files.count()} evidence files, "
            f"{len(pdf) / 1024:.0f} KB PDF; medians of {RUNS} alternating runs; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print(
            f"our render (context + template + WeasyPrint, print.css, tagged PDF/UA-1): "
            f"{ours_wall:.2f} s ({ours_cpu:.2f} s CPU)"
        )
        print(
            f"floor: WeasyPrint, same HTML, no stylesheet of ours, untagged:            "
            f"{bare_wall:.2f} s ({bare_cpu:.2f} s CPU)"
        )
        verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
        print(
            f"ratio ours / floor: {ratio:.2f} (CPU {ours_cpu / bare_cpu:.2f}); "
            f"target <= {TARGET_RATIO:.2f}: {verdict}"
        )
        print(
            f"at {small_questions} questions: ours {timed_small['ours'][0]:.2f} s, floor "
            f"{timed_small['bare'][0]:.2f} s; ours is about {fixed:.2f} s fixed plus "
            f"{per_question * 1000:.1f} ms per question "
            f"(floor: {bare_per_question * 1000:.1f} ms per question)"
        )
        print(
            f"peak resident memory of a process rendering the report once: "
            f"{_megabytes(memory['peak_kb']):.0f} MB "
            f"({_megabytes(memory['peak_kb'] - memory['loaded_kb']):.0f} MB above the "
            f"{_megabytes(memory['loaded_kb']):.0f} MB of Python, Django and WeasyPrint loaded)"
        )
        print(
            f"serving the stored report via the download view (incl. audit row):        "
            f"{serve_time * 1000:.1f} ms"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _wall(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render-once"]:
        render_once_in_child(int(sys.argv[2]))
    else:
        main()
