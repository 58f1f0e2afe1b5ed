"""Library version 1 scores exactly as it did before checks read facts.

The demo vendors' answers to every shipped version 1 template, scored by the engine alone: the
overall score, the tier before and after caps, the finding codes and the knock-outs are pinned to
the values the engine gave before the fact vocabulary existed.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from demo.answers import generate_answers
from demo.profiles import FILE, PROFILES
from questionnaires.engine.scoring import QuestionSpec, SectionSpec, score_answers

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
TODAY = datetime.date(2026, 6, 1)

# (template file, demo vendor) -> (overall, score tier, tier, finding codes, knock-out questions)
EXPECTED = {
    ("ai-scribe-screener", "SepsisSentinel"): (100.0, "low", "low", [], []),
    ("ai-scribe-screener", "ScribeAssist"): (68.38, "moderate", "moderate", [], []),
    ("ai-scribe-screener", "TriageCT"): (84.59, "low", "low", [], []),
    ("clinical-ai-vendor-due-diligence", "SepsisSentinel"): (99.17, "low", "low", [], []),
    ("clinical-ai-vendor-due-diligence", "ScribeAssist"): (81.51, "low", "low", [], []),
    ("clinical-ai-vendor-due-diligence", "TriageCT"): (
        76.46,
        "moderate",
        "high",
        ["cds_analyzes_images_or_signals", "cds_time_critical", "safe_harbor_full_zip_kept"],
        ["baa.subcontractor_flowdown"],
    ),
    ("reassessment-after-model-update", "SepsisSentinel"): (100.0, "low", "low", [], []),
    ("reassessment-after-model-update", "ScribeAssist"): (79.45, "moderate", "moderate", [], []),
    ("reassessment-after-model-update", "TriageCT"): (81.24, "low", "low", [], []),
}


def template_specs(data: dict) -> tuple[list, list[SectionSpec]]:
    """The questions as demo.answers reads them, and the engine's section specs."""
    questions, sections = [], []
    for section in data["sections"]:
        specs = []
        for q in section["questions"]:
            options = q["options"]
            questions.append(
                SimpleNamespace(
                    key=q["key"],
                    type=q["type"],
                    condition=q["condition"],
                    options=options,
                    scoring=q["scoring"],
                    choices=options.get("choices", []),
                    columns=options.get("columns", []),
                )
            )
            specs.append(
                QuestionSpec(
                    key=q["key"],
                    type=q["type"],
                    weight=q["weight"],
                    options=options,
                    scoring=q["scoring"],
                    condition=q["condition"],
                    allows_na=q["allows_na"],
                    fact=q.get("fact", ""),
                )
            )
        sections.append(SectionSpec(section["key"], section["title"], section["weight"], tuple(specs)))
    return questions, sections


def score_demo(data: dict, product: str, *, today: datetime.date = TODAY):
    questions, sections = template_specs(data)
    planned = generate_answers(PROFILES[product], questions, today=today, existing={})
    return score_answers(
        sections=sections,
        answers={q.key: (v, False) for q, v in planned if v is not FILE},
        evidence={q.key: [(today, None)] for q, v in planned if v is FILE},
        thresholds=data["risk_thresholds"],
        today=today,
    )


@pytest.mark.parametrize(("stem", "product"), sorted(EXPECTED))
def test_version_1_scores_as_before(stem, product):
    data = json.loads((TEMPLATES / f"{stem}.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    result = score_demo(data, product)
    assert (
        result.overall,
        result.score_tier,
        result.tier,
        sorted(f.code for f in result.findings),
        sorted(k.question_key for k in result.knockouts),
    ) == EXPECTED[(stem, product)]
