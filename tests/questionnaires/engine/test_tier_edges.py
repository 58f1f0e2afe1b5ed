"""Edges of the final tier: missing thresholds, empty templates, knock-out records and rounding."""

from __future__ import annotations

import datetime

import pytest

from questionnaires.engine.checks import Citation
from questionnaires.engine.scoring import (
    KnockOut,
    QuestionSpec,
    SectionScore,
    SectionSpec,
    score_answers,
    tier_for,
    worst_tier,
)

TODAY = datetime.date(2026, 11, 20)
THRESHOLDS = {"low": 80, "moderate": 60, "high": 40}
YES = {"expected": "yes"}


def run(sections, answers, **kwargs):
    kwargs.setdefault("thresholds", THRESHOLDS)
    kwargs.setdefault("today", TODAY)
    return score_answers(sections=sections, answers=answers, **kwargs)


def yes_no(key, scoring=YES, **kwargs):
    return QuestionSpec(key=key, type="yes_no", scoring=scoring, **kwargs)


@pytest.mark.parametrize(
    ("score", "thresholds", "tier"),
    [
        (95, {"moderate": 50, "high": 20}, "moderate"),
        (45, {"moderate": 50, "high": 20}, "high"),
        (10, {"moderate": 50, "high": 20}, "critical"),
        (100, {}, "critical"),
        (100, {"low": None, "moderate": "n/a", "high": 90}, "high"),
        (80, {"low": "80", "moderate": "60", "high": "40"}, "low"),
        (79.99, {"low": "80", "moderate": "60", "high": "40"}, "moderate"),
        (0, {"low": 0, "moderate": 0, "high": 0}, "low"),
        (0.0, THRESHOLDS, "critical"),
    ],
)
def test_a_missing_or_unreadable_threshold_is_skipped(score, thresholds, tier):
    assert tier_for(score, thresholds) == tier


def test_no_score_no_tier():
    assert tier_for(None, THRESHOLDS) == ""


@pytest.mark.parametrize(
    ("tiers", "worst"),
    [
        ((), ""),
        (("",), ""),
        (("", ""), ""),
        (("low",), "low"),
        (("low", "moderate"), "moderate"),
        (("high", "moderate", "low"), "high"),
        (("", "critical", "high"), "critical"),
        (("moderate", ""), "moderate"),
    ],
)
def test_worst_tier_is_the_worst_tier_given(tiers, worst):
    assert worst_tier(*tiers) == worst


def test_an_empty_template_has_no_score_and_no_tier():
    result = run([], {})
    assert (result.overall, result.score_tier, result.tier) == (None, "", "")
    assert result.sections == []
    assert result.knockouts == []
    assert result.findings == []
    assert result.visible == set()


def test_a_template_with_only_unscored_questions_has_no_tier_unless_a_check_caps_it():
    questions = (QuestionSpec("use.processes_phi", "yes_no"), QuestionSpec("baa.will_sign", "single_choice"))
    quiet = run([SectionSpec("s", "S", 1.0, questions)], {"use.processes_phi": ("yes", False)})
    assert (quiet.overall, quiet.tier) == (None, "")
    assert quiet.question_scores == {"use.processes_phi": None, "baa.will_sign": None}
    capped = run(
        [SectionSpec("s", "S", 1.0, questions)],
        {"use.processes_phi": ("yes", False), "baa.will_sign": ("will_not_sign", False)},
    )
    assert (capped.overall, capped.score_tier, capped.tier) == (None, "", "critical")


def test_a_knockout_records_its_question_reason_citation_and_cap():
    critical = {
        "operator": "equals",
        "value": "no",
        "reason": "No BAA",
        "citation": "45 CFR 164.502(e)",
        "cap_tier": "high",
    }
    question = yes_no("baa.will_sign", {"expected": "yes", "critical": critical})
    result = run([SectionSpec("s", "S", 1.0, (question,))], {"baa.will_sign": ("no", False)})
    assert result.knockouts == [
        KnockOut(
            question_key="baa.will_sign",
            reason="No BAA",
            citation="45 CFR 164.502(e)",
            cap_tier="high",
            citations=(Citation("45 CFR 164.502(e)", "law"),),
        )
    ]
    assert (result.overall, result.score_tier, result.tier) == (0.0, "critical", "critical")


