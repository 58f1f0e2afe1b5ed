"""What a vendor may type into each kind of question, and the message shown when it is refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from questionnaires.engine.answers import AnswerConflict, clean_value, is_empty

CHOICES = {"choices": [{"value": "sum", "label": "Sum"}, {"value": "max", "label": "Max"}, "not a choice"]}
SUBGROUPS = {
    "columns": [
        {"key": "subgroup", "label": "Subgroup"},
        {"key": "n", "label": "Sample size", "type": "number"},
        {"key": "ci95"},
        "not a column",
    ]
}


def question(qtype, options=None):
    return SimpleNamespace(type=qtype, options=options)


def refused(qtype, raw, options=None):
    with pytest.raises(ValidationError) as error:
        clean_value(question(qtype, options), raw)
    return error.value


@pytest.mark.parametrize(
    "qtype", ["yes_no", "single_choice", "short_text", "long_text", "number", "date", "url"]
)
@pytest.mark.parametrize("raw", [None, "", "   ", [], [""]])
def test_an_empty_input_clears_the_answer(qtype, raw):
    assert clean_value(question(qtype, CHOICES), raw) is None


@pytest.mark.parametrize(("raw", "stored"), [("yes", "yes"), (" no ", "no"), (["no", "yes"], "yes")])
def test_yes_no_keeps_yes_or_no_and_the_last_of_several_inputs(raw, stored):
    assert clean_value(question("yes_no"), raw) == stored


@pytest.mark.parametrize("raw", ["Yes", "maybe", "true"])
def test_yes_no_refuses_anything_else(raw):
    error = refused("yes_no", raw)
    assert error.messages == ["Choose yes or no."]
    assert error.code == "choice"


def test_single_choice_keeps_a_listed_value():
    assert clean_value(question("single_choice", CHOICES), " max ") == "max"


@pytest.mark.parametrize("options", [CHOICES, None, {}])
def test_single_choice_refuses_an_unlisted_value(options):
    error = refused("single_choice", "median", options)
    assert error.messages == ["Choose one of the listed options."]
    assert error.code == "choice"


def test_multi_choice_keeps_listed_values_once_in_the_listed_order():
    assert clean_value(question("multi_choice", CHOICES), ["max", "sum", "max", " "]) == ["sum", "max"]


def test_multi_choice_accepts_one_value_given_alone():
    assert clean_value(question("multi_choice", CHOICES), "max") == ["max"]


@pytest.mark.parametrize("raw", [None, "", [], ["", "  "]])
def test_multi_choice_with_nothing_chosen_clears_the_answer(raw):
    assert clean_value(question("multi_choice", CHOICES), raw) is None


@pytest.mark.parametrize("raw", [["sum", "median"], ["Sum"], [" sum"]])
def test_multi_choice_refuses_an_unlisted_value(raw):
    error = refused("multi_choice", raw, CHOICES)
    assert error.messages == ["Choose only among the listed options."]
    assert error.code == "choice"


@pytest.mark.parametrize("raw", [None, "soc2.pdf"])
def test_a_file_question_takes_no_typed_answer(raw):
    error = refused("file", raw)
    assert error.messages == ["Attach the document with the upload button."]
    assert error.code == "file"


@pytest.mark.parametrize(("qtype", "limit"), [("short_text", 500), ("long_text", 20000)])
def test_text_up_to_its_default_limit_is_kept_trimmed(qtype, limit):
    assert clean_value(question(qtype), "  " + "a" * limit + "  ") == "a" * limit


@pytest.mark.parametrize(("qtype", "limit"), [("short_text", 500), ("long_text", 20000)])
def test_text_over_its_default_limit_is_refused_with_both_lengths(qtype, limit):
    error = refused(qtype, "a" * (limit + 1))
    assert error.messages == [f"Keep the answer within {limit} characters (it has {limit + 1})."]
    assert error.code == "max_length"


def test_a_question_may_set_its_own_text_limit():
    assert clean_value(question("short_text", {"max_length": 10}), "a" * 10) == "a" * 10
    error = refused("short_text", "a" * 11, {"max_length": 10})
    assert error.messages == ["Keep the answer within 10 characters (it has 11)."]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("12", 12),
        ("12.0", 12),
        ("12.5", 12.5),
        (" 1,500 ", 1500),
        ("-3", -3),
        ("1e15", 10**15),
        ("-1e15", -(10**15)),
        ("0.1", 0.1),
        (["1", "2"], 2),
    ],
)
def test_a_number_is_stored_as_a_whole_number_when_it_is_one(raw, stored):
    value = clean_value(question("number"), raw)
    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize("raw", ["twelve", "12 days", "NaN", "inf", "-Infinity", "1.2.3"])
def test_a_number_must_be_a_finite_number(raw):
    error = refused("number", raw)
    assert error.messages == ["The answer must be a number, for example 12 or 12.5."]
    assert error.code == "number"


@pytest.mark.parametrize(
    ("raw", "options", "message"),
    [
        ("1e16", {}, "between -1,000,000,000,000,000 and 1,000,000,000,000,000."),
        ("-1.1e15", {}, "between -1,000,000,000,000,000 and 1,000,000,000,000,000."),
        (
            "1000000000000001",
            {"unit": "patients"},
            "between -1,000,000,000,000,000 and 1,000,000,000,000,000 patients.",
        ),
    ],
)
def test_a_number_of_absurd_size_names_the_allowed_range(raw, options, message):
    error = refused("number", raw, options)
    assert (error.messages, error.code) == ([f"The answer must be {message}"], "range")


def test_a_number_outside_its_bounds_names_the_range_and_unit():
    options = {"min": "1", "max": 365, "unit": "days"}
    below, above = refused("number", "0.5", options), refused("number", "1e16", options)
    assert (below.messages, below.code) == (["The answer must be between 1 and 365 days."], "min")
    assert (above.messages, above.code) == (["The answer must be between 1 and 365 days."], "max")
    assert clean_value(question("number", options), "1") == 1
    assert clean_value(question("number", options), "365") == 365


def test_a_number_with_one_bound_names_that_bound_and_the_unit():
    at_least, at_most = {"min": 0, "unit": "%"}, {"max": 100}
    assert refused("number", "-1", at_least).messages == ["The answer must be at least 0 %."]
    assert refused("number", "101", at_most).messages == ["The answer must be at most 100."]
    assert refused("number", "-1", {"min": 0}).messages == ["The answer must be at least 0."]
    assert refused("number", "101", {"max": 100, "unit": "ms"}).messages == [
        "The answer must be at most 100 ms."
    ]
    assert clean_value(question("number", at_least), "0") == 0
    assert clean_value(question("number", at_most), "100") == 100


def test_a_table_cell_of_absurd_size_names_the_range():
    options = {"columns": [{"key": "n", "label": "n", "type": "number"}]}
    with pytest.raises(ValidationError) as caught:
        clean_value(question("table", options), [{"n": "1e16"}])
    assert caught.value.messages == [
        "Row 1: n must be between -1,000,000,000,000,000 and 1,000,000,000,000,000. The row was not saved."
    ]


@pytest.mark.parametrize(("raw", "stored"), [("2024-03-31", "2024-03-31"), (" 1900-01-01 ", "1900-01-01")])
def test_a_date_is_kept_as_iso(raw, stored):
    assert clean_value(question("date"), raw) == stored


def test_the_last_allowed_date_is_kept():
    assert clean_value(question("date"), "2200-12-31") == "2200-12-31"


@pytest.mark.parametrize(
    "raw", ["2024-02-30", "31/03/2024", "2024-3-31", "20240331", "2024-03-31T10:00", "soon"]
)
def test_a_date_must_be_a_real_iso_date(raw):
    error = refused("date", raw)
    assert error.messages == ["Enter a real date as YYYY-MM-DD, for example 2024-03-31."]
    assert error.code == "date"


@pytest.mark.parametrize("raw", ["1899-12-31", "2201-01-01", "0001-01-01"])
def test_a_date_must_lie_between_1900_and_2200(raw):
    error = refused("date", raw)
    assert error.messages == ["Enter a date between the years 1900 and 2200."]
    assert error.code == "date"


@pytest.mark.parametrize("raw", ["https://vendor.example/trust", "http://vendor.example"])
def test_a_web_address_is_kept(raw):
    assert clean_value(question("url"), f" {raw} ") == raw


def test_a_web_address_may_have_2000_characters_and_no_more():
    prefix = "https://vendor.example/"
    longest = prefix + "a" * (2000 - len(prefix))
    assert clean_value(question("url"), longest) == longest
    error = refused("url", longest + "a")
    assert error.messages == ["A web address may have at most 2000 characters."]
    assert error.code == "url"


@pytest.mark.parametrize("raw", ["vendor.example", "ftp://vendor.example", "https://", "mailto:a@b.example"])
def test_a_web_address_must_start_with_http_or_https(raw):
    error = refused("url", raw)
    assert error.messages == ["Enter a full web address starting with https:// (or http://)."]
    assert error.code == "url"


def test_an_unknown_question_type_is_refused_by_name():
    error = refused("colour", "blue")
    assert error.messages == ["Unknown question type 'colour'."]
    assert error.code == "type"


def test_a_table_keeps_filled_rows_with_numbers_cleaned_and_blank_rows_dropped():
    rows = [
        {"subgroup": " Female ", "n": "1,200", "ci95": "0.81-0.85", "extra": "dropped"},
        {"subgroup": "", "n": " ", "ci95": None},
        {"subgroup": "Male", "n": "950.5", "ci95": ["old", "0.79-0.84"]},
    ]
    assert clean_value(question("table", SUBGROUPS), rows) == [
        {"subgroup": "Female", "n": 1200, "ci95": "0.81-0.85"},
        {"subgroup": "Male", "n": 950.5, "ci95": "0.79-0.84"},
    ]


@pytest.mark.parametrize("raw", [None, "", [], {}, [{}, {"subgroup": "  "}]])
def test_an_empty_table_clears_the_answer(raw):
    assert clean_value(question("table", SUBGROUPS), raw) is None


@pytest.mark.parametrize("raw", ["Female", [["Female", 10]], [{"subgroup": "Female"}, "Male"], {"a": 1}])
def test_a_table_that_cannot_be_read_is_refused(raw):
    error = refused("table", raw, SUBGROUPS)
    assert error.messages == ["The table could not be read; fill in its rows again."]
    assert error.code == "table"


def test_a_table_without_columns_keeps_no_rows():
    assert clean_value(question("table", {}), [{"subgroup": "Female"}]) is None


def test_a_table_may_have_200_rows_and_no_more():
    row = {"subgroup": "Female", "n": "1", "ci95": "x"}
    assert len(clean_value(question("table", SUBGROUPS), [row] * 200)) == 200
    error = refused("table", [row] * 201, SUBGROUPS)
    assert error.messages == ["A table may have at most 200 rows."]
    assert error.code == "table"


def test_every_incomplete_row_is_reported_by_the_number_the_vendor_sees():
    rows = [
        {"subgroup": "Female", "n": "10", "ci95": "x"},
        {"subgroup": "", "n": "", "ci95": ""},
        {"subgroup": "Male", "n": "", "ci95": ""},
        {"subgroup": "", "n": "12", "ci95": "y"},
    ]
    assert refused("table", rows, SUBGROUPS).messages == [
        "Row 3: fill in every column to save this row (missing: Sample size, ci95).",
        "Row 4: fill in every column to save this row (missing: Subgroup).",
    ]


def test_a_table_reports_a_bad_number_and_an_overlong_cell_in_their_rows():
    rows = [
        {"subgroup": "Female", "n": "many", "ci95": "x"},
        {"subgroup": "M" * 501, "n": "5", "ci95": "y"},
        {"subgroup": "M" * 500, "n": "5", "ci95": "z"},
    ]
    assert refused("table", rows, SUBGROUPS).messages == [
        "Row 1: Sample size must be a number, for example 12 or 12.5. The row was not saved.",
        "Row 2: keep each cell within 500 characters. The row was not saved.",
    ]


def test_a_number_cell_is_named_by_its_key_when_it_has_no_label():
    columns = {"columns": [{"key": "n", "type": "number"}]}
    assert refused("table", [{"n": "x"}], columns).messages == [
        "Row 1: n must be a number, for example 12 or 12.5. The row was not saved."
    ]


def test_a_long_number_cell_is_checked_as_a_number_not_as_text():
    columns = {"columns": [{"key": "n", "label": "n", "type": "number"}]}
    digits = "0" * 600 + "7"
    assert clean_value(question("table", columns), [{"n": digits}]) == [{"n": 7}]


@pytest.mark.parametrize(
    ("value", "empty"), [(None, True), ("", True), ([], True), ({}, True), (0, False), ("no", False)]
)
def test_is_empty(value, empty):
    assert is_empty(value) is empty


def test_a_conflict_says_what_happened_and_carries_the_stored_answer():
    stored = SimpleNamespace(value="yes")
    conflict = AnswerConflict(stored)
    assert str(conflict) == "This answer was changed by someone else since you opened the page."
    assert conflict.answer is stored
