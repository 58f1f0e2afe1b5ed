"""When a follow-up question is shown, and what each comparison operator means."""

from __future__ import annotations

import pytest

from questionnaires.engine.rules import (
    QuestionRef,
    answer_values,
    compare,
    condition_met,
    shown_keys,
    visible_keys,
)


@pytest.mark.parametrize(
    ("operator", "answer", "expected", "result"),
    [
        ("equals", "yes", "yes", True),
        ("equals", "no", "yes", False),
        ("equals", 5, 5, True),
        ("not_equals", "no", "yes", True),
        ("not_equals", "yes", "yes", False),
        ("in", "pma", ["510k", "pma"], True),
        ("in", "de_novo", ["510k", "pma"], False),
        ("in", "p", "pma", False),
        ("contains", ["images", "labs"], "labs", True),
        ("contains", ["images", "labs"], "notes", False),
        ("contains", ["images"], "imag", False),
        ("contains", "We use SAFE HARBOR here", "Safe Harbor", True),
        ("contains", "Expert determination", "safe harbor", False),
        ("contains", "12 months", 12, False),
        ("contains", 12, "1", False),
        ("at_least", 10, 10, True),
        ("at_least", "10.5", 10, True),
        ("at_least", 9.99, "10", False),
        ("at_most", 72, "72", True),
        ("at_most", 72.01, 72, False),
        ("at_most", -1, 0, True),
        ("at_least", "2024-06-01", "2024-06-01", True),
        ("at_least", "2024-05-31", "2024-06-01", False),
        ("at_most", "2024-06-01", "2024-06-01", True),
        ("at_most", "2024-06-02", "2024-06-01", False),
        ("at_least", 10, "2024-06-01", False),
        ("at_most", "ten", 10, False),
        ("at_least", True, 0, False),
        ("at_least", 5, None, False),
    ],
)
def test_each_operator_on_an_answer(operator, answer, expected, result):
    assert compare(operator, answer, expected) is result


@pytest.mark.parametrize("operator", ["equals", "not_equals", "in", "contains", "at_least", "at_most"])
@pytest.mark.parametrize("unanswered", [None, "", [], {}])
def test_an_unanswered_question_satisfies_no_operator_but_unanswered(operator, unanswered):
    assert compare(operator, unanswered, unanswered) is False
    assert compare("unanswered", unanswered, "anything") is True


@pytest.mark.parametrize("answered", ["no", 0, ["x"], False])
def test_an_answer_is_not_unanswered(answered):
    assert compare("unanswered", answered, None) is False


def test_an_unknown_operator_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"^Unknown operator 'bigger'$"):
        compare("bigger", "yes", "yes")


def test_no_condition_is_always_met():
    assert condition_met(None, {}) is True
    assert condition_met({}, {}) is True


def test_a_condition_reads_the_answer_to_its_question():
    condition = {"question": "use.processes_phi", "operator": "equals", "value": "yes"}
    assert condition_met(condition, {"use.processes_phi": "yes"}) is True
    assert condition_met(condition, {"use.processes_phi": "no"}) is False
    assert condition_met(condition, {}) is False


def test_a_condition_without_a_value_compares_against_none():
    assert condition_met({"question": "a", "operator": "not_equals"}, {"a": "x"}) is True


def test_not_applicable_answers_have_no_value():
    assert answer_values({"a": ("yes", False), "b": ("yes", True), "c": (None, False)}) == {
        "a": "yes",
        "b": None,
        "c": None,
    }


PHI = QuestionRef("use.processes_phi", None)
BAA = QuestionRef("baa.will_sign", {"question": "use.processes_phi", "operator": "equals", "value": "yes"})
BREACH = QuestionRef("baa.breach_days", {"question": "baa.will_sign", "operator": "equals", "value": "yes"})
NOTES = QuestionRef("use.notes", {})


def test_a_question_without_condition_is_always_shown():
    assert visible_keys([PHI, NOTES], {}) == {"use.processes_phi", "use.notes"}


def test_a_chain_is_shown_link_by_link():
    questions = [PHI, BAA, BREACH]
    assert visible_keys(questions, {"use.processes_phi": "yes"}) == {"use.processes_phi", "baa.will_sign"}
    assert visible_keys(questions, {"use.processes_phi": "yes", "baa.will_sign": "yes"}) == {
        "use.processes_phi",
        "baa.will_sign",
        "baa.breach_days",
    }


def test_a_stale_answer_behind_a_hidden_question_shows_nothing():
    assert visible_keys([PHI, BAA, BREACH], {"use.processes_phi": "no", "baa.will_sign": "yes"}) == {
        "use.processes_phi"
    }


def test_a_question_depending_on_a_later_or_unknown_question_stays_hidden():
    later = QuestionRef("a", {"question": "use.processes_phi", "operator": "equals", "value": "yes"})
    unknown = QuestionRef("b", {"question": "zzz", "operator": "unanswered", "value": None})
    assert visible_keys([later, PHI, unknown], {"use.processes_phi": "yes"}) == {"use.processes_phi"}


def test_a_not_applicable_answer_hides_its_follow_ups():
    questions = [PHI, BAA]
    assert shown_keys(questions, {"use.processes_phi": ("yes", True)}) == {"use.processes_phi"}
    assert shown_keys(questions, {"use.processes_phi": ("yes", False)}) == {
        "use.processes_phi",
        "baa.will_sign",
    }