def test_a_knockout_with_a_stated_standing_keeps_it_for_every_part():
    critical = {
        "operator": "equals",
        "value": "no",
        "reason": "Buyer policy",
        "citation": "45 CFR 170.315(b)(11); CHAI model card",
        "standing": "guidance",
    }
    question = yes_no("q", {"expected": "yes", "critical": critical})
    (knockout,) = run([SectionSpec("s", "S", 1.0, (question,))], {"q": ("no", False)}).knockouts
    assert knockout.citations == (
        Citation("45 CFR 170.315(b)(11)", "guidance"),
        Citation("CHAI model card", "guidance"),
    )


def test_a_bare_knockout_has_empty_reason_and_citation_and_caps_at_critical():
    question = yes_no("q", {"expected": "yes", "critical": {"operator": "unanswered"}})
    result = run([SectionSpec("s", "S", 1.0, (question, yes_no("r")))], {"r": ("yes", False)})
    assert result.knockouts == [KnockOut(question_key="q", reason="", citation="", cap_tier="critical")]
    assert (result.overall, result.score_tier, result.tier) == (50.0, "high", "critical")


def test_a_knockout_compares_against_its_value():
    critical = {"operator": "equals", "value": "no", "reason": "r", "cap_tier": "high"}
    question = yes_no("q", {"expected": "yes", "critical": critical})
    fine = run([SectionSpec("s", "S", 1.0, (question,))], {"q": ("yes", False)})
    assert (fine.overall, fine.tier, fine.knockouts) == (100.0, "low", [])


def test_several_knockouts_are_all_recorded_in_question_order_and_the_worst_cap_wins():
    high = {"operator": "equals", "value": "no", "reason": "A", "cap_tier": "high"}
    crit = {"operator": "equals", "value": "no", "reason": "B"}
    questions = (
        yes_no("a", {"expected": "no", "critical": high}),
        yes_no("b", {"expected": "no", "critical": crit}),
    )
    result = run([SectionSpec("s", "S", 1.0, questions)], {"a": ("no", False), "b": ("no", False)})
    assert [(k.question_key, k.cap_tier) for k in result.knockouts] == [("a", "high"), ("b", "critical")]
    assert (result.overall, result.score_tier, result.tier) == (100.0, "low", "critical")


def test_an_allowed_not_applicable_answer_trips_no_knockout_even_on_unanswered():
    question = yes_no(
        "q", {"expected": "yes", "critical": {"operator": "unanswered", "reason": "r"}}, allows_na=True
    )
    result = run(
        [SectionSpec("s", "S", 1.0, (question, yes_no("r")))], {"q": (None, True), "r": ("yes", False)}
    )
    assert result.knockouts == []
    assert (result.overall, result.tier) == (100.0, "low")
    assert result.question_scores == {"q": None, "r": 100.0}


def test_a_not_applicable_answer_that_is_not_allowed_counts_as_unanswered_for_a_knockout():
    question = yes_no("q", {"expected": "yes", "critical": {"operator": "unanswered", "reason": "r"}})
    result = run([SectionSpec("s", "S", 1.0, (question,))], {"q": ("yes", True)})
    assert [k.question_key for k in result.knockouts] == ["q"]
    assert (result.overall, result.tier) == (0.0, "critical")


def test_an_empty_override_keeps_the_computed_score():
    result = run([SectionSpec("s", "S", 1.0, (yes_no("q"),))], {"q": ("yes", False)}, overrides={"q": None})
    assert result.question_scores == {"q": 100.0}
    assert result.overall == 100.0


