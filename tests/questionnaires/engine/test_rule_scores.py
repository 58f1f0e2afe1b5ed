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
