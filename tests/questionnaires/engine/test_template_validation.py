"""The messages a template author sees for a malformed question, condition, rule or reference."""

from __future__ import annotations

import datetime

import pytest

from questionnaires.engine.rules import (
    QuestionRef,
    parse_date,
    validate_condition_graph,
    validate_condition_shape,
    validate_options,
    validate_references,
    validate_scoring,
)

CHOICES = {"choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]}
COND = {"question": "a", "operator": "equals", "value": "yes"}


# Conditions


def test_a_well_formed_condition_has_no_errors():
    for operator in ("equals", "contains", "at_least"):
        assert validate_condition_shape({**COND, "operator": operator}) == []
    assert validate_condition_shape({**COND, "value": None}) == []


@pytest.mark.parametrize("condition", [None, "a equals yes", ["a", "equals", "yes"]])
def test_a_condition_must_be_an_object(condition):
    assert validate_condition_shape(condition) == ["the condition must be an object."]


def test_every_missing_part_of_a_condition_is_named():
    assert validate_condition_shape({}) == [
        "the condition needs the key of the question it depends on.",
        "the condition operator must be one of equals, contains, at_least.",
        "the condition needs a value.",
    ]


@pytest.mark.parametrize("source", ["", 7, None])
def test_a_condition_needs_a_question_key(source):
    assert validate_condition_shape({**COND, "question": source}) == [
        "the condition needs the key of the question it depends on."
    ]


@pytest.mark.parametrize("operator", ["not_equals", "at_most", "in", "unanswered", "EQUALS"])
def test_a_condition_uses_only_the_condition_operators(operator):
    assert validate_condition_shape({**COND, "operator": operator}) == [
        "the condition operator must be one of equals, contains, at_least."
    ]


def test_a_graph_of_conditions_on_earlier_questions_is_valid():
    questions = [QuestionRef("a", None), QuestionRef("b", COND), QuestionRef("c", {**COND, "question": "b"})]
    assert validate_condition_graph(iter(questions)) == []


def test_each_bad_reference_in_the_graph_gets_its_own_message():
    errors = validate_condition_graph(
        [
            QuestionRef("a", {**COND, "question": "b"}),
            QuestionRef("b", {**COND, "question": "b"}),
            QuestionRef("c", {**COND, "question": "zzz"}),
            QuestionRef("d", {"question": "a", "operator": "bigger"}),
        ]
    )
    assert errors == [
        "a: the condition refers to 'b', which comes later; "
        "conditions may only refer to earlier questions (this also rules out cycles).",
        "b: the condition refers to the question itself (a cycle).",
        "c: the condition refers to 'zzz', which does not exist.",
        "d: the condition operator must be one of equals, contains, at_least.",
        "d: the condition needs a value.",
    ]


def test_an_empty_condition_is_no_condition():
    assert validate_condition_graph([QuestionRef("a", {}), QuestionRef("b", None)]) == []


# Options


@pytest.mark.parametrize("qtype", ["radio", "", "Yes_No"])
def test_an_unknown_question_type_is_named(qtype):
    assert validate_options(qtype, {}) == [f"unknown question type {qtype!r}."]


@pytest.mark.parametrize("options", [None, [], "choices"])
def test_options_must_be_an_object(options):
    assert validate_options("short_text", options) == ["options must be an object."]


@pytest.mark.parametrize(
    "qtype", ["yes_no", "short_text", "long_text", "number", "date", "url", "file", "table", "multi_choice"]
)
def test_every_question_type_is_known(qtype):
    assert validate_options(qtype, {}) != ["unknown question type " + repr(qtype) + "."]


@pytest.mark.parametrize("qtype", ["single_choice", "multi_choice"])
@pytest.mark.parametrize("choices", [None, [], {"a": "A"}])
def test_a_choice_question_needs_choices(qtype, choices):
    assert validate_options(qtype, {"choices": choices}) == ["a choice question needs at least one choice."]


@pytest.mark.parametrize(
    "choices",
    [[{"value": "a"}, {"value": ""}], [{"value": "a"}, "b"], [{"label": "A"}], [{"value": 1}]],
)
def test_every_choice_needs_a_value(choices):
    assert validate_options("multi_choice", {"choices": choices}) == [
        "every choice needs a non-empty value and a label."
    ]


def test_choice_values_must_be_unique():
    choices = [{"value": "a"}, {"value": "b"}, {"value": "a"}]
    assert validate_options("single_choice", {"choices": choices}) == ["choice values must be unique."]


def test_choices_are_only_checked_on_choice_questions():
    assert validate_options("yes_no", {}) == []
    assert validate_options("short_text", {"choices": []}) == []


@pytest.mark.parametrize(
    "options",
    [{}, {"min": 0}, {"max": 365}, {"min": 0, "max": 0}, {"min": "1.5", "max": 2}, {"unit": "days"}],
)
def test_number_bounds_that_make_sense(options):
    assert validate_options("number", options) == []


def test_number_bounds_must_be_numbers():
    assert validate_options("number", {"min": "zero", "max": True}) == [
        "min must be a number.",
        "max must be a number.",
    ]


def test_min_must_not_exceed_max():
    assert validate_options("number", {"min": 10, "max": "9.5"}) == ["min must not be greater than max."]


def test_number_bounds_are_only_checked_on_number_questions():
    assert validate_options("short_text", {"min": 10, "max": 1}) == []


COLUMNS = [{"key": "subgroup", "label": "Subgroup"}, {"key": "n", "label": "n"}]


def test_a_table_with_columns_is_valid():
    assert validate_options("table", {"columns": COLUMNS}) == []
    assert (
        validate_options("table", {"columns": COLUMNS, "required_rows": ["Female"], "row_key": "subgroup"})
        == []
    )
    assert validate_options("table", {"columns": COLUMNS, "required_rows": [], "row_key": "zzz"}) == []


@pytest.mark.parametrize("columns", [None, [], {"key": "n"}])
def test_a_table_needs_columns(columns):
    assert validate_options("table", {"columns": columns}) == ["a table question needs at least one column."]


@pytest.mark.parametrize(
    "columns", [[{"key": "n"}, {"key": ""}], [{"key": "n"}, "m"], [{"label": "N"}], [{"key": 3}]]
)
def test_every_column_needs_a_key(columns):
    assert validate_options("table", {"columns": columns}) == ["every column needs a key and a label."]


def test_column_keys_must_be_unique():
    assert validate_options("table", {"columns": [*COLUMNS, {"key": "n"}]}) == ["column keys must be unique."]


@pytest.mark.parametrize("row_key", [None, "zzz"])
def test_required_rows_need_a_row_key_naming_a_column(row_key):
    assert validate_options(
        "table", {"columns": COLUMNS, "required_rows": ["Female"], "row_key": row_key}
    ) == ["required_rows needs row_key naming one of the columns."]


# Scoring rules


def test_no_scoring_rule_is_valid():
    assert validate_scoring("yes_no", None) == []


@pytest.mark.parametrize("scoring", [[], "yes", 1])
def test_a_scoring_rule_must_be_an_object(scoring):
    assert validate_scoring("yes_no", scoring) == ["the scoring rule must be an object."]


@pytest.mark.parametrize(
    ("qtype", "scoring", "options"),
    [
        ("yes_no", {"expected": "yes"}, None),
        ("yes_no", {"expected": "no"}, None),
        ("single_choice", {"points": {"a": 0, "b": 100}}, CHOICES),
        ("single_choice", {"points": {"a": "50.5"}}, CHOICES),
        ("multi_choice", {"points": {"a": 10}}, CHOICES),
        ("multi_choice", {"points": {"a": 10}, "mode": "sum"}, CHOICES),
        ("multi_choice", {"points": {"a": 10}, "mode": "max"}, CHOICES),
        ("number", {"bands": [{"min": None, "max": 10, "points": 0}, {"min": "10", "points": 100}]}, None),
        ("short_text", {"min_length": 0}, None),
        ("long_text", {"min_length": 200}, None),
        ("url", {"present": True}, None),
        ("date", {"max_age_days": 1}, None),
        ("file", {}, None),
        ("file", {"require_unexpired": True, "max_age_days": 365}, None),
        ("file", {"require_unexpired": False, "max_age_days": None}, None),
        ("table", {}, None),
        ("table", {"min_rows": 0, "require_all_rows": True}, None),
        ("table", {"min_rows": 3, "require_all_rows": False}, None),
        ("short_text", {"min_length": 1, "critical": None}, None),
    ],
)
def test_well_formed_rules_have_no_errors(qtype, scoring, options):
    assert validate_scoring(qtype, scoring, options) == []


@pytest.mark.parametrize("expected", ["Yes", None, True])
def test_a_yes_no_rule_needs_the_expected_answer(expected):
    assert validate_scoring("yes_no", {"expected": expected}) == ["a yes/no rule needs expected: yes or no."]


@pytest.mark.parametrize("qtype", ["single_choice", "multi_choice"])
@pytest.mark.parametrize("points", [None, {}, [100]])
def test_a_choice_rule_needs_points(qtype, points):
    assert validate_scoring(qtype, {"points": points}, CHOICES) == [
        "a choice rule needs points for its choices."
    ]


def test_points_must_name_existing_choices_in_sorted_order():
    assert validate_scoring("single_choice", {"points": {"z": 1, "a": 1, "c": 2}}, CHOICES) == [
        "points name choices that do not exist: c, z."
    ]


def test_points_without_options_name_no_existing_choice():
    assert validate_scoring("single_choice", {"points": {"a": 1}}) == [
        "points name choices that do not exist: a."
    ]


@pytest.mark.parametrize("value", [-1, 100.5, "many", None, True])
def test_points_must_be_from_0_to_100(value):
    assert validate_scoring("single_choice", {"points": {"a": 100, "b": value}}, CHOICES) == [
        "points must be numbers from 0 to 100."
    ]


def test_unknown_choices_and_bad_points_are_both_reported():
    assert validate_scoring("single_choice", {"points": {"zz": 101}}, CHOICES) == [
        "points name choices that do not exist: zz.",
        "points must be numbers from 0 to 100.",
    ]


def test_a_multi_choice_mode_is_sum_or_max():
    assert validate_scoring("multi_choice", {"points": {"a": 1}, "mode": "avg"}, CHOICES) == [
        "mode must be sum or max."
    ]
    assert validate_scoring("single_choice", {"points": {"a": 1}, "mode": "avg"}, CHOICES) == []


@pytest.mark.parametrize("bands", [None, [], {"min": 0}])
def test_a_number_rule_needs_bands(bands):
    assert validate_scoring("number", {"bands": bands}) == ["a number rule needs at least one band."]


@pytest.mark.parametrize(
    "bands",
    [
        [{"min": 0, "points": 101}],
        [{"min": 0, "points": 50}, {"min": 1}],
        [{"min": 0, "points": 50}, "band", {"min": "x", "points": 1}],
        [{"points": -0.5}],
    ],
)
def test_every_band_needs_points_from_0_to_100(bands):
    assert validate_scoring("number", {"bands": bands}) == ["every band needs points from 0 to 100."]


def test_band_bounds_must_be_numbers():
    bands = [{"min": 0, "points": 50}, {"min": "ten", "points": 1}, {"min": "x", "points": 1}]
    assert validate_scoring("number", {"bands": bands}) == ["band bounds must be numbers."]


@pytest.mark.parametrize("qtype", ["short_text", "long_text"])
@pytest.mark.parametrize("scoring", [{}, {"min_length": -1}, {"min_length": "10"}, {"min_length": 2.5}])
def test_a_text_rule_needs_a_whole_min_length(qtype, scoring):
    assert validate_scoring(qtype, scoring) == ["a text rule needs min_length, a whole number of characters."]


@pytest.mark.parametrize("scoring", [{}, {"present": "true"}, {"present": 1}, {"present": False}])
def test_a_url_rule_is_present_true(scoring):
    assert validate_scoring("url", scoring) == ["a URL rule is {present: true}."]


@pytest.mark.parametrize("scoring", [{}, {"max_age_days": 0}, {"max_age_days": -30}, {"max_age_days": "365"}])
def test_a_date_rule_needs_a_positive_max_age(scoring):
    assert validate_scoring("date", scoring) == ["a date rule needs max_age_days, a positive whole number."]


def test_a_file_rule_checks_each_setting():
    assert validate_scoring("file", {"require_unexpired": "yes"}) == [
        "require_unexpired must be true or false."
    ]
    for age in (0, -1, "365", 1.5):
        assert validate_scoring("file", {"max_age_days": age}) == [
            "max_age_days must be a positive whole number."
        ]
    assert validate_scoring("file", {"max_age_days": 1}) == []


def test_a_table_rule_checks_each_setting():
    for rows in (-1, "2", 1.5, None):
        assert validate_scoring("table", {"min_rows": rows}) == ["min_rows must be a whole number."]
    assert validate_scoring("table", {"require_all_rows": "yes"}) == [
        "require_all_rows must be true or false."
    ]


KNOCKOUT = {"operator": "equals", "value": "no", "reason": "No BAA"}


@pytest.mark.parametrize(
    "operator", ["equals", "not_equals", "contains", "at_least", "at_most", "in", "unanswered"]
)
def test_every_knockout_operator_is_accepted(operator):
    assert (
        validate_scoring("yes_no", {"expected": "yes", "critical": {**KNOCKOUT, "operator": operator}}) == []
    )


@pytest.mark.parametrize("cap", ["high", "critical"])
def test_a_knockout_may_cap_at_high_or_critical(cap):
    assert validate_scoring("yes_no", {"expected": "yes", "critical": {**KNOCKOUT, "cap_tier": cap}}) == []


@pytest.mark.parametrize("critical", [[], "no", 0])
def test_a_knockout_must_be_an_object(critical):
    assert validate_scoring("yes_no", {"expected": "yes", "critical": critical}) == [
        "critical must be an object."
    ]


def test_every_fault_of_a_knockout_is_named():
    assert validate_scoring(
        "yes_no", {"expected": "yes", "critical": {"operator": "is", "cap_tier": "moderate"}}
    ) == [
        "the knock-out operator must be one of "
        "equals, not_equals, contains, at_least, at_most, in, unanswered.",
        "a knock-out needs the reason shown to reviewers.",
        "cap_tier must be high or critical.",
    ]


def test_a_knockout_is_checked_whatever_the_question_type():
    assert validate_scoring("file", {"critical": {"operator": "unanswered"}}) == [
        "a knock-out needs the reason shown to reviewers."
    ]


def test_rule_errors_and_knockout_errors_add_up():
    assert validate_scoring("yes_no", {"expected": "maybe", "critical": {**KNOCKOUT, "reason": ""}}) == [
        "a yes/no rule needs expected: yes or no.",
        "a knock-out needs the reason shown to reviewers.",
    ]


# References


def test_references_with_citation_and_standing_are_valid():
    references = [
        {"citation": "45 CFR 164.502(e)", "standing": s} for s in ("law", "proposed", "guidance", "voluntary")
    ]
    assert validate_references(references) == []
    assert validate_references([]) == []


@pytest.mark.parametrize("references", [None, {"citation": "x"}, "45 CFR"])
def test_references_must_be_a_list(references):
    assert validate_references(references) == ["references must be a list."]


def test_each_bad_reference_gets_its_message():
    assert validate_references(
        ["45 CFR", {"standing": "law"}, {"citation": "x", "standing": "rumour"}, {"citation": "y"}]
    ) == [
        "every reference needs its citation text.",
        "every reference needs its citation text.",
        "a reference's standing must be one of law, proposed, guidance, voluntary.",
        "a reference's standing must be one of law, proposed, guidance, voluntary.",
    ]


# Dates


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("2024-03-31", datetime.date(2024, 3, 31)),
        ("2024-02-30", None),
        ("", None),
        (None, None),
        (20240331, None),
    ],
)
def test_parse_date(value, parsed):
    assert parse_date(value) == parsed
