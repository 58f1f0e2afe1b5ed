"""The questionnaire as an XLSX workbook to fill in offline, and reading a filled one back.

Layout: an "Instructions" sheet, then one sheet per section with a row per question (hidden column
A holds the question's stable key, so rows can be matched whatever the vendor does to the visible
text), choice lists as data validation, multiple choices as one row per option, and tables as
Excel tables under their question. A very hidden "_identity" sheet names the evaluation, the
invite and the template version the workbook was made for and, per question, the answer version
and a digest of the answer it was made with; an HMAC over all of it (salted with the project's
secret key) shows whether anyone changed it. Saving what is read belongs to
`procurement.services.workbook`.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from procurement.uploads import detect_type
from questionnaires.engine.answers import TABLE_MAX_ROWS, TEXT_MAX_LENGTH

if TYPE_CHECKING:
    from procurement.models import Invite
    from procurement.selectors import EvaluationSnapshot
    from questionnaires.models import Question

FORMAT = "clinical-ai-dd-workbook/1"
SALT = "procurement.workbook"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 5 * 1024 * 1024
# Far above what a questionnaire workbook inflates to (the full library: about 1 MB), far below
# what would hurt a web worker.
MAX_UNCOMPRESSED = 40 * 1024 * 1024
MAX_ROWS_PER_SHEET = 20000
INSTRUCTIONS = "Instructions"
IDENTITY = "_identity"
LISTS = "Lists"
HEADER = ("Key", "Question", "Help", "How to answer", "Answer", "Not applicable")
KEY, PROMPT, HELP, HOW, ANSWER, NA = range(1, 7)
NA_MARK = "N/A"
EXTRA_TABLE_ROWS = 5
# Separates a question's key from the part of it a row holds (an option, a table row).
SUB = "::"
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
ANSWER_FILL = PatternFill("solid", fgColor="FFF8DC")
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
WRAP = Alignment(wrap_text=True, vertical="top")


def answer_digest(value: Any, is_not_applicable: bool) -> str:
    """A short fingerprint of an answer, so an upload can tell a cell left as downloaded."""
    canonical = json.dumps([value, bool(is_not_applicable)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _canonical(identity: Mapping[str, Any]) -> str:
    return json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)


def _signature(identity: Mapping[str, Any]) -> str:
    return salted_hmac(SALT, _canonical(identity), algorithm="sha256").hexdigest()


# -- building -------------------------------------------------------------------------------------


def _put(sheet, row: int, column: int, value: Any):
    cell = sheet.cell(row=row, column=column, value=value)
    # A text that starts with "=" stays text: nothing in the workbook is ever a formula.
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _sheet_title(number: int, title: str) -> str:
    # Excel refuses these characters in sheet names, and an apostrophe at either end.
    return f"{number}. {_SHEET_UNSAFE.sub(' ', title)}"[:31].strip().rstrip("'")


def _choices(question: Question) -> list[Mapping]:
    return [c for c in (question.options or {}).get("choices", []) if isinstance(c, Mapping)]


def _columns(question: Question) -> list[Mapping]:
    return [c for c in (question.options or {}).get("columns", []) if isinstance(c, Mapping)]


def _how_to_answer(question: Question) -> str:
    options = question.options or {}
    qtype = question.type
    limit = options.get("max_length") or TEXT_MAX_LENGTH.get(qtype)
    how = {
        "yes_no": "Choose Yes or No.",
        "single_choice": "Choose one option from the list.",
        "multi_choice": "Choose Yes beside each option that applies (in the rows below).",
        "short_text": f"Text, at most {limit} characters.",
        "long_text": f"Text, at most {limit} characters.",
        "date": "A date (YYYY-MM-DD).",
        "url": "A web address starting with https://",
        "file": "Upload documents in the portal; they cannot be attached here.",
        "table": "Fill in the table below, one row per line; each row needs every column.",
    }.get(qtype, "")
    if qtype == "number":
        bounds = []
        if options.get("min") is not None:
            bounds.append(f"at least {options['min']}")
        if options.get("max") is not None:
            bounds.append(f"at most {options['max']}")
        unit = f" in {options['unit']}" if options.get("unit") else ""
        how = f"A number{unit}" + (f", {' and '.join(bounds)}" if bounds else "") + "."
    if question.allows_na:
        how += f" Or mark {NA_MARK} in the next column."
    if question.is_required:
        how = "Required. " + how
    return how


def _condition_text(question: Question, prompts: Mapping[str, str]) -> str:
    condition = question.condition
    if not isinstance(condition, Mapping):
        return ""
    source = prompts.get(condition.get("question"), condition.get("question"))
    value = condition.get("value")
    value = {"yes": "Yes", "no": "No"}.get(value, value)
    verbs = {"equals": "is", "contains": "includes", "at_least": "is at least"}
    verb = verbs.get(condition.get("operator"), "is")
    return f"Answer only if the answer to “{source}” {verb} {value}."


class _Builder:
    def __init__(self, snapshot: EvaluationSnapshot) -> None:
        self.snapshot = snapshot
        self.workbook = Workbook()
        self.lists = None
        self.list_column = 0
        self.validations: dict[tuple, DataValidation] = {}
        self.rows: list[list] = []
        self.prompts = {q.key: q.prompt for q in snapshot.questions}
        self.tables = 0

    def validation(self, sheet, spec: tuple, **kwargs) -> DataValidation:
        key = (sheet.title, spec)
        if key not in self.validations:
            rule = DataValidation(
                allow_blank=True, showErrorMessage=True, errorTitle="Not accepted", **kwargs
            )
            sheet.add_data_validation(rule)
            self.validations[key] = rule
        return self.validations[key]

    def choice_list(self, labels: list[str]) -> str:
        """A range on the hidden Lists sheet holding these labels (commas in labels stay intact)."""
        if self.lists is None:
            self.lists = self.workbook.create_sheet(LISTS)
            self.lists.sheet_state = "veryHidden"
        self.list_column += 1
        for row, label in enumerate(labels, start=1):
            _put(self.lists, row, self.list_column, label)
        letter = get_column_letter(self.list_column)
        return f"'{LISTS}'!${letter}$1:${letter}${max(len(labels), 1)}"

    def rule_for(self, sheet, question: Question, kind: str | None = None) -> DataValidation | None:
        options = question.options or {}
        qtype = kind or question.type
        if qtype == "yes_no":
            return self.validation(
                sheet, ("list", "yes_no"), type="list", formula1='"Yes,No"', error="Choose Yes or No."
            )
        if qtype == "single_choice":
            labels = [str(c.get("label") or c.get("value")) for c in _choices(question)]
            return self.validation(
                sheet,
                ("list", question.key),
                type="list",
                formula1=self.choice_list(labels),
                error="Choose one of the listed options.",
            )
        if qtype == "number":
            low, high = options.get("min"), options.get("max")
            low = -1e15 if low is None else low
            high = 1e15 if high is None else high
            return self.validation(
                sheet,
                ("decimal", low, high),
                type="decimal",
                operator="between",
                formula1=str(low),
                formula2=str(high),
                error=f"Enter a number between {low} and {high}.",
            )
        if qtype == "date":
            return self.validation(
                sheet,
                ("date",),
                type="date",
                operator="between",
                formula1="DATE(1900,1,1)",
                formula2="DATE(2200,12,31)",
                error="Enter a date between the years 1900 and 2200.",
            )
        if qtype in TEXT_MAX_LENGTH:
            limit = options.get("max_length") or TEXT_MAX_LENGTH[qtype]
            return self.validation(
                sheet,
                ("length", limit),
                type="textLength",
                operator="lessThanOrEqual",
                formula1=str(limit),
                error=f"Keep the answer within {limit} characters.",
            )
        return None

    def answer_cell(self, sheet, row: int, question: Question, value: Any, locked: bool) -> None:
        qtype = question.type
        if qtype == "yes_no":
            value = {"yes": "Yes", "no": "No"}.get(value, value)
        elif qtype == "single_choice":
            labels = {c.get("value"): c.get("label") or c.get("value") for c in _choices(question)}
            value = labels.get(value, value)
        elif qtype == "date" and isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                pass
        cell = _put(sheet, row, ANSWER, value)
        cell.fill = LOCKED_FILL if locked else ANSWER_FILL
        cell.alignment = WRAP
        if qtype == "date":
            cell.number_format = "yyyy-mm-dd"
        elif qtype in ("short_text", "long_text", "url"):
            # Text format: Excel keeps "00123" or "1-2" as typed instead of making a number or date.
            cell.number_format = "@"
        rule = self.rule_for(sheet, question)
        if rule is not None:
            rule.add(cell)

    def section_sheet(self, number: int, section) -> None:
        sheet = self.workbook.create_sheet(_sheet_title(number, section.title))
        for column, title in enumerate(HEADER, start=1):
            cell = _put(sheet, 1, column, title)
            cell.font = BOLD
            cell.fill = HEADER_FILL
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].hidden = True
        for letter, width in zip("BCDEF", (60, 40, 30, 40, 14), strict=True):
            sheet.column_dimensions[letter].width = width
        row = 2
        for question in self.snapshot.questions_of(section):
            row = self.question_rows(sheet, row, question)

    def question_rows(self, sheet, row: int, question: Question) -> int:
        snapshot = self.snapshot
        answer = snapshot.answers.get(question.pk)
        value = answer.value if answer else None
        na = bool(answer and answer.is_not_applicable)
        locked = not snapshot.is_editable(question)
        self.rows.append(
            [question.key, sheet.title, answer.version if answer else 0, answer_digest(value, na)]
        )
        _put(sheet, row, KEY, question.key)
        prompt = _put(sheet, row, PROMPT, question.prompt)
        prompt.font = BOLD
        prompt.alignment = WRAP
        help_text = " ".join(
            part
            for part in (
                question.help_text,
                _condition_text(question, self.prompts),
                "Locked: this answer cannot be changed now." if locked else "",
            )
            if part
        )
        _put(sheet, row, HELP, help_text).alignment = WRAP
        how = _how_to_answer(question)
        if question.type == "file":
            names = [f.original_name for f in snapshot.files.get(question.pk, [])]
            how += " Uploaded: " + ("; ".join(names) if names else "none yet") + "."
        _put(sheet, row, HOW, how).alignment = WRAP
        if question.allows_na:
            na_cell = _put(sheet, row, NA, NA_MARK if na else None)
            na_cell.fill = LOCKED_FILL if locked else ANSWER_FILL
            self.validation(
                sheet,
                ("list", "na"),
                type="list",
                formula1=f'"{NA_MARK}"',
                error=f"Leave empty or choose {NA_MARK}.",
            ).add(na_cell)
        if question.type in ("yes_no", "single_choice", "short_text", "long_text", "number", "date", "url"):
            self.answer_cell(sheet, row, question, None if na else value, locked)
        row += 1
        if question.type == "multi_choice":
            chosen = set(value or []) if isinstance(value, list) and not na else set()
            rule = self.rule_for(sheet, question, kind="yes_no")
            for choice in _choices(question):
                _put(sheet, row, KEY, f"{question.key}{SUB}{choice.get('value')}")
                _put(sheet, row, PROMPT, f"    {choice.get('label') or choice.get('value')}").alignment = WRAP
                cell = _put(sheet, row, ANSWER, "Yes" if choice.get("value") in chosen else None)
                cell.fill = LOCKED_FILL if locked else ANSWER_FILL
                rule.add(cell)
                row += 1
        elif question.type == "table":
            row = self.table_rows(
                sheet, row, question, value if isinstance(value, list) and not na else [], locked
            )
        return row

    def table_rows(self, sheet, row: int, question: Question, value: list, locked: bool) -> int:
        columns = _columns(question)
        if not columns:
            return row
        options = question.options or {}
        header_row = row
        _put(sheet, row, KEY, f"{question.key}{SUB}header")
        seen: set[str] = set()
        for offset, column in enumerate(columns):
            label = str(column.get("label") or column.get("key"))
            # Excel needs distinct column headings in a table.
            if label in seen:
                label = f"{label} ({column.get('key')})"
            seen.add(label)
            cell = _put(sheet, row, ANSWER + offset, label)
            cell.font = BOLD
            cell.fill = HEADER_FILL
        rows = [r for r in value if isinstance(r, Mapping)]
        present = {str(r.get(options.get("row_key"), "")).strip().casefold() for r in rows}
        # Required rows not answered yet come pre-filled with their label, as in the portal.
        for label in options.get("required_rows") or []:
            if str(label).strip().casefold() not in present:
                rows.append({options.get("row_key"): label})
        total = min(len(rows) + EXTRA_TABLE_ROWS, TABLE_MAX_ROWS)
        for index in range(total):
            row += 1
            data = rows[index] if index < len(rows) else {}
            _put(sheet, row, KEY, f"{question.key}{SUB}row")
            for offset, column in enumerate(columns):
                cell = _put(sheet, row, ANSWER + offset, data.get(column.get("key")))
                cell.fill = LOCKED_FILL if locked else ANSWER_FILL
                if column.get("type") == "number":
                    self.validation(
                        sheet,
                        ("decimal", "table"),
                        type="decimal",
                        operator="between",
                        formula1="-1000000000000000",
                        formula2="1000000000000000",
                        error="Enter a number.",
                    ).add(cell)
                else:
                    cell.number_format = "@"
        self.tables += 1
        last = get_column_letter(ANSWER + len(columns) - 1)
        table = Table(
            displayName=f"Table{self.tables}", ref=f"{get_column_letter(ANSWER)}{header_row}:{last}{row}"
        )
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        sheet.add_table(table)
        return row + 1

    def instructions(self, invite: Invite | None) -> None:
        sheet = self.workbook.active
        sheet.title = INSTRUCTIONS
        evaluation = self.snapshot.evaluation
        lines = [
            (f"{evaluation.organization.name}: due-diligence questionnaire", BOLD),
            (f"Product: {evaluation.product}", None),
            (f"Questionnaire: {evaluation.template}", None),
            (f"Prepared for: {invite.contact.name}" if invite else "Prepared for the organization", None),
            ("", None),
            ("How to fill in this workbook", BOLD),
            (
                "1. Each section of the questionnaire has its own sheet. Type your answer in the yellow "
                "Answer column; grey cells cannot be changed now.",
                None,
            ),
            (
                "2. Choices, Yes/No and N/A have a drop-down list. Dates are YYYY-MM-DD. Numbers are plain "
                "numbers without units.",
                None,
            ),
            (
                "3. Tables: one row per line, every column filled in. Rows holding only a pre-filled label "
                "are ignored.",
                None,
            ),
            ("4. Evidence documents cannot be attached here: upload them in the portal.", None),
            (
                "5. Do not rename, reorder or delete the sheets or rows; hidden parts identify the "
                "questionnaire. A changed or foreign workbook is refused.",
                None,
            ),
            (
                "6. Upload the filled workbook in the portal (Work offline). Every answer is checked as "
                "in the portal; what is valid is saved and each refused cell is listed with the reason.",
                None,
            ),
            (
                "7. If someone changed an answer online after you downloaded this workbook, that answer is "
                "not overwritten: the upload shows both.",
                None,
            ),
        ]
        for row, (text, font) in enumerate(lines, start=1):
            cell = _put(sheet, row, 1, text)
            if font:
                cell.font = font
        sheet.column_dimensions["A"].width = 110

    def identity(self, invite: Invite | None) -> dict[str, Any]:
        evaluation = self.snapshot.evaluation
        return {
            "format": FORMAT,
            "evaluation": str(evaluation.public_id),
            "invite": str(invite.public_id) if invite else "",
            "template": str(evaluation.template.public_id),
            "template_version": evaluation.template.version,
            "rows": self.rows,
        }

    def identity_sheet(self, identity: Mapping[str, Any]) -> None:
        sheet = self.workbook.create_sheet(IDENTITY)
        sheet.sheet_state = "veryHidden"
        for row, name in enumerate(
            ("format", "evaluation", "invite", "template", "template_version"), start=1
        ):
            _put(sheet, row, 1, name)
            _put(sheet, row, 2, identity[name])
        _put(sheet, 6, 1, "signature")
        _put(sheet, 6, 2, _signature(identity))
        for row, values in enumerate(identity["rows"], start=8):
            for column, value in enumerate(values, start=1):
                _put(sheet, row, column, value)


def workbook_build(snapshot: EvaluationSnapshot, *, invite: Invite | None = None) -> bytes:
    """The workbook of this evaluation, for the vendor behind `invite` or (None) the organization."""
    builder = _Builder(snapshot)
    builder.instructions(invite)
    for number, section in enumerate(snapshot.sections, start=1):
        builder.section_sheet(number, section)
    if builder.lists is not None:
        # Created while the first choice question was written; kept after the section sheets.
        sheets = builder.workbook.sheetnames
        builder.workbook.move_sheet(builder.lists, offset=len(sheets) - 1 - sheets.index(LISTS))
    builder.identity_sheet(builder.identity(invite))
    buffer = io.BytesIO()
    builder.workbook.save(buffer)
    return buffer.getvalue()


def workbook_filename(snapshot: EvaluationSnapshot) -> str:
    from django.utils.text import slugify

    product = snapshot.evaluation.product
    return f"questionnaire-{slugify(f'{product.vendor.legal_name} {product.name} {product.version}')}.xlsx"


# -- reading --------------------------------------------------------------------------------------


@dataclass
class CellInput:
    """What one question's rows of an uploaded workbook hold."""

    key: str
    sheet: str
    cell: str  # where the answer is, as the vendor sees it: "E7"
    value: Any = None
    not_applicable: Any = None
    is_formula: bool = False
    chosen: list[str] = field(default_factory=list)  # multiple choice: option values marked Yes
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # table: (sheet row, cells)


