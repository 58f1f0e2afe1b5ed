"""The final risk tier and score a hospital sees, pinned for every path that decides them.

Each case calls the engine's public function, `score_answers`, and asserts the exact overall score
and the exact final tier: a cap that is computed but dropped, an operator that is off by one, or
evidence that stops counting changes a figure here.
"""

from __future__ import annotations

import datetime

import pytest

from questionnaires.engine.checks import CHECKS
from questionnaires.engine.scoring import QuestionSpec, SectionSpec, score_answers

TODAY = datetime.date(2026, 11, 20)
THRESHOLDS = {"low": 80, "moderate": 60, "high": 40}
YES = {"expected": "yes"}


def final(questions, answers, *, evidence=None, overrides=None):
    result = score_answers(
        sections=[SectionSpec("s", "Section", 1.0, tuple(questions))],
        answers=answers,
        evidence=evidence,
        overrides=overrides,
        thresholds=THRESHOLDS,
        today=TODAY,
    )
    return result.overall, result.tier


def scored(key="good", qtype="yes_no", scoring=YES, **kwargs) -> QuestionSpec:
    return QuestionSpec(key=key, type=qtype, scoring=scoring, **kwargs)


def plain(key: str, qtype: str = "single_choice") -> QuestionSpec:
    """A question that is asked but not scored: only checks and knock-outs read it."""
    return QuestionSpec(key=key, type=qtype)


GOOD = (scored(), {"good": ("yes", False)})  # overall 100, tier low before any cap


# --- consistency checks that cap the tier --------------------------------------------------------

# For every check with a cap: answers that trigger it, and answers to the same questions that do not.
CAPPED = {
    "training_not_permitted_by_baa": (
        {"deid.customer_data_training": "identifiable", "baa.training_permitted": "no"},
        {"deid.customer_data_training": "identifiable", "baa.training_permitted": "yes"},
    ),
    "phi_without_baa": (
        {"use.processes_phi": "yes", "baa.will_sign": "will_not_sign"},
        {"use.processes_phi": "yes", "baa.will_sign": "will_sign"},
    ),
    "device_function_without_device_status": (
        {"fda.status": "not_medical_device", "use.data_modalities": ["medical_images"]},
        {"fda.status": "cleared_510k", "use.data_modalities": ["medical_images"]},
    ),
    "subcontractor_phi_without_baa": ({"baa.subcontractor_baas": "no"}, {"baa.subcontractor_baas": "yes"}),
    "lds_without_dua": (
        {"deid.method_training": "limited_data_set", "deid.lds.dua": "no"},
        {"deid.method_training": "limited_data_set", "deid.lds.dua": "yes"},
    ),
}


def test_every_capped_check_has_a_case_here():
    assert {c.code for c in CHECKS if c.cap_tier} == set(CAPPED)


@pytest.mark.parametrize("code", sorted(CAPPED))
def test_each_check_cap_reaches_the_final_tier(code):
    check = next(c for c in CHECKS if c.code == code)
    triggering, harmless = CAPPED[code]
    question, answers = GOOD
    questions = [
        question,
        *(
            QuestionSpec(key=f"q{i}", type="multi_choice" if isinstance(v, list) else "single_choice", fact=k)
            for i, (k, v) in enumerate(triggering.items())
        ),
    ]
    keys = {k: f"q{i}" for i, k in enumerate(triggering)}

    overall, tier = final(questions, {**answers, **{keys[k]: (v, False) for k, v in triggering.items()}})
    assert (overall, tier) == (100.0, check.cap_tier)

    overall, tier = final(questions, {**answers, **{keys[k]: (v, False) for k, v in harmless.items()}})
    assert (overall, tier) == (100.0, "low")


def test_a_check_cap_never_lowers_a_worse_score_tier():
    questions = [
        scored("a"),
        scored("b"),
        *(plain(k) for k in ("deid.customer_data_training", "baa.training_permitted")),
    ]
    answers = {
        "a": ("no", False),
        "b": ("no", False),
        "deid.customer_data_training": ("identifiable", False),
        "baa.training_permitted": ("no", False),
    }
    assert final(questions, answers) == (0.0, "critical")


