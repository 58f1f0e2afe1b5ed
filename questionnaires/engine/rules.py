"""The shapes of answers, visibility conditions and scoring rules, and the logic they share.

Answer values, by question type (`Answer.value`, JSON):
    yes_no         "yes" | "no"             (not applicable: Answer.is_not_applicable)
    single_choice  "<choice value>"
    multi_choice   ["<choice value>", ...]
    short_text     "text"          long_text  "text"
    number         12.5            date       "YYYY-MM-DD"        url  "https://..."
    file           null (the files are EvidenceFile rows; answered when one is attached)
    table          [{"<column key>": value, ...}, ...]

Question.options, by type:
    single_choice / multi_choice  {"choices": [{"value": "...", "label": "..."}]}
    number                        {"unit": "days", "min": 0, "max": 365}      (all optional)
    file                          {"has_expiry": true}                         (optional)
    table                         {"columns": [{"key": "...", "label": "...", "type": "text"|"number"}],
                                   "required_rows": ["Female", "Male", ...],   (optional: values that
                                   "row_key": "subgroup"}                       the row_key column must cover)
    short_text / long_text        {"max_length": 500}                          (optional)

Question.condition: {"question": "<earlier key>", "operator": "equals"|"contains"|"at_least", "value": ...}

Question.scoring (null: the question is informational and not scored). Per type:
    yes_no         {"expected": "yes"|"no"}
    single_choice  {"points": {"<choice value>": 0..100, ...}}
    multi_choice   {"points": {"<choice value>": 0..100, ...}, "mode": "sum"|"max"}   (sum is capped at 100)
    number         {"bands": [{"min": n|null, "max": n|null, "points": 0..100}, ...]}  (bounds inclusive)
    short_text / long_text  {"min_length": n}
    url            {"present": true}
    date           {"max_age_days": n}              (the date must lie within n days before today)
    file           {"require_unexpired": true|false, "max_age_days": n|null}
    table          {"min_rows": n, "require_all_rows": true|false}
and on any type, optionally, a knock-out that caps the risk tier whatever the score:
    "critical": {"operator": "equals"|"not_equals"|"contains"|"at_least"|"at_most"|"in"|"unanswered",
                 "value": ..., "reason": "...", "cap_tier": "high"|"critical", "citation": "...",
                 "standing": "law"|"proposed"|"guidance"|"voluntary"}   (standing optional)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from questionnaires.engine.documents import document_types_errors

QUESTION_TYPES = (
    "yes_no",
    "single_choice",
    "multi_choice",
    "short_text",
    "long_text",
    "number",
    "date",
    "url",
    "file",
    "table",
)
CHOICE_TYPES = ("single_choice", "multi_choice")
CONDITION_OPERATORS = ("equals", "contains", "at_least")
CRITICAL_OPERATORS = ("equals", "not_equals", "contains", "at_least", "at_most", "in", "unanswered")
TIERS = ("low", "moderate", "high", "critical")
STANDINGS = ("law", "proposed", "guidance", "voluntary")


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def compare(operator: str, answer: Any, expected: Any) -> bool:
    """Does an answer value satisfy `operator expected`? Unanswered satisfies only 'unanswered'."""
    if operator == "unanswered":
        return answer in (None, "", [], {})
    if answer in (None, "", [], {}):
        return False
    if operator == "equals":
        return answer == expected
    if operator == "not_equals":
        return answer != expected
    if operator == "in":
        return isinstance(expected, list) and answer in expected
    if operator == "contains":
        if isinstance(answer, list):
            return expected in answer
        return isinstance(answer, str) and isinstance(expected, str) and expected.lower() in answer.lower()
    if operator in ("at_least", "at_most"):
        left, right = _number(answer), _number(expected)
        if left is None or right is None:
            if isinstance(answer, str) and isinstance(expected, str):  # ISO dates compare as text
                return answer >= expected if operator == "at_least" else answer <= expected
            return False
        return left >= right if operator == "at_least" else left <= right
    raise ValueError(f"Unknown operator {operator!r}")


def condition_met(condition: Mapping | None, answers: Mapping[str, Any]) -> bool:
    if not condition:
        return True
    return compare(condition["operator"], answers.get(condition["question"]), condition.get("value"))


@dataclass(frozen=True)
class QuestionRef:
    """The little a visibility computation needs to know about a question."""

    key: str
    condition: Mapping | None


def visible_keys(questions: Iterable[QuestionRef], answers: Mapping[str, Any]) -> set[str]:
    """Keys of the questions shown for these answers, in one pass over the ordered questions.

    A question is shown when its condition holds and the question it depends on is itself shown,
    so chains collapse as soon as one link is hidden. Answers to hidden questions are ignored.
    """
    shown: set[str] = set()
    for question in questions:
        condition = question.condition
        if not condition:
            shown.add(question.key)
            continue
        source = condition.get("question")
        if source in shown and condition_met(condition, answers):
            shown.add(question.key)
    return shown


def answer_values(answers: Mapping[str, tuple[Any, bool]]) -> dict[str, Any]:
    """{key: value} for conditions and checks, from answers given as {key: (value, is_not_applicable)}.

    The one statement of the rule that a "not applicable" answer has no value: the portal,
    submission, review, reports, scoring and the consistency checks all read answers through here.
    """
    return {key: (None if not_applicable else value) for key, (value, not_applicable) in answers.items()}


def shown_keys(questions: Iterable[QuestionRef], answers: Mapping[str, tuple[Any, bool]]) -> set[str]:
    """Keys of the questions shown for answers given as {key: (value, is_not_applicable)}."""
    return visible_keys(questions, answer_values(answers))


def validate_condition_graph(questions: Iterable[QuestionRef]) -> list[str]:
    """Errors for conditions that point at unknown, later or the same questions (cycles)."""
    errors: list[str] = []
    seen: set[str] = set()
    questions = list(questions)
    all_keys = {q.key for q in questions}
    for question in questions:
        condition = question.condition
        if condition:
            errors.extend(f"{question.key}: {e}" for e in validate_condition_shape(condition))
            source = condition.get("question")
            if source == question.key:
                errors.append(f"{question.key}: the condition refers to the question itself (a cycle).")
            elif source not in all_keys:
                errors.append(f"{question.key}: the condition refers to {source!r}, which does not exist.")
            elif source not in seen:
                errors.append(
                    f"{question.key}: the condition refers to {source!r}, which comes later; "
                    "conditions may only refer to earlier questions (this also rules out cycles)."
                )
        seen.add(question.key)
    return errors


def validate_condition_shape(condition: Any) -> list[str]:
    if not isinstance(condition, Mapping):
        return ["the condition must be an object."]
    errors = []
    if not isinstance(condition.get("question"), str) or not condition.get("question"):
        errors.append("the condition needs the key of the question it depends on.")
    if condition.get("operator") not in CONDITION_OPERATORS:
        errors.append(f"the condition operator must be one of {', '.join(CONDITION_OPERATORS)}.")
    if "value" not in condition:
        errors.append("the condition needs a value.")
    return errors


def validate_options(qtype: str, options: Any) -> list[str]:
    if qtype not in QUESTION_TYPES:
        return [f"unknown question type {qtype!r}."]
    if not isinstance(options, Mapping):
        return ["options must be an object."]
    errors: list[str] = []
    if qtype in CHOICE_TYPES:
        choices = options.get("choices")
        if not isinstance(choices, list) or not choices:
            errors.append("a choice question needs at least one choice.")
        else:
            values = [c.get("value") if isinstance(c, Mapping) else None for c in choices]
            if any(not isinstance(v, str) or not v for v in values):
                errors.append("every choice needs a non-empty value and a label.")
            elif len(set(values)) != len(values):
                errors.append("choice values must be unique.")
    if qtype == "number":
        low, high = options.get("min"), options.get("max")
        for name, bound in (("min", low), ("max", high)):
            if bound is not None and _number(bound) is None:
                errors.append(f"{name} must be a number.")
        if _number(low) is not None and _number(high) is not None and _number(low) > _number(high):
            errors.append("min must not be greater than max.")
    if qtype == "table":
        columns = options.get("columns")
        if not isinstance(columns, list) or not columns:
            errors.append("a table question needs at least one column.")
        else:
            keys = [c.get("key") if isinstance(c, Mapping) else None for c in columns]
            if any(not isinstance(k, str) or not k for k in keys):
                errors.append("every column needs a key and a label.")
            elif len(set(keys)) != len(keys):
                errors.append("column keys must be unique.")
            elif options.get("required_rows") and options.get("row_key") not in keys:
                errors.append("required_rows needs row_key naming one of the columns.")
    errors.extend(document_types_errors(options))
    return errors


def validate_scoring(qtype: str, scoring: Any, options: Mapping | None = None) -> list[str]:
    """Shape errors of a scoring rule for a question of this type (empty list: valid)."""
    if scoring is None:
        return []
    if not isinstance(scoring, Mapping):
        return ["the scoring rule must be an object."]
    options = options or {}
    errors: list[str] = []

    def points_ok(value: Any) -> bool:
        number = _number(value)
        return number is not None and 0 <= number <= 100

    if qtype == "yes_no":
        if scoring.get("expected") not in ("yes", "no"):
            errors.append("a yes/no rule needs expected: yes or no.")
    elif qtype in CHOICE_TYPES:
        points = scoring.get("points")
        valid_values = {c.get("value") for c in options.get("choices", []) if isinstance(c, Mapping)}
        if not isinstance(points, Mapping) or not points:
            errors.append("a choice rule needs points for its choices.")
        else:
            unknown = sorted(set(points) - valid_values)
            if unknown:
                errors.append(f"points name choices that do not exist: {', '.join(unknown)}.")
            if not all(points_ok(v) for v in points.values()):
                errors.append("points must be numbers from 0 to 100.")
        if qtype == "multi_choice" and scoring.get("mode", "sum") not in ("sum", "max"):
            errors.append("mode must be sum or max.")
    elif qtype == "number":
        bands = scoring.get("bands")
        if not isinstance(bands, list) or not bands:
            errors.append("a number rule needs at least one band.")
        else:
            for band in bands:
                if not isinstance(band, Mapping) or not points_ok(band.get("points")):
                    errors.append("every band needs points from 0 to 100.")
                    break
                if band.get("min") is not None and _number(band.get("min")) is None:
                    errors.append("band bounds must be numbers.")
                    break
    elif qtype in ("short_text", "long_text"):
        if not isinstance(scoring.get("min_length"), int) or scoring["min_length"] < 0:
            errors.append("a text rule needs min_length, a whole number of characters.")
    elif qtype == "url":
        if scoring.get("present") is not True:
            errors.append("a URL rule is {present: true}.")
    elif qtype == "date":
        if not isinstance(scoring.get("max_age_days"), int) or scoring["max_age_days"] <= 0:
            errors.append("a date rule needs max_age_days, a positive whole number.")
    elif qtype == "file":
        if not isinstance(scoring.get("require_unexpired", False), bool):
            errors.append("require_unexpired must be true or false.")
        age = scoring.get("max_age_days")
        if age is not None and (not isinstance(age, int) or age <= 0):
            errors.append("max_age_days must be a positive whole number.")
    elif qtype == "table":
        rows = scoring.get("min_rows", 0)
        if not isinstance(rows, int) or rows < 0:
            errors.append("min_rows must be a whole number.")
        if not isinstance(scoring.get("require_all_rows", False), bool):
            errors.append("require_all_rows must be true or false.")

    critical = scoring.get("critical")
    if critical is not None:
        if not isinstance(critical, Mapping):
            errors.append("critical must be an object.")
        else:
            if critical.get("operator") not in CRITICAL_OPERATORS:
                errors.append(f"the knock-out operator must be one of {', '.join(CRITICAL_OPERATORS)}.")
            if not critical.get("reason"):
                errors.append("a knock-out needs the reason shown to reviewers.")
            if critical.get("cap_tier", "critical") not in ("high", "critical"):
                errors.append("cap_tier must be high or critical.")
            if critical.get("standing", "law") not in STANDINGS:
                errors.append(f"a knock-out's standing must be one of {', '.join(STANDINGS)}.")
    return errors


def validate_references(references: Any) -> list[str]:
    if not isinstance(references, list):
        return ["references must be a list."]
    errors = []
    for ref in references:
        if not isinstance(ref, Mapping) or not ref.get("citation"):
            errors.append("every reference needs its citation text.")
        elif ref.get("standing") not in STANDINGS:
            errors.append(f"a reference's standing must be one of {', '.join(STANDINGS)}.")
    return errors


def parse_date(value: Any) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None
