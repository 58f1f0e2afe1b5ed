"""The rule a vendor can rely on while filling in a table: complete rows save, others wait."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from questionnaires.engine.answers import clean_table, clean_value
from tests.factories import QuestionFactory

OPTIONS = {
    "columns": [
        {"key": "subgroup", "label": "Subgroup"},
        {"key": "n", "label": "N", "type": "number"},
        {"key": "auroc", "label": "AUROC", "type": "number"},
    ],
    "row_key": "subgroup",
    "required_rows": ["Female", "Male", "Age 65+"],
}


def _row(subgroup="", n="", auroc=""):
    return {"subgroup": subgroup, "n": n, "auroc": auroc}


def test_complete_rows_are_stored_with_numbers_as_numbers():
    table = clean_table(OPTIONS, [_row("Female", "1,200", "0.91"), _row("Male", "980", "0.9")])
    assert table.rows == [
        {"subgroup": "Female", "n": 1200, "auroc": 0.91},
        {"subgroup": "Male", "n": 980, "auroc": 0.9},
    ]
    assert table.held == []


def test_blank_rows_and_rows_with_only_their_prefilled_label_are_ignored():
    table = clean_table(
        OPTIONS, [_row("Female", "1200", "0.91"), _row(), _row("Male"), _row("  age 65+ "), _row()]
    )
    assert table.rows == [{"subgroup": "Female", "n": 1200, "auroc": 0.91}]
    assert table.held == []


def test_a_partly_filled_row_is_held_back_while_the_complete_rows_are_stored():
    table = clean_table(
        OPTIONS, [_row("Female", "1200", "0.91"), _row("Male", "980"), _row("Age 65+", "400", "0.88")]
    )
    assert table.rows == [
        {"subgroup": "Female", "n": 1200, "auroc": 0.91},
        {"subgroup": "Age 65+", "n": 400, "auroc": 0.88},
    ]
    assert table.held == ["Row 2: fill in every column to save this row (missing: AUROC)."]


def test_a_label_that_is_not_a_prefilled_one_counts_as_typed():
    table = clean_table(OPTIONS, [_row("Under 18")])
    assert table.rows == []
    assert table.held == ["Row 1: fill in every column to save this row (missing: N, AUROC)."]


def test_cells_without_their_label_are_held_back():
    table = clean_table(OPTIONS, [_row("", "12", "0.7")])
    assert table.held == ["Row 1: fill in every column to save this row (missing: Subgroup)."]


def test_a_complete_row_with_a_bad_number_is_held_back_with_the_reason():
    table = clean_table(OPTIONS, [_row("Female", "lots", "0.91"), _row("Male", "980", "0.9")])
    assert table.rows == [{"subgroup": "Male", "n": 980, "auroc": 0.9}]
    assert table.held == ["Row 1: N must be a number, for example 12 or 12.5. The row was not saved."]


def test_rows_are_numbered_as_the_vendor_sees_them_blank_rows_included():
    table = clean_table(OPTIONS, [_row(), _row(), _row("Male", "980")])
    assert table.held == ["Row 3: fill in every column to save this row (missing: AUROC)."]


def test_an_overlong_cell_is_held_back():
    table = clean_table(OPTIONS, [_row("x" * 501, "1", "0.5")])
    assert table.rows == []
    assert table.held == ["Row 1: keep each cell within 500 characters. The row was not saved."]


def test_an_unreadable_table_or_too_many_rows_is_refused_as_a_whole():
    with pytest.raises(ValidationError, match="could not be read"):
        clean_table(OPTIONS, "Female,12")
    with pytest.raises(ValidationError, match="at most 200 rows"):
        clean_table(OPTIONS, [_row("Female", "1", "0.5")] * 201)


def test_nothing_typed_is_an_empty_table():
    assert clean_table(OPTIONS, None).rows == []
    assert clean_table(OPTIONS, [_row(), _row("Female")]).rows == []


def test_the_all_or_nothing_check_refuses_held_rows_and_ignores_prefilled_labels():
    question = QuestionFactory.build(type="table", options=OPTIONS)
    assert clean_value(question, [_row("Female", "1", "0.5"), _row("Male")]) == [
        {"subgroup": "Female", "n": 1, "auroc": 0.5}
    ]
    assert clean_value(question, [_row("Female"), _row("Male")]) is None
    with pytest.raises(ValidationError) as exc:
        clean_value(question, [_row("Female", "1")])
    assert exc.value.messages == ["Row 1: fill in every column to save this row (missing: AUROC)."]