def test_a_capped_check_on_a_hidden_question_does_not_cap():
    gate = plain("gate")
    processes = QuestionSpec(
        key="use.processes_phi",
        type="yes_no",
        condition={"question": "gate", "operator": "equals", "value": "on"},
    )
    questions = [scored(), gate, processes, plain("baa.will_sign")]
    answers = {
        "good": ("yes", False),
        "gate": ("off", False),
        "use.processes_phi": ("yes", False),
        "baa.will_sign": ("will_not_sign", False),
    }
    assert final(questions, answers) == (100.0, "low")
    assert final(questions, {**answers, "gate": ("on", False)}) == (100.0, "critical")


# --- knock-outs -------------------------------------------------------------------------------------


def knockout(operator, value=None, qtype="single_choice", **extra):
    rule = {"points": {}, "critical": {"operator": operator, "value": value, "reason": "r", **extra}}
    if qtype == "number":
        rule = {"bands": [], "critical": rule["critical"]}
    return QuestionSpec(key="ko", type=qtype, scoring=rule, weight=0.0)


def test_a_knockout_without_a_cap_caps_at_critical():
    question, answers = GOOD
    assert final([question, knockout("equals", "bad")], {**answers, "ko": ("bad", False)}) == (
        100.0,
        "critical",
    )


def test_a_knockout_with_its_own_cap_caps_there():
    question, answers = GOOD
    ko = knockout("equals", "bad", cap_tier="high")
    assert final([question, ko], {**answers, "ko": ("bad", False)}) == (100.0, "high")


# operator, knock-out value, answer that trips it, answer that does not (at the bound where there is one)
OPERATORS = [
    ("equals", "bad", "bad", "good"),
    ("not_equals", "good", "bad", "good"),
    ("in", ["bad", "worse"], "worse", "good"),
    ("contains", "bad", ["ok", "bad"], ["ok"]),
    ("at_least", 61, 61, 60),
    ("at_most", 10, 10, 11),
    ("unanswered", None, None, "anything"),
]


@pytest.mark.parametrize(("operator", "value", "tripping", "passing"), OPERATORS)
def test_every_knockout_operator_trips_at_its_bound_and_not_beside_it(operator, value, tripping, passing):
    question, answers = GOOD
    qtype = (
        "number"
        if operator in ("at_least", "at_most")
        else "multi_choice"
        if operator == "contains"
        else "single_choice"
    )
    ko = knockout(operator, value, qtype=qtype)
    assert final([question, ko], {**answers, "ko": (tripping, False)}) == (100.0, "critical")
    assert final([question, ko], {**answers, "ko": (passing, False)}) == (100.0, "low")


def test_a_not_applicable_answer_with_a_stale_value_trips_no_knockout_and_shows_nothing():
    question, answers = GOOD
    ko = QuestionSpec(
        key="ko",
        type="single_choice",
        allows_na=True,
        scoring={"points": {"good": 100}, "critical": {"operator": "equals", "value": "bad"}},
    )
    follow_up = scored("follow", condition={"question": "ko", "operator": "equals", "value": "bad"})
    # The stored value is left over from before the vendor chose "not applicable".
    stale = {**answers, "ko": ("bad", True), "follow": ("no", False)}
    assert final([question, ko, follow_up], stale) == (100.0, "low")
    assert final([question, ko, follow_up], {**stale, "ko": ("bad", False)}) == (33.33, "critical")


def test_not_applicable_where_the_question_does_not_allow_it_scores_zero():
    ko = scored("na")
    assert final([scored(), ko], {"good": ("yes", False), "na": ("yes", True)}) == (50.0, "high")


# --- evidence ---------------------------------------------------------------------------------------

FILE_RULE = {"require_unexpired": True, "max_age_days": 365}


def evidence_case(files):
    document = QuestionSpec(key="doc", type="file", scoring=FILE_RULE)
    return final([scored(), document], {"good": ("yes", False)}, evidence={"doc": files} if files else None)


def test_attached_evidence_scores():
    assert evidence_case([(TODAY, None)]) == (100.0, "low")


def test_missing_evidence_scores_zero():
    assert evidence_case([]) == (50.0, "high")


def test_evidence_valid_through_today_counts_and_expired_yesterday_does_not():
    assert evidence_case([(TODAY, TODAY)]) == (100.0, "low")
    assert evidence_case([(TODAY, TODAY - datetime.timedelta(days=1))]) == (50.0, "high")


