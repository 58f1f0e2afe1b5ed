"""One way of showing an answer, shared by the PDF, the screens and the exports.

The result is plain data (strings, lists), never markup: templates escape it like any other text,
so nothing a vendor typed can become HTML or CSS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from questionnaires.engine.rules import parse_date

EMPTY = "empty"
NOT_APPLICABLE = "na"
TEXT = "text"
LIST = "list"
TABLE = "table"
FILES = "files"


def format_number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):,}"
    return f"{number.normalize():,f}"


def format_date(value: Any) -> str:
    parsed = parse_date(value)
    return f"{parsed.day} {parsed:%B %Y}" if parsed else str(value)


def _choice_labels(options: Mapping) -> dict[str, str]:
    return {c.get("value"): c.get("label") or c.get("value") for c in options.get("choices", [])}


def _cell(value: Any, column_type: str) -> str:
    if value is None:
        return ""
    if column_type == "number":
        return format_number(value)
    return str(value)


def format_answer(
    *,
    qtype: str,
    options: Mapping | None,
    value: Any,
    is_not_applicable: bool = False,
    file_names: Iterable[str] = (),
) -> dict[str, Any]:
    """The answer as {kind, text, items, columns, rows}; `text` is always a one-line summary."""
    options = options or {}
    file_names = list(file_names)
    result: dict[str, Any] = {"kind": TEXT, "text": "", "items": [], "columns": [], "rows": []}
    if is_not_applicable:
        return {**result, "kind": NOT_APPLICABLE, "text": "Not applicable"}
    if qtype == "file":
        if not file_names:
            return {**result, "kind": EMPTY, "text": "No file provided"}
        return {**result, "kind": FILES, "items": file_names, "text": "; ".join(file_names)}
    if value in (None, "", [], {}):
        return {**result, "kind": EMPTY, "text": "Not answered"}
    if qtype == "yes_no":
        text = {"yes": "Yes", "no": "No"}.get(value, str(value))
    elif qtype == "single_choice":
        text = _choice_labels(options).get(value, str(value))
    elif qtype == "multi_choice":
        labels = _choice_labels(options)
        items = [labels.get(v, str(v)) for v in (value if isinstance(value, list) else [value])]
        return {**result, "kind": LIST, "items": items, "text": "; ".join(items)}
    elif qtype == "number":
        unit = options.get("unit")
        text = format_number(value) + (f" {unit}" if unit else "")
    elif qtype == "date":
        text = format_date(value)
    elif qtype == "table":
        columns = [c for c in options.get("columns", []) if isinstance(c, Mapping)]
        rows_in = value if isinstance(value, list) else []
        rows = [
            [_cell(row.get(c.get("key")), c.get("type", "text")) for c in columns]
            for row in rows_in
            if isinstance(row, Mapping)
        ]
        labels = [c.get("label") or c.get("key") for c in columns]
        summary = " | ".join(
            ", ".join(f"{label}: {cell}" for label, cell in zip(labels, row, strict=True)) for row in rows
        )
        return {**result, "kind": TABLE, "columns": labels, "rows": rows, "text": summary}
    else:
        text = str(value)
    return {**result, "text": text}


def format_score(score: Any) -> str:
    """Scores are 0 to 100; shown with at most one decimal."""
    if score is None or score == "":
        return "—"
    try:
        number = Decimal(str(score))
    except (InvalidOperation, ValueError):
        return str(score)
    return f"{number.quantize(Decimal('0.1')).normalize():f}"


def format_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text and never evaluates."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


TIER_ORDER = ("low", "moderate", "high", "critical")


def tier_explanation(*, overall: Any, score_tier: str, tier: str, caps: Iterable[str]) -> str:
    """Why the final tier is what it is: what the score gives, and which findings raise it.

    A finding's cap is a floor ("at least high"), never a ceiling, so a critical score with a
    finding that caps at high reads as critical without contradiction.
    """
    if not tier:
        return "Not scored yet."
    raising = sorted((c for c in caps if c in TIER_ORDER), key=TIER_ORDER.index)
    if score_tier:
        text = f"The overall score of {format_number(overall)} gives the {score_tier} tier."
    else:
        text = "No question could be scored, so only the findings set the tier."
    if not raising:
        return f"{text} No finding raises it."
    worst = raising[-1]
    count = len(raising)
    plural = "finding raises" if count == 1 else "findings raise"
    if TIER_ORDER.index(worst) <= TIER_ORDER.index(score_tier or "low") and score_tier:
        return f"{text} {count} {plural} the tier to at least {worst}, which the score already reaches."
    decisive = raising.count(worst)
    return (
        f"{text} {count} {plural} the tier to at least {raising[0]}"
        + (f" and {decisive} to {worst}" if raising[0] != worst else "")
        + f", so the tier is {tier}."
    )
