"""Answers (one row per question) and lists of evaluations (one row each) as CSV and XLSX, safe to
open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from questionnaires.engine.display import spreadsheet_safe
from reports.context import answers_table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from procurement.models import Evaluation

EVALUATION_COLUMNS = (
    ("Product", 28),
    ("Version", 10),
    ("Vendor", 28),
    ("Questionnaire", 36),
    ("Status", 18),
    ("Owner", 20),
    ("Due date", 12),
    ("Overdue", 9),
    ("Score", 8),
    ("Risk tier", 10),
    ("Decision", 24),
    ("Submitted", 12),
    ("Decided", 12),
    ("Link", 60),
)


def _day(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}" if moment else ""


def evaluations_table(evaluations: Iterable[Evaluation]) -> list[list]:
    """The header row, then one row per evaluation as the list shows it."""
    rows: list[list] = [[name for name, _width in EVALUATION_COLUMNS]]
    for e in evaluations:
        rows.append(
            [
                e.product.name,
                e.product.version,
                e.product.vendor.legal_name,
                f"{e.template.name} v{e.template.version}",
                e.get_status_display(),
                e.owner.get_full_name() or e.owner.get_username(),
                f"{e.due_date:%Y-%m-%d}" if e.due_date else "",
                "yes" if e.is_overdue else "no",
                float(e.overall_score) if e.overall_score is not None else "",
                e.get_risk_tier_display(),
                e.get_decision_display(),
                _day(e.submitted_at),
                _day(e.decided_at),
                settings.SITE_URL.rstrip("/") + e.get_absolute_url(),
            ]
        )
    return rows


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if cell is None else spreadsheet_safe(cell) for cell in row])
    # The byte-order mark makes Excel read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(rows: list[list], *, title: str, widths: Iterable[int]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append([spreadsheet_safe(cell) for cell in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Text cells are stored as strings, never as formulas, even after the quote prefix.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def evaluations_csv(evaluations: Iterable[Evaluation]) -> bytes:
    return _csv(evaluations_table(evaluations))


def evaluations_xlsx(evaluations: Iterable[Evaluation]) -> bytes:
    return _xlsx(
        evaluations_table(evaluations), title="Evaluations", widths=[w for _n, w in EVALUATION_COLUMNS]
    )


def answers_csv(evaluation: Evaluation) -> bytes:
    return _csv(answers_table(evaluation))


AUDIT_TRAIL_COLUMNS = ["When (UTC)", "Who", "Event", "Kind code", "Summary", "IP address", "Details (JSON)"]


def audit_trail_csv(evaluation: Evaluation) -> bytes:
    """Every audit event of the evaluation, reads included, one row each: the record the PDF folds."""
    rows: list[list] = [AUDIT_TRAIL_COLUMNS]
    for event in evaluation.audit_events.order_by("created_at", "id"):
        rows.append(
            [
                event.created_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
                event.actor_label,
                event.get_kind_display(),
                event.kind,
                event.summary,
                event.ip_address or "",
                json.dumps(event.data, sort_keys=True, ensure_ascii=False) if event.data else "",
            ]
        )
    return _csv(rows)


def answers_xlsx(evaluation: Evaluation) -> bytes:
    return _xlsx(answers_table(evaluation), title="Answers", widths=(28, 24, 60, 60, 14, 14, 14, 40))
