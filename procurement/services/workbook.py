"""Importing a filled questionnaire workbook: every cell checked as in the portal, valid ones saved.

A cell is saved only when it differs from the stored answer and the stored answer is still the
version the workbook was made from; an answer changed online since is never overwritten (the
result shows both values). Everything valid is saved in one transaction with one audit line for
the import beside the usual line per changed answer.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from procurement.models import AuditEvent
from procurement.selectors import EvaluationSnapshot, vendor_snapshot
from procurement.services.answers import answer_save
from procurement.services.audit import audit_record
from procurement.workbook import NA_MARK, CellInput, answer_digest, workbook_read
from questionnaires.engine.answers import AnswerConflict, clean_table, clean_value

if TYPE_CHECKING:
    from django.http import HttpRequest

    from procurement.models import Evaluation, Invite
    from questionnaires.models import Question

_ROW_MESSAGE = re.compile(r"^Row (\d+): ")


@dataclass
class CellResult:
    """The outcome of one answer of the workbook, where the vendor finds it."""

    status: str  # saved | unchanged | kept_online | invalid | conflict
    sheet: str
    cell: str
    key: str
    prompt: str
    message: str = ""
    yours: str = ""  # the workbook's answer in words (conflicts, invalid tables)
    stored: str = ""  # the stored answer in words (conflicts)


@dataclass
class WorkbookImport:
    results: list[CellResult] = field(default_factory=list)

    def of(self, status: str) -> list[CellResult]:
        return [r for r in self.results if r.status == status]

    @property
    def counts(self) -> dict[str, int]:
        names = ("saved", "unchanged", "kept_online", "invalid", "conflict")
        return {name: len(self.of(name)) for name in names}


def _is_marked(value: Any) -> bool:
    if value is True:
        return True
    return str(value or "").strip().casefold() in (NA_MARK.casefold(), "na", "yes", "x", "true")


def _scalar(value: Any) -> Any:
    """A cell's value in the shape the portal's form would send."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _raw_value(question: Question, cell: CellInput) -> Any:
    """The cell translated from what the workbook shows (labels) to what the validator reads."""
    qtype = question.type
    if qtype == "multi_choice":
        return cell.chosen
    value = _scalar(cell.value)
    if qtype in ("yes_no", "single_choice") and isinstance(value, str):
        if qtype == "yes_no":
            choices = {"yes": "yes", "no": "no"}
        else:
            choices = {}
            for choice in (question.options or {}).get("choices", []):
                choices[str(choice.get("value")).casefold()] = choice.get("value")
                choices[str(choice.get("label") or "").strip().casefold()] = choice.get("value")
        return choices.get(value.casefold(), value)
    if qtype in ("short_text", "long_text", "url") and value is not None and not isinstance(value, str):
        return str(value)
    return value


def _table_value(question: Question, cell: CellInput) -> tuple[Any, list[tuple[str, str]]]:
    """(stored value, [(cell, message)]) of a table, all or nothing as for every import."""
    columns = [c for c in (question.options or {}).get("columns", []) if isinstance(c, dict)]
    typed = [
        {column["key"]: _scalar(cells.get(i)) for i, column in enumerate(columns)} for _, cells in cell.rows
    ]
    table = clean_table(question.options or {}, typed)
    problems = []
    for message in table.held:
        match = _ROW_MESSAGE.match(message)
        sheet_row = cell.rows[int(match.group(1)) - 1][0] if match else None
        problems.append((f"E{sheet_row}" if sheet_row else cell.cell, message))
    return (table.rows or None), problems


def _check(question: Question, cell: CellInput) -> tuple[Any, bool, list[tuple[str, str]]]:
    """(value, is_not_applicable, problems): the cell through the same validator as the portal."""
    if cell.is_formula:
        return None, False, [(cell.cell, "Type the answer itself: formulas are not read.")]
    is_na = _is_marked(cell.not_applicable)
    if is_na:
        if not question.allows_na:
            return None, False, [(cell.cell, "This question cannot be answered 'not applicable'.")]
        return None, True, []
    if question.type == "table":
        value, problems = _table_value(question, cell)
        return value, False, problems
    try:
        return clean_value(question, _raw_value(question, cell)), False, []
    except ValidationError as exc:
        return None, False, [(cell.cell, " ".join(exc.messages))]


