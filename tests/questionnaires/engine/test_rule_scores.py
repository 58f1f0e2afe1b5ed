"""The exact score each rule gives, at the edges test_scoring.py does not reach."""

from __future__ import annotations

import datetime

import pytest

from questionnaires.engine.scoring import QuestionSpec, rule_score, table_row_complete, valid_files

TODAY = datetime.date(2026, 11, 20)
RECENT = datetime.datetime(2026, 6, 1, 12, 0)
OLD = datetime.datetime(2025, 1, 1, 12, 0)
COLUMNS = {"columns": [{"key": "subgroup"}, {"key": "n"}]}
REQUIRED = {**COLUMNS, "row_key": "subgroup", "required_rows": ["Female", "Male"]}


def score(qtype, scoring, value, files=(), options=None):
    return rule_score(QuestionSpec("q", qtype, options=options or {}, scoring=scoring), value, files, TODAY)


def test_valid_files_keeps_exactly_the_files_that_pass_in_order():
    rule = {"require_unexpired": True, "max_age_days": 365}
    files = [
        (OLD, None),
        (RECENT, datetime.date(2026, 11, 19)),
        (RECENT, None),
        (datetime.date(2026, 11, 20), TODAY),
    ]
    assert valid_files(files, rule, TODAY) == [(RECENT, None), (datetime.date(2026, 11, 20), TODAY)]


def test_a_too_old_first_file_does_not_hide_a_recent_one():
    rule = {"max_age_days": 30}
    assert score("file", rule, None, [(OLD, None), (RECENT.replace(month=11), None)]) == 100.0
    assert score("file", rule, None, [(OLD, None)]) == 0.0


def test_without_freshness_conditions_every_file_counts():
    assert valid_files([(OLD, datetime.date(2020, 1, 1))], {}, TODAY) == [(OLD, datetime.date(2020, 1, 1))]


def test_table_rows_count_as_complete_only_with_every_column_filled():
    assert table_row_complete({"subgroup": "Female", "n": 0}, ["subgroup", "n"]) is True
    assert table_row_complete({"subgroup": " ", "n": 3}, ["subgroup", "n"]) is False
    assert table_row_complete({"subgroup": "Female"}, ["subgroup", "n"]) is False
    assert table_row_complete(["Female", 3], ["subgroup", "n"]) is False
    assert table_row_complete({}, []) is True


@pytest.mark.parametrize("value", ["Female: 0.8", ({"subgroup": "Female", "n": 1},), {"subgroup": "Female"}])
def test_a_table_answer_that_is_not_a_list_of_rows_scores_zero(value):
    assert score("table", {}, value, options=COLUMNS) == 0.0


def test_a_table_scores_the_share_of_complete_rows_to_two_decimals():
    rows = [{"subgroup": "Female", "n": 1}, {"subgroup": "Male", "n": None}, {"subgroup": "", "n": 2}]
    assert score("table", {}, rows, options=COLUMNS) == 33.33
    assert score("table", {}, rows[:2], options=COLUMNS) == 50.0


def test_a_table_without_columns_counts_every_row_as_complete():
    assert score("table", {}, [{"anything": None}], options={}) == 100.0


def test_required_rows_count_only_when_the_rule_asks_for_them():
    rows = [{"subgroup": "Female", "n": 1}, {"subgroup": "Other", "n": 2}, {"subgroup": "x", "n": None}]
    assert score("table", {"require_all_rows": True}, rows, options=REQUIRED) == 50.0
    assert score("table", {"require_all_rows": False}, rows, options=REQUIRED) == 66.67


def test_required_rows_without_a_row_key_fall_back_to_complete_rows():
    options = {**REQUIRED, "row_key": None}
    rows = [{"subgroup": "Female", "n": 1}, {"subgroup": "Other", "n": 2}, {"subgroup": "x", "n": None}]
    assert score("table", {"require_all_rows": True}, rows, options=options) == 66.67


def test_a_row_key_without_required_rows_falls_back_to_complete_rows():
    options = {**REQUIRED, "required_rows": []}
    rows = [{"subgroup": "Female", "n": 1}, {"subgroup": "Other", "n": None}]
    assert score("table", {"require_all_rows": True}, rows, options=options) == 50.0


def test_min_rows_scales_a_short_table_down():
    rows = [{"subgroup": "Female", "n": 1}, {"subgroup": "Male", "n": 2}]
    assert score("table", {"min_rows": 3}, rows, options=COLUMNS) == 66.67
    assert score("table", {"min_rows": 2}, rows, options=COLUMNS) == 100.0
    assert score("table", {"min_rows": 3, "require_all_rows": True}, rows, options=REQUIRED) == 66.67


@pytest.mark.parametrize("qtype", ["short_text", "long_text"])
def test_an_empty_text_scores_zero_even_when_no_length_is_required(qtype):
    assert score(qtype, {"min_length": 0}, "") == 0.0
    assert score(qtype, {"min_length": 0}, " ") == 100.0


def test_a_choice_rule_without_points_scores_zero():
    assert score("single_choice", {}, "a") == 0.0
    assert score("multi_choice", {}, ["a"]) == 0.0
    assert score("multi_choice", {"mode": "max"}, ["a"]) == 0.0


def test_unlisted_or_unreadable_choice_points_add_nothing():
    rule = {"points": {"images": 70, "notes": "n/a"}}
    assert score("multi_choice", rule, ["images", "zzz"]) == 70.0
    assert score("multi_choice", rule, ["images", "notes"]) == 70.0
    assert score("single_choice", rule, "notes") == 0.0


def test_a_multi_choice_stored_as_one_value_scores_that_value():
    rule = {"points": {"images": 70, "i": 20, "m": 20}}
    assert score("multi_choice", rule, "images") == 70.0
    assert score("multi_choice", {**rule, "mode": "max"}, "images") == 70.0


def test_a_number_rule_without_bands_scores_zero():
    assert score("number", {}, 12) == 0.0


def test_a_band_worth_zero_points_scores_zero():
    rule = {"bands": [{"min": 0, "max": 10, "points": 0}, {"min": 11, "points": 100}]}
    assert score("number", rule, 5) == 0.0
    assert score("number", rule, 11) == 100.0


def test_a_text_exactly_at_its_minimum_length_scores():
    assert score("short_text", {"min_length": 5}, " abcde ") == 100.0
    assert score("short_text", {"min_length": 5}, "abcd") == 0.0
    assert score("long_text", {}, "a") == 100.0


@pytest.mark.parametrize(
    ("value", "points"),
    [
        ("http://vendor.example", 100.0),
        ("HTTPS://VENDOR.EXAMPLE", 100.0),
        (" https://x.example", 100.0),
        ("ftp://x", 0.0),
    ],
)
def test_a_url_rule_accepts_http_and_https_in_any_case(value, points):
    assert score("url", {"present": True}, value) == points


def test_a_date_of_today_is_within_any_maximum_age():
    assert score("date", {"max_age_days": 30}, "2026-11-20") == 100.0
    assert score("date", {}, "2026-11-20") == 100.0
    assert score("date", {}, "2026-11-19") == 0.0


def test_an_unknown_question_type_scores_zero():
    assert score("colour", {}, "blue") == 0.0
