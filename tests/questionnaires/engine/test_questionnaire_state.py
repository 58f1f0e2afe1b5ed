"""Which questions a vendor sees, which are still missing, and the progress figure on the page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from questionnaires.engine.answers import QuestionnaireState, percent


def q(qid, key, qtype="yes_no", *, condition=None, required=True, allows_na=False, requires_evidence=False):
    return SimpleNamespace(
        id=qid,
        key=key,
        type=qtype,
        condition=condition,
        is_required=required,
        allows_na=allows_na,
        requires_evidence=requires_evidence,
    )


def a(value, na=False):
    return SimpleNamespace(value=value, is_not_applicable=na)


PHI = q(1, "use.processes_phi")
BAA = q(
    2,
    "baa.will_sign",
    "single_choice",
    condition={"question": "use.processes_phi", "operator": "equals", "value": "yes"},
)
SOC2 = q(3, "sec.soc2_report", "file")
NOTES = q(4, "use.notes", "long_text", required=False)
PENTEST = q(5, "sec.pentest", allows_na=True, requires_evidence=True)
QUESTIONS = [PHI, BAA, SOC2, NOTES, PENTEST]


def state(answers, file_counts=None):
    return QuestionnaireState(questions=QUESTIONS, answers=answers, file_counts=file_counts or {})


def test_nothing_answered_shows_unconditional_questions_and_misses_the_required_ones():
    s = state({})
    assert s.visible == {"use.processes_phi", "sec.soc2_report", "use.notes", "sec.pentest"}
    assert s.values_by_key == {}
    assert s.missing() == [PHI, SOC2, PENTEST]
    assert s.progress() == (0, 3)


def test_a_follow_up_question_appears_and_counts_with_the_question_that_revealed_it():
    s = state({1: a("yes")})
    assert s.is_visible(BAA)
    assert s.missing() == [BAA, SOC2, PENTEST]
    # The data question and its BAA follow-up are one item, not yet complete: the total stays 3.
    assert s.progress() == (0, 3)


def test_a_hidden_follow_up_neither_counts_nor_is_missing_even_when_answered():
    s = state({1: a("no"), 2: a("will_sign")})
    assert not s.is_visible(BAA)
    assert s.values_by_key == {"use.processes_phi": "no", "baa.will_sign": "will_sign"}
    assert s.progress() == (1, 3)


def test_a_not_applicable_answer_has_no_value_for_conditions():
    s = state({1: a("yes", na=True)})
    assert not s.is_visible(BAA)
    assert s.values_by_key == {}


def test_answers_to_questions_outside_the_questionnaire_are_ignored():
    assert state({99: a("yes")}).values_by_key == {}


def test_a_file_question_is_answered_by_an_attached_file_only():
    assert not state({3: a("soc2.pdf")}).is_answered(SOC2)
    assert not state({}, {3: 0}).is_answered(SOC2)
    assert state({}, {3: 1}).is_answered(SOC2)
    assert state({}, {3: 1}).has_evidence(SOC2)
    assert not state({}, {4: 1}).has_evidence(SOC2)


@pytest.mark.parametrize("empty", [None, "", [], {}])
def test_an_empty_value_is_not_an_answer(empty):
    assert not state({1: a(empty)}).is_answered(PHI)


def test_an_answer_that_requires_evidence_needs_a_file_too():
    assert not state({5: a("yes")}).is_answered(PENTEST)
    assert state({5: a("yes")}, {5: 2}).is_answered(PENTEST)


def test_not_applicable_answers_a_question_that_allows_it_without_evidence():
    s = state({5: a(None, na=True)})
    assert s.is_answered(PENTEST)
    assert s.missing() == [PHI, SOC2]


def test_not_applicable_does_not_answer_a_question_that_does_not_allow_it():
    assert not state({1: a(None, na=True)}).is_answered(PHI)


def test_a_complete_questionnaire_misses_nothing():
    s = state({1: a("yes"), 2: a("will_sign"), 5: a(None, na=True)}, {3: 1})
    assert s.missing() == []
    assert s.progress() == (3, 3)


def test_missing_and_progress_can_look_at_one_section():
    s = state({1: a("yes")})
    section = [BAA, SOC2, NOTES]
    assert s.missing(section) == [BAA, SOC2]
    assert s.progress(section) == (0, 2)
    assert s.progress([PHI, NOTES]) == (1, 1)
    assert s.missing([]) == []
    assert s.progress([]) == (0, 0)


@pytest.mark.parametrize(
    ("done", "total", "shown"),
    [(0, 0, 100), (0, 3, 0), (1, 3, 33), (2, 3, 67), (3, 3, 100), (1, 8, 12), (3, 8, 38), (7, 9, 78)],
)
def test_percent_is_rounded_and_an_empty_questionnaire_is_complete(done, total, shown):
    assert percent(done, total) == shown