def test_an_override_on_a_hidden_or_unscored_question_is_ignored():
    hidden = yes_no("h", condition={"question": "q", "operator": "equals", "value": "no"})
    unscored = QuestionSpec("u", "yes_no")
    result = run(
        [SectionSpec("s", "S", 1.0, (yes_no("q"), hidden, unscored))],
        {"q": ("yes", False)},
        overrides={"h": 0, "u": 0},
    )
    assert result.question_scores == {"q": 100.0, "h": None, "u": None}
    assert result.overall == 100.0


def test_an_override_of_an_allowed_not_applicable_answer_brings_it_back_into_the_mean():
    question = yes_no("q", allows_na=True)
    result = run(
        [SectionSpec("s", "S", 1.0, (question, yes_no("r")))],
        {"q": (None, True), "r": ("yes", False)},
        overrides={"q": "40"},
    )
    assert result.computed_scores == {"q": None, "r": 100.0}
    assert result.question_scores == {"q": 40.0, "r": 100.0}
    assert (result.overall, result.tier) == (70.0, "moderate")


def test_scores_are_rounded_to_two_decimals():
    questions = (yes_no("a"), yes_no("b"), yes_no("c"))
    result = run([SectionSpec("s", "S", 1.0, questions)], {"a": ("yes", False)})
    assert result.sections == [SectionScore("s", "S", 1.0, 33.33)]
    assert (result.overall, result.tier) == (33.33, "critical")


def test_zero_weights_leave_a_section_out_and_the_rest_decides():
    zero = SectionSpec("z", "Zero", 1.0, (yes_no("a", weight=0),))
    ignored = SectionSpec("i", "Ignored", 0.0, (yes_no("b"),))
    counted = SectionSpec("c", "Counted", 2.0, (yes_no("c"), yes_no("d", weight=3)))
    result = run([zero, ignored, counted], {"a": ("no", False), "b": ("yes", False), "d": ("yes", False)})
    assert result.sections == [
        SectionScore("i", "Ignored", 0.0, 100.0),
        SectionScore("c", "Counted", 2.0, 75.0),
    ]
    assert (result.overall, result.tier) == (75.0, "moderate")


def test_only_zero_weighted_sections_leave_no_overall_score():
    result = run([SectionSpec("i", "Ignored", 0.0, (yes_no("b"),))], {"b": ("yes", False)})
    assert result.sections == [SectionScore("i", "Ignored", 0.0, 100.0)]
    assert (result.overall, result.score_tier, result.tier) == (None, "", "")


def test_checks_see_only_visible_answers_and_their_file_counts():
    report = QuestionSpec("deid.expert.report", "file", scoring={})
    method = QuestionSpec("deid.method_training", "single_choice")
    sections = [SectionSpec("s", "S", 1.0, (method, report))]
    answers = {"deid.method_training": ("expert_determination", False)}
    today = datetime.datetime(2026, 11, 1, 9, 0)
    missing = run(sections, answers)
    attached = run(sections, answers, evidence={"deid.expert.report": [(today, None)]})
    assert [f.code for f in missing.findings] == ["expert_determination_without_report"]
    assert attached.findings == []
    assert attached.question_scores == {"deid.method_training": None, "deid.expert.report": None}


def test_an_attached_file_reads_as_attached_to_a_knockout():
    critical = {"operator": "equals", "value": "attached", "reason": "Unsupported certificate"}
    question = QuestionSpec("cert", "file", scoring={"critical": critical})
    sections = [SectionSpec("s", "S", 1.0, (question,))]
    attached = run(sections, {}, evidence={"cert": [(TODAY, None)]})
    assert [k.question_key for k in attached.knockouts] == ["cert"]
    assert (attached.overall, attached.tier) == (100.0, "critical")
    assert run(sections, {}).knockouts == []


def test_an_unanswered_question_that_allows_not_applicable_still_counts_as_zero():
    questions = (yes_no("q", allows_na=True), yes_no("r"))
    result = run([SectionSpec("s", "S", 1.0, questions)], {"r": ("yes", False)})
    assert result.question_scores == {"q": 0.0, "r": 100.0}
    assert (result.overall, result.tier) == (50.0, "high")
