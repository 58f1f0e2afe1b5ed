"""Checking and normalising answer values, and what a set of answers means for completeness.

Pure functions over questions and answers already loaded: no queries, no imports from other apps.
The values produced follow the formats documented in `questionnaires.engine.rules`. Saving (with its
audit trail) belongs to the layer that knows who is answering.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from questionnaires.engine.rules import QuestionRef, shown_keys

TEXT_MAX_LENGTH = {"short_text": 500, "long_text": 20000}
URL_MAX_LENGTH = 2000
TABLE_MAX_ROWS = 200
EMPTY = (None, "", [], {})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class AnswerConflict(Exception):
    """The answer changed since the form was loaded; carries the answer as it is stored now."""

    def __init__(self, answer: Any) -> None:
        super().__init__("This answer was changed by someone else since you opened the page.")
        self.answer = answer


def is_empty(value: Any) -> bool:
    return value in EMPTY


def _as_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    return str(raw).strip()


# Beyond this size a number is a typing slip, not an answer (and floats stop holding it exactly).
NUMBER_LIMIT = Decimal("1e15")


def _with_unit(bound: Any, unit: str) -> str:
    return f"{bound} {unit}" if unit else str(bound)


def _range_message(label: str, low: Any, high: Any, unit: str) -> str:
    """Names the allowed range and its unit, so the vendor knows what to type instead."""
    if low is not None and high is not None:
        return f"{label} must be between {low} and {_with_unit(high, unit)}."
    if low is not None:
        return f"{label} must be at least {_with_unit(low, unit)}."
    return f"{label} must be at most {_with_unit(high, unit)}."


def _clean_number(
    raw: Any, *, low: Any = None, high: Any = None, unit: str = "", label: str = "The answer"
) -> int | float:
    text = _as_text(raw).replace(",", "") if not isinstance(raw, int | float) else str(raw)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label} must be a number, for example 12 or 12.5.", code="number") from None
    if not number.is_finite():
        raise ValidationError(f"{label} must be a number, for example 12 or 12.5.", code="number")
    if low is not None and number < Decimal(str(low)):
        raise ValidationError(_range_message(label, low, high, unit), code="min")
    if high is not None and number > Decimal(str(high)):
        raise ValidationError(_range_message(label, low, high, unit), code="max")
    if abs(number) > NUMBER_LIMIT:
        raise ValidationError(
            _range_message(label, f"{-NUMBER_LIMIT:,.0f}", f"{NUMBER_LIMIT:,.0f}", unit), code="range"
        )
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _choice_values(question: Any) -> list[str]:
    return [c.get("value") for c in (question.options or {}).get("choices", []) if isinstance(c, Mapping)]


def clean_value(question: Any, raw: Any) -> Any:
    """The stored form of what the vendor typed, or ValidationError with a message for the field.

    An empty input clears the answer (None): a vendor may save part of the questionnaire and come
    back; completeness is checked on submission, not on each save.
    """
    qtype = question.type
    options = question.options or {}
    if qtype == "table":
        return _clean_table(options, raw)
    if qtype == "multi_choice":
        values = raw if isinstance(raw, list) else ([] if raw in EMPTY else [raw])
        values = [str(v) for v in values if str(v).strip()]
        allowed = _choice_values(question)
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ValidationError("Choose only among the listed options.", code="choice")
        chosen = set(values)
        return [v for v in allowed if v in chosen] or None
    if qtype == "file":
        raise ValidationError("Attach the document with the upload button.", code="file")

    text = _as_text(raw)
    if not text:
        return None
    if qtype == "yes_no":
        if text not in ("yes", "no"):
            raise ValidationError("Choose yes or no.", code="choice")
        return text
    if qtype == "single_choice":
        if text not in _choice_values(question):
            raise ValidationError("Choose one of the listed options.", code="choice")
        return text
    if qtype in TEXT_MAX_LENGTH:
        limit = options.get("max_length") or TEXT_MAX_LENGTH[qtype]
        if len(text) > limit:
            raise ValidationError(
                f"Keep the answer within {limit} characters (it has {len(text)}).", code="max_length"
            )
        return text
    if qtype == "number":
        return _clean_number(
            text, low=options.get("min"), high=options.get("max"), unit=str(options.get("unit") or "")
        )
    if qtype == "date":
        try:
            if not _ISO_DATE.match(text):
                raise ValueError
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                "Enter a real date as YYYY-MM-DD, for example 2024-03-31.", code="date"
            ) from None
        if not 1900 <= day.year <= 2200:
            raise ValidationError("Enter a date between the years 1900 and 2200.", code="date")
        return day.isoformat()
    if qtype == "url":
        if len(text) > URL_MAX_LENGTH:
            raise ValidationError(f"A web address may have at most {URL_MAX_LENGTH} characters.", code="url")
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise ValidationError(
                "Enter a full web address starting with https:// (or http://).", code="url"
            ) from None
        return text
    raise ValidationError(f"Unknown question type {qtype!r}.", code="type")


@dataclass
class TableInput:
    """A table as typed, split by the one rule a vendor can rely on while filling it in.

    - a row with every column filled (and valid) is stored: `rows`;
    - a blank row, or one holding nothing but its pre-filled label (`required_rows`), is ignored;
    - any other row is held back with a message in `held`, and the rows around it still save.

    Whether the question as a whole is complete (say, every required row present) is judged at
    submission, not here.
    """

    rows: list[dict] = field(default_factory=list)
    held: list[str] = field(default_factory=list)


def _is_label_only(cells: Mapping[str, str], options: Mapping) -> bool:
    row_key = options.get("row_key")
    labels = {str(label).strip().casefold() for label in options.get("required_rows") or []}
    filled = [key for key, value in cells.items() if value]
    return filled == [row_key] and cells[row_key].casefold() in labels


def clean_table(options: Mapping, raw: Any) -> TableInput:
    """Splits typed table rows into the complete ones and the held-back ones (see TableInput).

    Raises ValidationError only when the input as a whole cannot be read.
    """
    columns = [c for c in options.get("columns", []) if isinstance(c, Mapping)]
    if raw in EMPTY:
        return TableInput()
    if not isinstance(raw, list) or not all(isinstance(row, Mapping) for row in raw):
        raise ValidationError("The table could not be read; fill in its rows again.", code="table")
    if len(raw) > TABLE_MAX_ROWS:
        raise ValidationError(f"A table may have at most {TABLE_MAX_ROWS} rows.", code="table")
    table = TableInput()
    # Rows are numbered as the vendor sees them, blank ones included.
    for number, row in enumerate(raw, start=1):
        cells = {c["key"]: _as_text(row.get(c["key"])) for c in columns}
        if not any(cells.values()) or _is_label_only(cells, options):
            continue
        missing = [c.get("label") or c["key"] for c in columns if not cells[c["key"]]]
        if missing:
            table.held.append(
                f"Row {number}: fill in every column to save this row (missing: {', '.join(missing)})."
            )
            continue
        clean: dict[str, Any] = {}
        problem = ""
        for column in columns:
            value = cells[column["key"]]
            if column.get("type") == "number":
                try:
                    value = _clean_number(value, label=column.get("label") or column["key"])
                except ValidationError as exc:
                    problem = problem or exc.messages[0]
            elif len(value) > TEXT_MAX_LENGTH["short_text"]:
                problem = problem or "keep each cell within 500 characters."
            clean[column["key"]] = value
        if problem:
            table.held.append(f"Row {number}: {problem} The row was not saved.")
        else:
            table.rows.append(clean)
    return table


def _clean_table(options: Mapping, raw: Any) -> list[dict] | None:
    """All or nothing, for callers that cannot show a message per row (the API, imports)."""
    table = clean_table(options, raw)
    if table.held:
        raise ValidationError(table.held, code="table")
    return table.rows or None


@dataclass
class QuestionnaireState:
    """Visibility, completion and progress of one evaluation's answers.

    Built from rows already loaded (ordered questions, the evaluation's answers, and the number of
    evidence files per question id), so that pages with many questions stay at a fixed number of
    queries.

    `pending` holds the ids of questions whose answer was prefilled (carried forward or read from a
    model card) and not yet confirmed: such an answer is no answer at all, neither for completion
    nor for the conditions that show follow-up questions.
    """

    questions: Sequence[Any]
    answers: Mapping[int, Any]  # question id -> Answer
    file_counts: Mapping[int, int] = field(default_factory=dict)
    pending: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        given = {}
        for question in self.questions:
            answer = self.answers.get(question.id)
            if answer is not None and question.id not in self.pending:
                given[question.key] = (answer.value, answer.is_not_applicable)
        self.values_by_key: dict[str, Any] = {key: value for key, (value, na) in given.items() if not na}
        self.visible: set[str] = shown_keys((QuestionRef(q.key, q.condition) for q in self.questions), given)

    def is_visible(self, question: Any) -> bool:
        return question.key in self.visible

    def has_evidence(self, question: Any) -> bool:
        return self.file_counts.get(question.id, 0) > 0

    def is_pending(self, question: Any) -> bool:
        return question.id in self.pending

    def is_answered(self, question: Any) -> bool:
        if question.id in self.pending:
            return False
        answer = self.answers.get(question.id)
        if answer is not None and answer.is_not_applicable and question.allows_na:
            return True
        if question.type == "file":
            return self.has_evidence(question)
        if answer is None or is_empty(answer.value):
            return False
        return not question.requires_evidence or self.has_evidence(question)

    def missing(self, questions: Iterable[Any] | None = None) -> list[Any]:
        """Required questions that are shown and not answered, in questionnaire order."""
        return [
            q
            for q in (self.questions if questions is None else questions)
            if q.is_required and self.is_visible(q) and not self.is_answered(q)
        ]

    def progress(self, questions: Iterable[Any] | None = None) -> tuple[int, int]:
        """(complete, total) items, where an item is a question together with its follow-ups.

        A follow-up (a question shown by a condition) belongs to the item of the question it
        depends on, so answering a question that reveals follow-ups does not move the total; the
        item is complete when every shown required question in it is answered. Over a part of
        the questionnaire (a section) a follow-up whose parent lies elsewhere starts its own item,
        counted only while it is shown. Hidden questions never count.
        """
        questions = list(self.questions if questions is None else questions)
        within = {q.key for q in questions}
        parent = {
            q.key: (q.condition or {}).get("question") for q in questions if isinstance(q.condition, Mapping)
        }
        items: dict[str, list[Any]] = {}
        for question in questions:
            head = question.key
            while parent.get(head) in within:
                head = parent[head]
            if question.is_required and self.is_visible(question):
                items.setdefault(head, []).append(question)
        done = sum(1 for members in items.values() if all(self.is_answered(q) for q in members))
        return done, len(items)


def percent(done: int, total: int) -> int:
    return 100 if total == 0 else round(100 * done / total)