def test_evidence_exactly_at_its_maximum_age_counts_and_one_day_older_does_not():
    assert evidence_case([(TODAY - datetime.timedelta(days=365), None)]) == (100.0, "low")
    assert evidence_case([(TODAY - datetime.timedelta(days=366), None)]) == (50.0, "high")


def test_a_missing_document_knockout_trips_and_an_attached_one_does_not():
    document = QuestionSpec(
        key="doc",
        type="file",
        weight=0.0,
        scoring={"critical": {"operator": "unanswered", "cap_tier": "high"}},
    )
    assert final([scored(), document], {"good": ("yes", False)}) == (100.0, "high")
    assert final([scored(), document], {"good": ("yes", False)}, evidence={"doc": [(TODAY, None)]}) == (
        100.0,
        "low",
    )


# --- equality at every bound -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overall_points", "tier"),
    [(80, "low"), (79, "moderate"), (60, "moderate"), (59, "high"), (40, "high"), (39, "critical")],
)
def test_the_tier_thresholds_are_minimums(overall_points, tier):
    question = QuestionSpec(
        key="n", type="number", scoring={"bands": [{"min": 0, "max": 100, "points": overall_points}]}
    )
    assert final([question], {"n": (5, False)}) == (float(overall_points), tier)


def test_number_band_edges_belong_to_the_band():
    bands = [{"min": 1, "max": 3, "points": 100}, {"min": 4, "max": 60, "points": 50}]
    question = QuestionSpec(key="n", type="number", scoring={"bands": bands})
    assert [final([question], {"n": (n, False)})[0] for n in (0, 1, 3, 4, 60, 61)] == [
        0.0,
        100.0,
        100.0,
        50.0,
        50.0,
        0.0,
    ]


def test_a_date_exactly_at_its_maximum_age_scores_and_one_day_older_does_not():
    question = QuestionSpec(key="d", type="date", scoring={"max_age_days": 30})
    on_the_day = (TODAY - datetime.timedelta(days=30)).isoformat()
    a_day_late = (TODAY - datetime.timedelta(days=31)).isoformat()
    assert final([question], {"d": (on_the_day, False)}) == (100.0, "low")
    assert final([question], {"d": (a_day_late, False)}) == (0.0, "critical")


def test_table_coverage_counts_exactly_the_required_rows():
    question = QuestionSpec(
        key="t",
        type="table",
        options={
            "columns": [{"key": "group"}, {"key": "auc"}],
            "required_rows": ["Female", "Male"],
            "row_key": "group",
        },
        scoring={"require_all_rows": True, "min_rows": 2},
    )
    both = [{"group": "Female", "auc": "0.8"}, {"group": "male", "auc": "0.79"}]
    assert final([question], {"t": (both, False)}) == (100.0, "low")
    assert final([question], {"t": (both[:1], False)}) == (50.0, "high")
    assert final([question], {"t": ([both[0], {"group": "Male", "auc": ""}], False)}) == (50.0, "high")


def test_an_override_replaces_the_computed_score_in_the_final_figure():
    assert final([scored(), scored("b")], {"good": ("yes", False), "b": ("no", False)}) == (50.0, "high")
    assert final(
        [scored(), scored("b")], {"good": ("yes", False), "b": ("no", False)}, overrides={"b": 60.0}
    ) == (
        80.0,
        "low",
    )


def test_checks_see_attachments():
    method = plain("deid.method_training")
    report = QuestionSpec(key="deid.expert.report", type="file")
    answers = {"good": ("yes", False), "deid.method_training": ("expert_determination", False)}
    without = score_answers(
        sections=[SectionSpec("s", "S", 1.0, (scored(), method, report))],
        answers=answers,
        thresholds=THRESHOLDS,
        today=TODAY,
    )
    attached = score_answers(
        sections=[SectionSpec("s", "S", 1.0, (scored(), method, report))],
        answers=answers,
        evidence={"deid.expert.report": [(TODAY, None)]},
        thresholds=THRESHOLDS,
        today=TODAY,
    )
    assert [f.code for f in without.findings] == ["expert_determination_without_report"]
    assert attached.findings == []
