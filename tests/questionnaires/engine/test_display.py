"""How an answer reads on the screens, in the PDF report and in the exports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from questionnaires.engine.display import (
    format_answer,
    format_date,
    format_number,
    format_score,
    format_size,
    spreadsheet_safe,
)

CHOICES = {"choices": [{"value": "cleared_510k", "label": "510(k) cleared"}, {"value": "pma", "label": ""}]}
MODALITIES = {
    "choices": [
        {"value": "medical_images", "label": "Medical images"},
        {"value": "ehr_structured", "label": "Structured EHR data"},
    ]
}
SUBGROUPS = {
    "columns": [
        {"key": "subgroup", "label": "Subgroup", "type": "text"},
        {"key": "n", "label": "n", "type": "number"},
        {"key": "ci95", "label": ""},
    ]
}


def shown(qtype, value, options=None, **kwargs):
    return format_answer(qtype=qtype, options=options, value=value, **kwargs)


def test_every_answer_has_the_same_five_parts():
    assert shown("short_text", "Hosted in the EU") == {
        "kind": "text",
        "text": "Hosted in the EU",
        "items": [],
        "columns": [],
        "rows": [],
    }


@pytest.mark.parametrize("qtype", ["yes_no", "number", "table", "file", "multi_choice"])
def test_not_applicable_reads_not_applicable_whatever_the_stored_value(qtype):
    assert shown(qtype, "yes", is_not_applicable=True, file_names=["baa.pdf"]) == {
        "kind": "na",
        "text": "Not applicable",
        "items": [],
        "columns": [],
        "rows": [],
    }


@pytest.mark.parametrize("empty", [None, "", [], {}])
def test_an_empty_answer_reads_not_answered(empty):
    assert shown("short_text", empty) == {
        "kind": "empty",
        "text": "Not answered",
        "items": [],
        "columns": [],
        "rows": [],
    }


def test_a_file_question_without_files_reads_no_file_provided():
    assert shown("file", None) == {
        "kind": "empty",
        "text": "No file provided",
        "items": [],
        "columns": [],
        "rows": [],
    }


def test_a_file_question_lists_its_files_in_order():
    result = shown("file", None, file_names=iter(["soc2.pdf", "pentest.pdf"]))
    assert result == {
        "kind": "files",
        "text": "soc2.pdf; pentest.pdf",
        "items": ["soc2.pdf", "pentest.pdf"],
        "columns": [],
        "rows": [],
    }


@pytest.mark.parametrize(("value", "text"), [("yes", "Yes"), ("no", "No"), ("maybe", "maybe")])
def test_yes_no_reads_yes_or_no(value, text):
    assert shown("yes_no", value) == {"kind": "text", "text": text, "items": [], "columns": [], "rows": []}


@pytest.mark.parametrize(
    ("value", "text"),
    [("cleared_510k", "510(k) cleared"), ("pma", "pma"), ("withdrawn", "withdrawn")],
)
def test_single_choice_reads_the_label_or_else_the_stored_value(value, text):
    assert shown("single_choice", value, CHOICES)["text"] == text
    assert shown("single_choice", value, CHOICES)["kind"] == "text"


def test_a_choice_without_options_reads_its_stored_value():
    assert shown("single_choice", "pma", None)["text"] == "pma"


def test_multi_choice_lists_labels_in_the_stored_order():
    result = shown("multi_choice", ["ehr_structured", "medical_images", "audio"], MODALITIES)
    assert result == {
        "kind": "list",
        "text": "Structured EHR data; Medical images; audio",
        "items": ["Structured EHR data", "Medical images", "audio"],
        "columns": [],
        "rows": [],
    }


def test_a_single_stored_value_of_a_multi_choice_reads_as_a_one_item_list():
    result = shown("multi_choice", "medical_images", MODALITIES)
    assert result["kind"] == "list"
    assert result["items"] == ["Medical images"]
    assert result["text"] == "Medical images"


def test_a_number_reads_with_thousands_separators_and_its_unit():
    assert shown("number", 1500, {"unit": "days"})["text"] == "1,500 days"
    assert shown("number", 12.5, {})["text"] == "12.5"
    assert shown("number", 60)["kind"] == "text"


@pytest.mark.parametrize(
    ("value", "text"),
    [("2024-03-05", "5 March 2024"), ("2026-12-31", "31 December 2026"), ("2024-13-01", "2024-13-01")],
)
def test_a_date_reads_as_day_month_year(value, text):
    assert shown("date", value)["text"] == text
    assert format_date(value) == text


def test_a_table_reads_as_labelled_columns_and_formatted_cells():
    rows = [
        {"subgroup": "Female", "n": 1200, "ci95": "0.81-0.85"},
        "not a row",
        {"subgroup": "Male", "n": None, "ci95": 0.8},
    ]
    result = shown("table", rows, {"columns": [*SUBGROUPS["columns"], "not a column"]})
    assert result == {
        "kind": "table",
        "text": "Subgroup: Female, n: 1,200, ci95: 0.81-0.85 | Subgroup: Male, n: , ci95: 0.8",
        "items": [],
        "columns": ["Subgroup", "n", "ci95"],
        "rows": [["Female", "1,200", "0.81-0.85"], ["Male", "", "0.8"]],
    }


def test_a_number_column_formats_and_a_text_column_keeps_the_digits_as_typed():
    columns = {"columns": [{"key": "a", "label": "A", "type": "number"}, {"key": "b", "label": "B"}]}
    result = shown("table", [{"a": "2500", "b": "2500"}], columns)
    assert result["rows"] == [["2,500", "2500"]]


@pytest.mark.parametrize("value", [{"subgroup": "Female"}, ({"subgroup": "Female", "n": 3},), "Female"])
def test_a_table_stored_in_another_shape_reads_as_no_rows(value):
    result = shown("table", value, SUBGROUPS)
    assert result == {
        "kind": "table",
        "text": "",
        "items": [],
        "columns": ["Subgroup", "n", "ci95"],
        "rows": [],
    }


def test_a_table_without_options_has_no_columns():
    assert shown("table", [{"subgroup": "Female"}], None) == {
        "kind": "table",
        "text": "",
        "items": [],
        "columns": [],
        "rows": [[]],
    }


@pytest.mark.parametrize(
    ("qtype", "value"), [("long_text", "Line one"), ("url", "https://x.example"), ("x", 7)]
)
def test_other_answers_read_as_their_text(qtype, value):
    assert shown(qtype, value) == {"kind": "text", "text": str(value), "items": [], "columns": [], "rows": []}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "True"),
        (False, "False"),
        (0, "0"),
        (1234567, "1,234,567"),
        (-2500, "-2,500"),
        (1000.0, "1,000"),
        ("12.50", "12.5"),
        (1234.5, "1,234.5"),
        (Decimal("0.000001"), "0.000001"),
        ("12,5", "12,5"),
        ("n/a", "n/a"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("score", "text"),
    [
        (None, "—"),
        ("", "—"),
        ("pending", "pending"),
        (72.46, "72.5"),
        (72.44, "72.4"),
        (100, "100"),
        (100.0, "100"),
        (0, "0"),
        (50.05, "50"),
        ("66.67", "66.7"),
    ],
)
def test_format_score_shows_at_most_one_decimal(score, text):
    assert format_score(score) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (None, ""),
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1024, "1.0 KB"),
        (1536, "1.5 KB"),
        (1024 * 1024 - 1, "1024.0 KB"),
        (1024 * 1024, "1.0 MB"),
        (5 * 1024 * 1024 + 512 * 1024, "5.5 MB"),
        (1024**3, "1.0 GB"),
        (3 * 1024**4, "3072.0 GB"),
    ],
)
def test_format_size(size, text):
    assert format_size(size) == text


@pytest.mark.parametrize("cell", ["=SUM(A1:A9)", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_is_quoted(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Hosted in the EU", "a=b", "", 5, None])
def test_other_cells_are_left_alone(cell):
    assert spreadsheet_safe(cell) == cell