@dataclass
class WorkbookInput:
    identity: dict[str, Any]
    cells: dict[str, CellInput]


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


NOT_OURS = (
    "This file is not a questionnaire workbook downloaded from this portal. Download the workbook "
    "here, fill it in and upload that file."
)
DAMAGED = "The workbook is damaged and could not be read as an Excel file."
# What openpyxl raises on malformed parts (defusedxml's refusals of entity tricks are ValueErrors,
# XML syntax errors are SyntaxErrors); to the vendor they are all one damaged file.
UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
    SyntaxError,
    zlib.error,
)
NOT_XLSX = "Upload the questionnaire workbook as an Excel workbook (.xlsx)."
TAMPERED = (
    "This workbook's hidden identification was changed, so its answers cannot be matched safely to "
    "the questionnaire. Download a fresh workbook and copy your answers into it."
)


def _check_container(fileobj: IO[bytes], *, size: int) -> None:
    """Refuses by content: anything but a plain .xlsx, macros, oversize or over-inflating archives."""
    try:
        # The content decides; the name the browser sent does not matter here.
        kind = detect_type(fileobj, name="workbook.xlsx", size=size, max_bytes=MAX_BYTES).extension
    except ValidationError as exc:
        if exc.code not in ("empty", "too_large", "zip_bomb", "corrupt"):
            raise _refuse(NOT_XLSX, "not_xlsx") from None
        raise
    if kind != "xlsx":
        raise _refuse(NOT_XLSX, "not_xlsx")
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise _refuse(
                    "The workbook expands to far more data than a questionnaire holds and was refused.",
                    "zip_bomb",
                )
            names = {i.filename.lower() for i in infos}
            content_types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, zlib.error):
        raise _refuse("The workbook is damaged and could not be read.", "corrupt") from None
    finally:
        fileobj.seek(0)
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise _refuse(
            "Workbooks with macros (.xlsm) are not accepted. Save the file as an Excel Workbook (.xlsx) "
            "and upload it again.",
            "macros",
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _read_identity(workbook) -> dict[str, Any]:
    if IDENTITY not in workbook.sheetnames:
        raise _refuse(NOT_OURS, "foreign")
    sheet = workbook[IDENTITY]
    values = [
        list(r) for r in sheet.iter_rows(min_row=1, max_row=MAX_ROWS_PER_SHEET, max_col=4, values_only=True)
    ]
    head = {_text(r[0]): r[1] for r in values[:6] if r and r[0] is not None}
    if head.get("format") != FORMAT:
        raise _refuse(NOT_OURS, "foreign")
    try:
        identity = {
            "format": FORMAT,
            "evaluation": _text(head.get("evaluation")),
            "invite": _text(head.get("invite")),
            "template": _text(head.get("template")),
            "template_version": int(head.get("template_version")),
            "rows": [
                [_text(r[0]), _text(r[1]), int(r[2]), _text(r[3])]
                for r in values[7:]
                if r and r[0] is not None
            ],
        }
    except (TypeError, ValueError, IndexError):
        raise _refuse(TAMPERED, "tampered") from None
    if not constant_time_compare(_signature(identity), _text(head.get("signature"))):
        raise _refuse(TAMPERED, "tampered")
    return identity


def _cell_value(cell) -> tuple[Any, bool]:
    value = getattr(cell, "value", None)
    is_formula = getattr(cell, "data_type", None) == "f"
    if isinstance(value, str):
        value = value.strip()
    return value, is_formula


def _table_row(current: CellInput, number: int, row: list, width: int) -> None:
    read = [_cell_value(row[ANSWER - 1 + i]) for i in range(width)]
    current.is_formula = current.is_formula or any(is_formula for _, is_formula in read)
    current.rows.append((number, {i: value for i, (value, _) in enumerate(read)}))


def _read_sheet(
    sheet, expected: Mapping[str, str], widths: Mapping[str, int], cells: dict[str, CellInput]
) -> None:
    max_col = max([NA, *(ANSWER + w - 1 for w in widths.values())])
    current: CellInput | None = None
    in_table = False
    for number, row in enumerate(
        sheet.iter_rows(min_row=2, max_row=MAX_ROWS_PER_SHEET, max_col=max_col), start=2
    ):
        row = list(row) + [None] * (max_col - len(row))
        key = _text(getattr(row[KEY - 1], "value", None))
        if not key:
            # A row added directly under a table (Excel grows the table) belongs to it.
            if in_table and current is not None:
                _table_row(current, number, row, widths[current.key])
            continue
        base, _, part = key.partition(SUB)
        if expected.get(base) != sheet.title:
            raise _refuse(TAMPERED, "tampered")
        if not part:
            if base in cells:
                raise _refuse(TAMPERED, "tampered")
            value, is_formula = _cell_value(row[ANSWER - 1])
            na, na_formula = _cell_value(row[NA - 1])
            current = CellInput(
                key=base,
                sheet=sheet.title,
                cell=f"{get_column_letter(ANSWER)}{number}",
                value=value,
                not_applicable=na,
                is_formula=is_formula or na_formula,
            )
            cells[base] = current
            in_table = False
            continue
        if current is None or current.key != base:
            raise _refuse(TAMPERED, "tampered")
        if part == "header":
            in_table = True
        elif part == "row":
            _table_row(current, number, row, widths.get(base, 0))
        else:
            value, is_formula = _cell_value(row[ANSWER - 1])
            current.is_formula = current.is_formula or is_formula
            if _text(value).casefold() in ("yes", "x", "true", "1") or value is True:
                current.chosen.append(part)


def workbook_read(fileobj: IO[bytes], *, size: int, table_widths: Mapping[str, int]) -> WorkbookInput:
    """The identity and the cells of an uploaded workbook, or ValidationError saying why it is refused.

    `table_widths` gives the number of columns of each table question. The identity's signature is
    checked here; whether it names the right evaluation is the caller's business.
    """
    _check_container(fileobj, size=size)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=False, keep_links=False)
    except UNREADABLE:
        raise _refuse(DAMAGED, "corrupt") from None
    try:
        identity = _read_identity(workbook)
        expected = {row[0]: row[1] for row in identity["rows"]}
        cells: dict[str, CellInput] = {}
        for title in set(expected.values()):
            if title in workbook.sheetnames:
                _read_sheet(workbook[title], expected, table_widths, cells)
    except UNREADABLE:
        raise _refuse(DAMAGED, "corrupt") from None
    finally:
        workbook.close()
    return WorkbookInput(identity=identity, cells=cells)
