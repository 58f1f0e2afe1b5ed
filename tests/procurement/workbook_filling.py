"""Filling a downloaded questionnaire workbook the way a vendor does in a spreadsheet program."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from openpyxl import load_workbook

ANSWER, NA = 5, 6


def rows_by_key(workbook) -> dict[str, list[tuple[Any, int]]]:
    """{hidden key: [(sheet, row), ...]} over the section sheets."""
    found: dict[str, list] = {}
    for sheet in workbook.worksheets:
        if sheet.title in ("Instructions", "Lists", "_identity"):
            continue
        for row in range(2, sheet.max_row + 1):
            key = sheet.cell(row=row, column=1).value
            if key:
                found.setdefault(key, []).append((sheet, row))
    return found


def fill(
    content: bytes,
    answers: Mapping[str, Any] = {},
    *,
    not_applicable: tuple[str, ...] = (),
    choices: Mapping[str, Mapping[str, str | None]] = {},
    tables: Mapping[str, list[list[Any]]] = {},
) -> bytes:
    """The workbook with answers typed in: cells by question key, options marked, table rows typed."""
    workbook = load_workbook(io.BytesIO(content))
    rows = rows_by_key(workbook)
    for key, value in answers.items():
        sheet, row = rows[key][0]
        sheet.cell(row=row, column=ANSWER, value=value)
    for key in not_applicable:
        sheet, row = rows[key][0]
        sheet.cell(row=row, column=NA, value="N/A")
    for key, marks in choices.items():
        for option, mark in marks.items():
            sheet, row = rows[f"{key}::{option}"][0]
            sheet.cell(row=row, column=ANSWER, value=mark)
    for key, table_rows in tables.items():
        places = rows[f"{key}::row"]
        for index, (sheet, row) in enumerate(places):
            values = table_rows[index] if index < len(table_rows) else []
            for offset in range(len(values) or 0):
                sheet.cell(row=row, column=ANSWER + offset, value=values[offset])
            if index >= len(table_rows):
                for offset in range(2):
                    sheet.cell(row=row, column=ANSWER + offset, value=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_of(content: bytes, key: str, column: int = ANSWER) -> Any:
    workbook = load_workbook(io.BytesIO(content))
    sheet, row = rows_by_key(workbook)[key][0]
    return sheet.cell(row=row, column=column)
