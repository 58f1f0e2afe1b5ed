"""Comparing evaluations: side by side, and what changed since the previous evaluation of a product."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from procurement.models import Evaluation
from reports.context import (
    COMPARISON_MAX,
    COMPARISON_MIN,
    CONFIDENTIALITY_LABEL,
    _evaluation_label,
    _finding,
    _load,
    _score_facts,
    _section_score,
)


def comparison_context(evaluations: list[Evaluation]) -> dict[str, Any]:
    """Two to five evaluations side by side; sections and questions are matched by their keys."""
    if not COMPARISON_MIN <= len(evaluations) <= COMPARISON_MAX:
        raise ValidationError(
            {"evaluations": f"Choose between {COMPARISON_MIN} and {COMPARISON_MAX} evaluations to compare."}
        )
    if len({e.pk for e in evaluations}) != len(evaluations):
        raise ValidationError({"evaluations": "Choose each evaluation only once."})
    if len({e.organization_id for e in evaluations}) != 1:
        raise ValidationError({"evaluations": "Only evaluations of one organization can be compared."})
    loaded = [_load(e.pk) for e in evaluations]

    columns = []
    for item in loaded:
        evaluation = item.evaluation
        columns.append(
            {
                "public_id": str(evaluation.public_id),
                "label": _evaluation_label(evaluation),
                "vendor": evaluation.product.vendor.legal_name,
                "product": str(evaluation.product),
                "template": f"{evaluation.template.name} v{evaluation.template.version}",
                "status": evaluation.get_status_display(),
                "decision": evaluation.get_decision_display(),
                **_score_facts(item),
                "findings": [_finding(f) for f in item.findings],
            }
        )

    section_rows: dict[str, dict[str, Any]] = {}
    answer_rows: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(loaded):
        for section in item.sections:
            row = section_rows.setdefault(
                section.key, {"key": section.key, "title": section.title, "scores": ["—"] * len(loaded)}
            )
            row["scores"][position] = _section_score(item, section)["score_display"]
            for question in item.questions(section):
                answer_row = answer_rows.setdefault(
                    question.key,
                    {
                        "key": question.key,
                        "section": section.title,
                        "prompt": question.prompt,
                        "answers": ["Not asked"] * len(loaded),
                        "comparables": [None] * len(loaded),
                    },
                )
                answer_row["answers"][position] = item.answer(question)["text"]
                answer_row["comparables"][position] = item.answer(question)["text"]
    rows = []
    for row in answer_rows.values():
        comparables = row.pop("comparables")
        rows.append({**row, "differs": len(set(comparables)) > 1})
    first = loaded[0].evaluation
    return {
        "kind": "comparison",
        "title": "Comparison: " + ", ".join(c["label"] for c in columns),
        "subject": "Side-by-side comparison of clinical AI vendor evaluations",
        "author": first.organization.name,
        "running_title": f"Comparison of {len(columns)} evaluations",
        "organization": first.organization.name,
        "confidentiality": CONFIDENTIALITY_LABEL,
        "evaluations": columns,
        "section_rows": list(section_rows.values()),
        "answer_rows": rows,
    }
