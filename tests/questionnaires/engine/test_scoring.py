"""Pure scoring: every rule type, N/A, visibility, weights, tiers, knock-outs and overrides."""

from __future__ import annotations

import datetime

import pytest

from questionnaires.engine.scoring import (
    RULES_VERSION,
    QuestionSpec,
    SectionSpec,
    rule_score,
    score_answers,
    tier_for,
)

TODAY = datetime.date(2026, 11, 20)
THRESHOLDS = {"low": 80, "moderate": 60, "high": 40}


def q(key="q", qtype="yes_no", scoring=None, **kwargs) -> QuestionSpec:
    return QuestionSpec(key=key, type=qtype, scoring=scoring, **kwargs)


def score_one(question, value, files=()):
    return rule_score(question, value, files, TODAY)


def run(sections, answers, **kwargs):
    kwargs.setdefault("thresholds", THRESHOLDS)
    kwargs.setdefault("today", TODAY)
    return score_answers(sections=sections, answers=answers, **kwargs)


def test_yes_no_scores_the_expected_answer():
    question = q(scoring={"expected": "yes"})
    assert score_one(question, "yes") == 100
    assert score_one(question, "no") == 0
    assert score_one(question, None) == 0


def test_single_choice_gives_points_per_choice():
    question = q(qtype="single_choice", scoring={"points": {"a": 100, "b": 40}})
    assert score_one(question, "b") == 40
    assert score_one(question, "unlisted") == 0


def test_multi_choice_sum_is_capped_and_max_takes_the_best():
    rule = {"points": {"a": 70, "b": 50, "c": 10}}
    assert score_one(q(qtype="multi_choice", scoring=rule), ["a", "b"]) == 100
    assert score_one(q(qtype="multi_choice", scoring=rule), ["b", "c"]) == 60
    assert score_one(q(qtype="multi_choice", scoring={**rule, "mode": "max"}), ["b", "c"]) == 50
    assert score_one(q(qtype="multi_choice", scoring=rule), []) == 0


def test_number_bands_are_inclusive():
    question = q(
        qtype="number",
        scoring={"bands": [{"min": None, "max": 3, "points": 100}, {"min": 4, "max": 60, "points": 50}]},
    )
    assert score_one(question, 3) == 100
    assert score_one(question, 4) == 50
    assert score_one(question, 60) == 50
    assert score_one(question, 61) == 0
    assert score_one(question, "not a number") == 0


def test_text_must_be_present_and_long_enough():
    question = q(qtype="long_text", scoring={"min_length": 10})
    assert score_one(question, "long enough text") == 100
    assert score_one(question, "   short   ") == 0
    assert score_one(question, "") == 0


def test_url_must_be_present():
    question = q(qtype="url", scoring={"present": True})
    assert score_one(question, "https://vendor.example.com/510k.pdf") == 100
    assert score_one(question, "see attachment") == 0


def test_date_must_be_within_max_age():
    question = q(qtype="date", scoring={"max_age_days": 365})
    assert score_one(question, "2026-01-01") == 100
    assert score_one(question, "2025-11-20") == 100  # exactly 365 days
    assert score_one(question, "2025-11-19") == 0
    assert score_one(question, "2027-01-01") == 0  # a future date is not evidence of a past event
    assert score_one(question, "garbage") == 0


def test_file_needs_one_unexpired_recent_file():
    question = q(qtype="file", scoring={"require_unexpired": True, "max_age_days": 365})
    recent = datetime.datetime(2026, 6, 1, 12, 0)
    assert score_one(question, None, []) == 0
    assert score_one(question, None, [(recent, datetime.date(2027, 1, 1))]) == 100
    assert score_one(question, None, [(recent, TODAY)]) == 100  # valid through today
    assert score_one(question, None, [(recent, datetime.date(2026, 11, 19))]) == 0  # expired
    assert score_one(question, None, [(datetime.datetime(2025, 1, 1), None)]) == 0  # too old
    both = [(recent, datetime.date(2026, 1, 1)), (recent, datetime.date(2027, 1, 1))]
    assert score_one(question, None, both) == 100


def test_expired_file_counts_when_expiry_is_not_required():
    question = q(qtype="file", scoring={"require_unexpired": False})
    assert score_one(question, None, [(TODAY, datetime.date(2020, 1, 1))]) == 100


TABLE_OPTIONS = {
    "columns": [{"key": "subgroup"}, {"key": "n"}, {"key": "value"}],
    "row_key": "subgroup",
    "required_rows": ["Female", "Male", "65+", "18-64"],
}


def test_table_scores_the_share_of_complete_required_rows():
    question = q(qtype="table", options=TABLE_OPTIONS, scoring={"min_rows": 1, "require_all_rows": True})
    rows = [
        {"subgroup": "Female", "n": 500, "value": 0.81},
        {"subgroup": "male", "n": 480, "value": 0.79},
        {"subgroup": "65+", "n": 200, "value": None},  # incomplete: does not count
    ]
    assert score_one(question, rows) == 50
    assert score_one(question, []) == 0


def test_table_without_required_rows_needs_min_complete_rows():
    question = q(qtype="table", options={"columns": [{"key": "a"}, {"key": "b"}]}, scoring={"min_rows": 4})
    rows = [{"a": "x", "b": 0}, {"a": "y", "b": 1}]
    assert score_one(question, rows) == 50
    assert score_one(question, [*rows, {"a": "z", "b": ""}, {"a": "w", "b": 3}]) == 75