def _identity_problem(identity: dict, *, evaluation: Evaluation, invite: Invite | None) -> str:
    if identity["evaluation"] != str(evaluation.public_id):
        return "This workbook belongs to another questionnaire. Download the workbook of this one."
    if identity["invite"] != (str(invite.public_id) if invite else ""):
        return (
            "This workbook was downloaded through another link. Download the workbook here with your "
            "own link and copy your answers into it."
        )
    template = evaluation.template
    if identity["template"] != str(template.public_id) or identity["template_version"] != template.version:
        return (
            f"This workbook was made for another version of the questionnaire; this evaluation uses "
            f"version {template.version}. Download a fresh workbook and copy your answers into it."
        )
    return ""


def _words(data: EvaluationSnapshot, question: Question, value: Any, na: bool) -> str:
    if na:
        return "Not applicable"
    return data.display(question, value, stored=False)["text"]


@transaction.atomic
def workbook_import(
    *,
    invite: Invite,
    uploaded_file: IO[bytes],
    size: int,
    request: HttpRequest | None = None,
) -> WorkbookImport:
    """Saves the valid, changed answers of a workbook uploaded through `invite`.

    Raises ValidationError (nothing saved) when the file is refused as a whole: not an .xlsx,
    macros, too large, damaged, tampered, for another invite or template version, or the
    questionnaire no longer open. Otherwise each answer gets a CellResult.
    """
    evaluation = invite.evaluation
    if not evaluation.is_vendor_editable:
        raise ValidationError(
            f"The questionnaire is {evaluation.get_status_display().lower()} and can no longer be changed.",
            code="locked",
        )
    data = vendor_snapshot(evaluation, sections=invite.sections)
    widths = {q.key: len((q.options or {}).get("columns", [])) for q in data.questions if q.type == "table"}
    upload = workbook_read(uploaded_file, size=size, table_widths=widths)
    problem = _identity_problem(upload.identity, evaluation=evaluation, invite=invite)
    if problem:
        raise ValidationError(problem, code="foreign")
    made_with = {row[0]: (row[2], row[3]) for row in upload.identity["rows"]}
    outcome = WorkbookImport()
    for question in data.questions:
        cell = upload.cells.get(question.key)
        if cell is None or question.key not in made_with:
            continue
        # Documents are uploaded in the portal; a file question's row can only say "not applicable".
        if question.type == "file" and not (question.allows_na and _is_marked(cell.not_applicable)):
            continue
        result = CellResult(
            status="unchanged", sheet=cell.sheet, cell=cell.cell, key=question.key, prompt=question.prompt
        )
        value, is_na, problems = _check(question, cell)
        if problems:
            outcome.results.extend(
                CellResult(
                    status="invalid",
                    sheet=cell.sheet,
                    cell=where,
                    key=question.key,
                    prompt=question.prompt,
                    message=message,
                )
                for where, message in problems
            )
            continue
        stored = data.answers.get(question.pk)
        stored_pair = (stored.value, stored.is_not_applicable) if stored else (None, False)
        version, digest = made_with[question.key]
        if (value, is_na) == stored_pair:
            outcome.results.append(result)
            continue
        if answer_digest(value, is_na) == digest:
            # Left as downloaded while someone changed it online: the newer answer stands.
            result.status = "kept_online"
            result.message = "Changed online after the workbook was downloaded; the online answer was kept."
            outcome.results.append(result)
            continue
        conflict = (stored.version if stored else 0) != version
        if not conflict:
            try:
                answer_save(
                    evaluation=evaluation,
                    question=question,
                    value=value,
                    is_not_applicable=is_na,
                    expected_version=version,
                    contact=invite.contact,
                    request=request,
                    invite=invite,
                )
            except AnswerConflict as exc:
                conflict, stored = True, exc.answer
            except ValidationError as exc:
                result.status, result.message = "invalid", " ".join(exc.messages)
                outcome.results.append(result)
                continue
            else:
                result.status = "saved"
                outcome.results.append(result)
                continue
        result.status = "conflict"
        result.message = "Changed online after the workbook was downloaded; nothing was overwritten."
        result.yours = _words(data, question, value, is_na)
        result.stored = (
            _words(data, question, stored.value, stored.is_not_applicable) if stored else "Not answered"
        )
        outcome.results.append(result)
    counts = outcome.counts
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.WORKBOOK_IMPORTED,
        summary=(
            f"Workbook imported: {counts['saved']} answers saved, {counts['invalid']} cells refused, "
            f"{counts['conflict']} conflicts"
        ),
        contact=invite.contact,
        request=request,
        data={
            **counts,
            "saved_keys": [r.key for r in outcome.of("saved")],
            "conflict_keys": [r.key for r in outcome.of("conflict")],
        },
    )
    return outcome
