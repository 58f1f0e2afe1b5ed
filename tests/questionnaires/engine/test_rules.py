from __future__ import annotations

import pytest

from questionnaires.engine.rules import (
    QuestionRef,
    compare,
    validate_condition_graph,
    validate_options,
    validate_scoring,
    visible_keys,
)


def test_conditions_chain_and_collapse_when_a_link_is_hidden():
    questions = [
        QuestionRef("deid.method", None),
        QuestionRef(
            "deid.safe_harbor.dates", {"question": "deid.method", "operator": "equals", "value": "sh"}
        ),
        QuestionRef(
            "deid.safe_harbor.dates_detail",
            {"question": "deid.safe_harbor.dates", "operator": "equals", "value": "no"},
        ),
    ]
    answers = {"deid.method": "sh", "deid.safe_harbor.dates": "no"}
    assert visible_keys(questions, answers) == {q.key for q in questions}
    answers["deid.method"] = "expert"
    assert visible_keys(questions, answers) == {"deid.method"}


@pytest.mark.parametrize(
    ("operator", "answer", "expected", "result"),
    [
        ("equals", "yes", "yes", True),
        ("equals", None, "yes", False),
        ("contains", ["images", "labs"], "images", True),
        ("contains", "We use Safe Harbor", "safe harbor", True),
        ("at_least", 12, "10", True),
        ("at_least", 9, 10, False),
        ("at_most", 72, 72, True),
        ("in", "pma", ["510k", "pma"], True),
        ("unanswered", "", None, True),
        ("unanswered", "x", None, False),
    ],
)
def test_compare(operator, answer, expected, result):
    assert compare(operator, answer, expected) is result


def test_condition_graph_refuses_dangling_self_and_forward_references():
    errors = validate_condition_graph(
        [
            QuestionRef("a", {"question": "b", "operator": "equals", "value": "x"}),
            QuestionRef("b", {"question": "b", "operator": "equals", "value": "x"}),
            QuestionRef("c", {"question": "zzz", "operator": "equals", "value": "x"}),
            QuestionRef("d", {"question": "a", "operator": "bigger", "value": "x"}),
        ]
    )
    assert any(e.startswith("a:") and "comes later" in e for e in errors)
    assert any(e.startswith("b:") and "itself" in e for e in errors)
    assert any(e.startswith("c:") and "does not exist" in e for e in errors)
    assert any(e.startswith("d:") and "operator" in e for e in errors)


def test_options_and_scoring_shapes_are_checked():
    assert validate_options("single_choice", {"choices": []})
    choices = {"choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]}
    assert validate_options("single_choice", choices) == []
    assert validate_scoring("single_choice", {"points": {"a": 100, "b": 0}}, choices) == []
    assert "do not exist" in validate_scoring("single_choice", {"points": {"zz": 100}}, choices)[0]
    assert validate_scoring("yes_no", {"expected": "maybe"})
    assert validate_scoring("number", {"bands": [{"min": 0, "max": 10, "points": 150}]})
    assert validate_scoring("yes_no", {"expected": "yes", "critical": {"operator": "equals", "value": "no"}})
    assert (
        validate_scoring(
            "yes_no",
            {"expected": "yes", "critical": {"operator": "equals", "value": "no", "reason": "No BAA"}},
        )
        == []
    )