def test_unanswered_visible_question_scores_zero_and_counts():
    section = SectionSpec(
        "s", "S", questions=[q("a", scoring={"expected": "yes"}), q("b", scoring={"expected": "yes"})]
    )
    result = run([section], {"a": ("yes", False)})
    assert result.question_scores == {"a": 100, "b": 0}
    assert result.overall == 50


def test_not_applicable_leaves_the_denominator_only_when_allowed():
    allowed = q("a", scoring={"expected": "yes"}, allows_na=True)
    refused = q("b", scoring={"expected": "yes"})
    other = q("c", scoring={"expected": "yes"})
    result = run(
        [SectionSpec("s", "S", questions=[allowed, refused, other])],
        {"a": (None, True), "b": (None, True), "c": ("yes", False)},
    )
    assert result.question_scores["a"] is None
    assert result.question_scores["b"] == 0
    assert result.overall == 50


def test_hidden_questions_are_neither_scored_nor_counted():
    gate = q("gate", scoring={"expected": "yes"})
    hidden = q(
        "detail",
        scoring={"expected": "yes"},
        condition={"question": "gate", "operator": "equals", "value": "yes"},
    )
    result = run(
        [SectionSpec("s", "S", questions=[gate, hidden])], {"gate": ("no", False), "detail": ("yes", False)}
    )
    assert result.question_scores == {"gate": 0, "detail": None}
    assert "detail" not in result.visible
    assert result.overall == 0


def test_weights_apply_within_and_across_sections():
    s1 = SectionSpec(
        "s1",
        "One",
        weight=3,
        questions=[
            q("a", scoring={"expected": "yes"}, weight=3),
            q("b", scoring={"expected": "yes"}, weight=1),
        ],
    )
    s2 = SectionSpec("s2", "Two", weight=1, questions=[q("c", scoring={"expected": "yes"})])
    s3 = SectionSpec("s3", "Nothing scorable", weight=5, questions=[q("d")])
    result = run([s1, s2, s3], {"a": ("yes", False), "b": ("no", False), "c": ("no", False)})
    assert [(s.key, s.score) for s in result.sections] == [("s1", 75), ("s2", 0)]
    assert result.overall == pytest.approx(56.25)
    assert result.tier == "high"


@pytest.mark.parametrize(
    ("score", "tier"),
    [(100, "low"), (80, "low"), (79.99, "moderate"), (60, "moderate"), (40, "high"), (39, "critical")],
)
def test_tiers_come_from_the_template_thresholds(score, tier):
    assert tier_for(score, THRESHOLDS) == tier


def test_custom_thresholds_change_the_tier():
    assert tier_for(70, {"low": 95, "moderate": 90, "high": 70}) == "high"
    assert tier_for(None, THRESHOLDS) == ""


def test_knock_out_caps_the_tier_whatever_the_score():
    baa = q(
        "baa.will_sign",
        "single_choice",
        scoring={
            "points": {"customer_baa": 100, "will_not_sign": 0},
            "critical": {
                "operator": "equals",
                "value": "will_not_sign",
                "reason": "Will not sign a BAA",
                "citation": "45 CFR 164.502(e)",
                "cap_tier": "critical",
            },
        },
    )
    others = [q(f"x{i}", scoring={"expected": "yes"}, weight=10) for i in range(5)]
    answers = {f"x{i}": ("yes", False) for i in range(5)}
    result = run(
        [SectionSpec("s", "S", questions=[baa, *others])],
        {**answers, "baa.will_sign": ("will_not_sign", False)},
    )
    assert result.overall > 95
    assert result.score_tier == "low"
    assert result.tier == "critical"
    assert result.knockouts[0].question_key == "baa.will_sign"
    assert result.knockouts[0].citation == "45 CFR 164.502(e)"

    clean = run(
        [SectionSpec("s", "S", questions=[baa, *others])],
        {**answers, "baa.will_sign": ("customer_baa", False)},
    )
    assert clean.knockouts == []
    assert clean.tier == "low"


def test_knock_out_on_unanswered_file_and_high_cap():
    report = q(
        "security.soc2_type2",
        "file",
        scoring={
            "require_unexpired": True,
            "critical": {"operator": "unanswered", "reason": "No SOC 2 report", "cap_tier": "high"},
        },
    )
    result = run([SectionSpec("s", "S", questions=[report])], {}, evidence={})
    assert [k.cap_tier for k in result.knockouts] == ["high"]
    assert result.tier == "critical"  # the score (0) is already worse than the cap
    with_file = run(
        [SectionSpec("s", "S", questions=[report])], {}, evidence={"security.soc2_type2": [(TODAY, None)]}
    )
    assert with_file.knockouts == []


def test_knock_out_on_a_hidden_question_does_not_fire():
    gate = q("gate")
    critical = q(
        "detail",
        scoring={"expected": "yes", "critical": {"operator": "equals", "value": "no", "reason": "r"}},
        condition={"question": "gate", "operator": "equals", "value": "yes"},
    )
    result = run(
        [SectionSpec("s", "S", questions=[gate, critical])], {"gate": ("no", False), "detail": ("no", False)}
    )
    assert result.knockouts == []


def test_override_replaces_the_computed_score():
    questions = [q("a", scoring={"expected": "yes"}), q("b", scoring={"expected": "yes"})]
    result = run(
        [SectionSpec("s", "S", questions=questions)],
        {"a": ("no", False), "b": ("yes", False)},
        overrides={"a": 80},
    )
    assert result.computed_scores["a"] == 0
    assert result.question_scores["a"] == 80
    assert result.overall == 90


def test_result_states_the_rules_version():
    assert run([], {}).rules_version == RULES_VERSION
    assert run([], {}).overall is None
