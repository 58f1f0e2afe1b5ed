"""Importing a CHAI Applied Model Card into the library questionnaire (238 questions).

Prints the median time of the whole import (size check, hardened parse, schema validation, mapping,
the answers written with their audit row, in one transaction) and, as the floor measured in the
same run, lxml parsing and validating the same card alone; then their ratio. Each import goes into
a fresh evaluation, so every run writes the same answers.

    .venv/bin/python benchmarks/model_card_import.py
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
_tmp = tempfile.mkdtemp(prefix="card-bench-")
os.environ["PRIVATE_STORAGE_ROOT"] = _tmp

import django  # noqa: E402

django.setup()

RUNS = int(os.environ.get("RUNS", "21"))
CARD = ROOT / "tests" / "procurement" / "model_cards" / "valid.xml"


def median_time(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    from procurement.model_card import parse_card
    from procurement.models import Answer, Evaluation
    from procurement.selectors import evaluation_snapshot
    from procurement.services.prefill import model_card_import
    from questionnaires.models import Template
    from tests.factories import EvaluationFactory, OrganizationFactory

    setup_test_environment()
    data = CARD.read_bytes()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_library", verbosity=0)
        template = Template.objects.get(slug="clinical-ai-vendor-due-diligence", version=1)
        org = OrganizationFactory(name="Benchmark Health", slug="benchmark")
        evaluation_snapshot(
            EvaluationFactory(organization=org, template=template)
        )  # warm the structure cache

        def fresh() -> Evaluation:
            return EvaluationFactory(organization=org, template=template, status=Evaluation.Status.SENT)

        def parse_alone() -> None:
            parse_card(data, max_bytes=len(data) + 1)

        targets = [fresh() for _ in range(RUNS + 1)]

        def import_one() -> None:
            result = model_card_import(evaluation=targets.pop(), data=data)
            assert len(result.filled) == 18

        import_one()
        floor = median_time(parse_alone)
        ours = median_time(import_one)
        written = Answer.objects.filter(source=Answer.Source.MODEL_CARD).count()
        print(f"card: {len(data):,} bytes; questionnaire: {template.questions.count()} questions")
        print(f"lxml parse + schema validation alone (floor): {floor * 1000:.2f} ms")
        print(f"import (parse, validate, map, write 18 answers + audit): {ours * 1000:.2f} ms")
        print(f"ratio import / floor: {ours / floor:.1f}")
        print(f"answers written over {RUNS + 1} imports: {written}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
