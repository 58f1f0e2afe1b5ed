"""The questionnaire workbook: built with the answers, read back through the portal's validator."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from procurement.models import Answer, AuditEvent, Evaluation
from procurement.selectors import evaluation_snapshot, vendor_snapshot
from procurement.services.answers import answer_save
from procurement.services.workbook import workbook_import
from procurement.workbook import workbook_build
from tests.factories import (
    AnswerFactory,
    ClarificationRequestFactory,
    EvaluationFactory,
    InviteFactory,
    build_every_type_template,
)
from tests.procurement.workbook_filling import ANSWER, NA, cell_of, fill, rows_by_key


@pytest.fixture
def evaluation(org, officer):
    template = build_every_type_template(organization=org)
    return EvaluationFactory(
        organization=org, owner=officer, template=template, status=Evaluation.Status.SENT
    )


@pytest.fixture
def invite(evaluation):
    return InviteFactory(evaluation=evaluation)


def q(evaluation, key):
    return evaluation.template.questions.get(key=key)


def download(invite) -> bytes:
    return workbook_build(vendor_snapshot(invite.evaluation), invite=invite)


def upload(invite, content: bytes):
    return workbook_import(invite=invite, uploaded_file=io.BytesIO(content), size=len(content))


def stored(evaluation) -> dict:
    return {a.question.key: a.value for a in Answer.objects.filter(evaluation=evaluation)}


def by_key(outcome) -> dict:
    return {r.key: r for r in outcome.results}


EVERY_TYPE = {
    "basics.yes": "Yes",
    "basics.single": "Option B",
    "basics.short": "A short answer",
    "basics.long": "A long\nanswer",
    "basics.number": 12,
    "evidence.date": datetime.date(2024, 3, 31),
    "evidence.url": "https://vendor.example/trust",
}


def test_a_filled_workbook_saves_every_type_of_answer_as_the_portal_stores_it(invite, evaluation):
    filled = fill(
        download(invite),
        EVERY_TYPE,
        choices={"basics.multi": {"a": "Yes", "b": "Yes"}},
        tables={"evidence.table": [["Female", 120], ["Male", "98"]]},
    )
    outcome = upload(invite, filled)
    assert outcome.counts == {"saved": 9, "unchanged": 0, "kept_online": 0, "invalid": 0, "conflict": 0}
    assert stored(evaluation) == {
        "basics.yes": "yes",
        "basics.single": "b",
        "basics.multi": ["a", "b"],
        "basics.short": "A short answer",
        "basics.long": "A long\nanswer",
        "basics.number": 12,
        "evidence.date": "2024-03-31",
        "evidence.url": "https://vendor.example/trust",
        "evidence.table": [{"subgroup": "Female", "n": 120}, {"subgroup": "Male", "n": 98}],
    }
    assert {a.version for a in Answer.objects.filter(evaluation=evaluation)} == {1}
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.IN_PROGRESS


def test_the_workbook_holds_the_current_answers_lists_formats_and_tables(invite, evaluation):
    AnswerFactory(evaluation=evaluation, question=q(evaluation, "basics.single"), value="a")
    AnswerFactory(evaluation=evaluation, question=q(evaluation, "evidence.date"), value="2025-01-02")
    AnswerFactory(
        evaluation=evaluation,
        question=q(evaluation, "evidence.table"),
        value=[{"subgroup": "Female", "n": 5}],
    )
    AnswerFactory(
        evaluation=evaluation, question=q(evaluation, "basics.yes"), value=None, is_not_applicable=True
    )
    workbook = load_workbook(io.BytesIO(download(invite)))
    assert workbook.sheetnames == ["Instructions", "1. Basics", "2. Evidence", "Lists", "_identity"]
    assert workbook["_identity"].sheet_state == "veryHidden"
    basics, evidence = workbook["1. Basics"], workbook["2. Evidence"]
    assert basics.column_dimensions["A"].hidden is True
    rows = rows_by_key(workbook)
    _, single_row = rows["basics.single"][0]
    assert basics.cell(single_row, ANSWER).value == "Option A"
    _, yes_row = rows["basics.yes"][0]
    assert basics.cell(yes_row, NA).value == "N/A"
    assert basics.cell(yes_row, ANSWER).value is None
    lists = {
        str(cells): rule.formula1
        for rule in basics.data_validations.dataValidation
        for cells in rule.sqref.ranges
    }
    assert lists[f"E{single_row}"] == "'Lists'!$A$1:$A$2"
    assert [c.value for c in workbook["Lists"]["A"]] == ["Option A", "Option B"]
    assert lists[f"E{yes_row}"] == '"Yes,No"'
    _, date_row = rows["evidence.date"][0]
    assert evidence.cell(date_row, ANSWER).value == datetime.datetime(2025, 1, 2)
    assert evidence.cell(date_row, ANSWER).number_format == "yyyy-mm-dd"
    (table,) = evidence.tables.values()
    _, header_row = rows["evidence.table::header"][0]
    table_rows = [row for _, row in rows["evidence.table::row"]]
    assert table.ref == f"E{header_row}:F{table_rows[-1]}"
    # The stored row, the required row not answered yet pre-filled, then blank rows.
    assert [evidence.cell(r, ANSWER).value for r in table_rows[:3]] == ["Female", "Male", None]
    assert evidence.cell(table_rows[0], ANSWER + 1).value == 5
    assert basics.cell(rows["basics.multi::a"][0][1], 2).value.strip() == "Option A"


def test_a_text_answer_that_looks_like_a_formula_stays_text_both_ways(invite, evaluation):
    AnswerFactory(evaluation=evaluation, question=q(evaluation, "basics.short"), value="=HYPERLINK(1)")
    content = download(invite)
    cell = cell_of(content, "basics.short")
    assert cell.value == "=HYPERLINK(1)"
    assert cell.data_type == "s"
    assert upload(invite, content).counts["saved"] == 0
    assert stored(evaluation)["basics.short"] == "=HYPERLINK(1)"


def test_a_formula_typed_in_a_cell_is_refused(invite, evaluation):
    outcome = upload(invite, fill(download(invite), {"basics.short": "=1+1"}))
    result = by_key(outcome)["basics.short"]
    assert (result.status, result.sheet, result.message) == (
        "invalid",
        "1. Basics",
        "Type the answer itself: formulas are not read.",
    )
    assert "basics.short" not in stored(evaluation)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("basics.yes", "Maybe", "Choose yes or no."),
        ("basics.single", "Option C", "Choose one of the listed options."),
        ("basics.short", "x" * 201, "Keep the answer within 200 characters (it has 201)."),
        ("basics.number", 400, "The answer must be between 0 and 365 days."),
        ("basics.number", "twelve", "The answer must be a number, for example 12 or 12.5."),
        ("evidence.date", "31/03/2024", "Enter a real date as YYYY-MM-DD, for example 2024-03-31."),
        ("evidence.date", datetime.date(1800, 1, 1), "Enter a date between the years 1900 and 2200."),
        ("evidence.url", "vendor.example", "Enter a full web address starting with https:// (or http://)."),
    ],
)
def test_each_invalid_cell_is_listed_with_sheet_cell_and_reason_and_the_rest_is_saved(
    invite, evaluation, key, value, message
):
    answers = {**EVERY_TYPE, key: value}
    content = fill(download(invite), answers)
    outcome = upload(invite, content)
    result = by_key(outcome)[key]
    workbook = load_workbook(io.BytesIO(content))
    sheet, row = rows_by_key(workbook)[key][0]
    assert (result.status, result.sheet, result.cell, result.message) == (
        "invalid",
        sheet.title,
        f"E{row}",
        message,
    )
    assert key not in stored(evaluation)
    assert len(stored(evaluation)) == len(EVERY_TYPE) - 1


def test_not_applicable_is_saved_where_allowed_and_refused_elsewhere(invite, evaluation):
    content = fill(download(invite), {"basics.yes": "Yes"}, not_applicable=("basics.yes",))
    workbook = load_workbook(io.BytesIO(content))
    sheet, row = rows_by_key(workbook)["basics.number"][0]
    sheet.cell(row, NA, "N/A")
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = upload(invite, buffer.getvalue())
    results = by_key(outcome)
    assert results["basics.yes"].status == "saved"
    answer = Answer.objects.get(evaluation=evaluation, question__key="basics.yes")
    assert (answer.value, answer.is_not_applicable) == (None, True)
    assert results["basics.number"].message == "This question cannot be answered 'not applicable'."


def test_an_incomplete_table_row_is_listed_by_its_cell_and_nothing_of_the_table_is_saved(invite, evaluation):
    content = fill(
        download(invite), tables={"evidence.table": [["Female", 120], ["Over 65", None], ["Other", "x"]]}
    )
    outcome = upload(invite, content)
    rows = [row for _, row in rows_by_key(load_workbook(io.BytesIO(content)))["evidence.table::row"]]
    refused = [(r.cell, r.message) for r in outcome.of("invalid")]
    assert refused == [
        (f"E{rows[1]}", "Row 2: fill in every column to save this row (missing: N)."),
        (f"E{rows[2]}", "Row 3: N must be a number, for example 12 or 12.5. The row was not saved."),
    ]
    assert "evidence.table" not in stored(evaluation)


def test_a_row_added_under_a_table_counts_as_one_of_its_rows(invite, evaluation):
    content = download(invite)
    workbook = load_workbook(io.BytesIO(content))
    sheet, last = rows_by_key(workbook)["evidence.table::row"][-1]
    sheet.insert_rows(last + 1)
    sheet.cell(last + 1, ANSWER, "Added")
    sheet.cell(last + 1, ANSWER + 1, 7)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(invite, buffer.getvalue())
    assert stored(evaluation)["evidence.table"] == [{"subgroup": "Added", "n": 7}]


def test_unchanged_cells_are_not_saved_again(invite, evaluation):
    answer = AnswerFactory(
        evaluation=evaluation, question=q(evaluation, "basics.number"), value=30, version=4
    )
    outcome = upload(invite, fill(download(invite), {"basics.yes": "No"}))
    assert by_key(outcome)["basics.number"].status == "unchanged"
    answer.refresh_from_db()
    assert answer.version == 4
    changed = AuditEvent.objects.filter(evaluation=evaluation, kind=AuditEvent.Kind.ANSWER_CHANGED)
    assert [e.data["question"] for e in changed] == ["basics.yes"]


def test_an_answer_changed_online_since_the_download_is_a_conflict_showing_both_values(invite, evaluation):
    question = q(evaluation, "basics.number")
    AnswerFactory(evaluation=evaluation, question=question, value=30, version=1)
    content = fill(download(invite), {"basics.number": 45, "basics.yes": "Yes"})
    answer_save(evaluation=evaluation, question=question, value="60", expected_version=1)
    outcome = upload(invite, content)
    result = by_key(outcome)["basics.number"]
    assert (result.status, result.yours, result.stored) == ("conflict", "45 days", "60 days")
    answer = Answer.objects.get(evaluation=evaluation, question=question)
    assert (answer.value, answer.version) == (60, 2)
    assert by_key(outcome)["basics.yes"].status == "saved"


def test_a_cell_left_as_downloaded_keeps_the_newer_online_answer(invite, evaluation):
    question = q(evaluation, "basics.number")
    AnswerFactory(evaluation=evaluation, question=question, value=30, version=1)
    content = download(invite)
    answer_save(evaluation=evaluation, question=question, value="60", expected_version=1)
    result = by_key(upload(invite, content))["basics.number"]
    assert result.status == "kept_online"
    assert Answer.objects.get(evaluation=evaluation, question=question).value == 60


def test_the_import_is_recorded_in_the_audit_trail(invite, evaluation):
    upload(invite, fill(download(invite), {"basics.yes": "Yes", "basics.number": 999}))
    event = AuditEvent.objects.get(evaluation=evaluation, kind=AuditEvent.Kind.WORKBOOK_IMPORTED)
    assert event.summary == "Workbook imported: 1 answers saved, 1 cells refused, 0 conflicts"
    assert event.actor_contact == invite.contact
    assert event.data["saved_keys"] == ["basics.yes"]


def test_during_a_clarification_round_only_reopened_answers_are_saved(invite, evaluation):
    ClarificationRequestFactory(evaluation=evaluation, question=q(evaluation, "basics.yes"))
    outcome = upload(invite, fill(download(invite), {"basics.yes": "Yes", "basics.number": 3}))
    assert by_key(outcome)["basics.yes"].status == "saved"
    assert (
        by_key(outcome)["basics.number"].message
        == "Only the questions the reviewers asked about can be changed now."
    )
    assert stored(evaluation) == {"basics.yes": "yes"}


# -- refused as a whole ----------------------------------------------------------------------------


def refused(invite, content: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        upload(invite, content)
    assert not Answer.objects.filter(evaluation=invite.evaluation).exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.WORKBOOK_IMPORTED).exists()
    return caught.value.messages[0]


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_parts(content: bytes, extra: dict[str, bytes], replace: dict[str, bytes] | None = None) -> bytes:
    replace = replace or {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = {name: replace.get(name, archive.read(name)) for name in archive.namelist()}
    return _zip({**parts, **extra})


def test_a_file_that_is_not_a_workbook_is_refused(invite):
    assert (
        refused(invite, b"%PDF-1.4\n%%EOF\n")
        == "Upload the questionnaire workbook as an Excel workbook (.xlsx)."
    )
    assert refused(invite, b"key,answer\nbasics.yes,yes\n") == (
        "Upload the questionnaire workbook as an Excel workbook (.xlsx)."
    )


def test_a_workbook_with_macros_is_refused(invite):
    content = _with_parts(download(invite), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    assert refused(invite, content).startswith("Workbooks with macros (.xlsm) are not accepted.")


def test_a_zip_bomb_is_refused(invite):
    content = _with_parts(download(invite), {"xl/media/padding.bin": b"\0" * (50 * 1024 * 1024)})
    assert "zip bomb" in refused(invite, content)


def test_an_oversize_file_is_refused(invite):
    assert (
        refused(invite, b"PK\x03\x04" + b"\x01" * (5 * 1024 * 1024 + 1))
        == "The file is 5.0 MB; the limit is 5 MB."
    )


def test_a_damaged_workbook_is_refused(invite):
    content = _with_parts(download(invite), {}, replace={"xl/workbook.xml": b"<not xml"})
    assert refused(invite, content) == "The workbook is damaged and could not be read as an Excel file."


ENTITIES = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'


def test_xml_entities_in_a_sheet_are_refused(invite):
    sheet = (
        ENTITIES
        + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</worksheet>'
    )
    content = _with_parts(download(invite), {}, replace={"xl/worksheets/sheet2.xml": sheet})
    assert refused(invite, content) == "The workbook is damaged and could not be read as an Excel file."


def test_xml_entities_in_the_workbook_part_are_not_expanded(invite):
    part = (
        ENTITIES
        + b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>'
    )
    content = _with_parts(download(invite), {}, replace={"xl/workbook.xml": part})
    assert refused(invite, content).startswith(
        "This file is not a questionnaire workbook downloaded from this portal."
    )


def test_a_spreadsheet_not_made_here_is_refused(invite):
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert refused(invite, buffer.getvalue()).startswith(
        "This file is not a questionnaire workbook downloaded from this portal."
    )


def _edit_identity(content: bytes, row: int, column: int, value) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    workbook["_identity"].cell(row, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        (8, 3, 7),  # an answer version
        (2, 2, "00000000-0000-0000-0000-000000000000"),  # the evaluation
        (5, 2, 9),  # the template version
        (6, 2, "0" * 64),  # the signature itself
    ],
)
def test_a_workbook_whose_hidden_identity_was_changed_is_refused(invite, row, column, value):
    content = _edit_identity(download(invite), row, column, value)
    assert refused(invite, content).startswith("This workbook's hidden identification was changed")


def test_a_question_key_moved_to_another_row_is_refused_as_tampering(invite):
    content = download(invite)
    workbook = load_workbook(io.BytesIO(content))
    sheet, row = rows_by_key(workbook)["basics.number"][0]
    sheet.cell(row, 1, "evidence.url")
    sheet.cell(row, ANSWER, "https://elsewhere.example")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert refused(invite, buffer.getvalue()).startswith("This workbook's hidden identification was changed")


def test_a_workbook_of_another_invite_is_refused(invite, evaluation):
    colleague = InviteFactory(evaluation=evaluation)
    content = fill(download(colleague), {"basics.yes": "Yes"})
    assert refused(invite, content).startswith("This workbook was downloaded through another link.")


def test_the_organizations_copy_cannot_be_uploaded_through_a_link(invite, evaluation):
    content = fill(workbook_build(evaluation_snapshot(evaluation)), {"basics.yes": "Yes"})
    assert refused(invite, content).startswith("This workbook was downloaded through another link.")


def test_a_workbook_of_another_evaluation_is_refused(invite, org, officer, evaluation):
    other = EvaluationFactory(organization=org, owner=officer, template=evaluation.template, status="sent")
    content = fill(download(InviteFactory(evaluation=other)), {"basics.yes": "Yes"})
    assert (
        refused(invite, content)
        == "This workbook belongs to another questionnaire. Download the workbook of this one."
    )


def test_a_workbook_of_another_template_version_is_refused(invite, evaluation):
    content = download(invite)
    template = evaluation.template
    template.version = 2
    template.save(update_fields=["version"])
    assert refused(invite, content).startswith(
        "This workbook was made for another version of the questionnaire"
    )


def test_a_submitted_questionnaire_takes_no_workbook(invite, evaluation):
    content = fill(download(invite), {"basics.yes": "Yes"})
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    invite.evaluation.refresh_from_db()
    assert refused(invite, content) == "The questionnaire is submitted and can no longer be changed."


def test_openpyxl_reads_xml_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True
