"""Answers as CSV and XLSX, one row per question, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font

from questionnaires.engine.display import spreadsheet_safe
from reports.context import answers_table

if TYPE_CHECKING:
    from procurement.models import Evaluation


def answers_csv(evaluation: Evaluation) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in answers_table(evaluation):
        writer.writerow(["" if cell is None else spreadsheet_safe(cell) for cell in row])
    # The byte-order mark makes Excel read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def answers_xlsx(evaluation: Evaluation) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Answers"
    for row in answers_table(evaluation):
        sheet.append([spreadsheet_safe(cell) for cell in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Text cells are stored as strings, never as formulas, even after the quote prefix.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (28, 24, 60, 60, 14, 14, 14, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
