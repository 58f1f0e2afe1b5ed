"""Pure scoring of one set of answers against one template version.

No database access here: callers pass plain data (see `SectionSpec`, `QuestionSpec`) so that the
same function serves the Celery task, the benchmark and the tests. The meaning of each rule shape
is documented in `questionnaires.engine.rules`; `RULES_VERSION` changes whenever that meaning changes here,
so a stored score always says which semantics produced it.

Semantics in one place:
- A visible question with a scoring rule gets 0..100. Unanswered counts as 0.
- "Not applicable" removes the question from its section's denominator only when the question
  allows it; otherwise it scores 0 like any unanswered question.
- Hidden questions (their condition does not hold) are neither scored nor counted.
- A reviewer override replaces the computed score of a visible scored question.
- Section score: weighted mean of its scored questions; a section with nothing scorable (or only
  zero weights) is left out. Overall: weighted mean of the remaining sections.
- Tier from the template thresholds (minimum overall score for low, moderate, high; below that,
  critical), then capped by knock-outs and by consistency checks that carry a cap.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from questionnaires.engine.checks import (
    CheckFinding,
    Citation,
    NotAssessable,
    citations_of,
    not_assessable,
    run_checks,
)
from questionnaires.engine.documents import Document, documents_of
from questionnaires.engine.facts import question_facts
from questionnaires.engine.rules import (
    TIERS,
    QuestionRef,
    _number,
    answer_values,
    compare,
    parse_date,
    visible_keys,
)

# Bump when any rule's meaning changes: stored runs with another version are recomputed.
RULES_VERSION = "2026.12-2"

TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    type: str
    weight: float = 1.0
    options: Mapping[str, Any] = field(default_factory=dict)
    scoring: Mapping[str, Any] | None = None
    condition: Mapping[str, Any] | None = None
    allows_na: bool = False
    fact: str = ""


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    weight: float = 1.0
    questions: Sequence[QuestionSpec] = ()


@dataclass(frozen=True)
class KnockOut:
    question_key: str
    reason: str
    citation: str
    cap_tier: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class SectionScore:
    key: str
    title: str
    weight: float
    score: float


@dataclass
class ScoreResult:
    rules_version: str
    # Final per-question score (after overrides); None = unscored, hidden or not applicable.
    question_scores: dict[str, float | None]
    # Before overrides, so that the UI can show computed next to overridden.
    computed_scores: dict[str, float | None]
    sections: list[SectionScore]
    overall: float | None
    score_tier: str  # from the thresholds alone ("" when nothing was scorable)
    tier: str  # after knock-out and check caps
    knockouts: list[KnockOut]
    findings: list[CheckFinding]
    visible: set[str]
    # Checks this template cannot run: a fact they need is asked by none of its questions.
    not_assessable: list[NotAssessable] = field(default_factory=list)


# Answers are (value, is_not_applicable); evidence is [(uploaded_at, expires_on), ...] per key.
Answers = Mapping[str, tuple[Any, bool]]
Evidence = Mapping[str, Sequence[tuple[datetime.date | datetime.datetime, datetime.date | None]]]


# The vendor's description of each evidence file, per question key (see engine.documents).
Documents = Mapping[str, Sequence[Document]]


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _filled(cell: Any) -> bool:
    if isinstance(cell, str):
        return bool(cell.strip())
    return cell is not None


def table_row_complete(row: Any, column_keys: Sequence[str]) -> bool:
    return isinstance(row, Mapping) and all(_filled(row.get(key)) for key in column_keys)


def valid_files(
    files: Sequence[tuple[Any, datetime.date | None]], rule: Mapping[str, Any], today: datetime.date
) -> list[tuple[Any, datetime.date | None]]:
    """The files that satisfy a file rule's freshness conditions."""
    max_age = rule.get("max_age_days")
    keep = []
    for uploaded_at, expires_on in files:
        # expires_on < today means expired; a document valid through today still counts.
        if rule.get("require_unexpired") and expires_on is not None and expires_on < today:
            continue
        if max_age and (today - _as_date(uploaded_at)).days > max_age:
            continue
        keep.append((uploaded_at, expires_on))
    return keep


def rule_score(
    question: QuestionSpec, value: Any, files: Sequence[tuple[Any, Any]], today: datetime.date
) -> float:
    """Score 0..100 of one answered-or-not visible question under its rule."""
    rule = question.scoring or {}
    qtype = question.type
    if qtype == "file":
        return 100.0 if files and valid_files(files, rule, today) else 0.0
    if _blank(value):
        return 0.0
    if qtype == "yes_no":
        return 100.0 if value == rule.get("expected") else 0.0
    if qtype == "single_choice":
        return float(_number(rule.get("points", {}).get(value, 0)) or 0)
    if qtype == "multi_choice":
        values = value if isinstance(value, list) else [value]
        points = [float(_number(rule.get("points", {}).get(v, 0)) or 0) for v in values]
        if rule.get("mode", "sum") == "max":
            return max(points, default=0.0)
        return min(100.0, sum(points))
    if qtype == "number":
        number = _number(value)
        if number is None:
            return 0.0
        for band in rule.get("bands", []):
            low, high = _number(band.get("min")), _number(band.get("max"))
            if (low is None or number >= low) and (high is None or number <= high):
                return float(_number(band.get("points")) or 0)
        return 0.0
    if qtype in ("short_text", "long_text"):
        return 100.0 if isinstance(value, str) and len(value.strip()) >= rule.get("min_length", 0) else 0.0
    if qtype == "url":
        ok = isinstance(value, str) and value.strip().lower().startswith(("https://", "http://"))
        return 100.0 if ok else 0.0
    if qtype == "date":
        when = parse_date(value)
        if when is None:
            return 0.0
        age = (today - when).days
        return 100.0 if 0 <= age <= rule.get("max_age_days", 0) else 0.0
    if qtype == "table":
        return _table_score(question, value, rule)
    return 0.0


def _table_score(question: QuestionSpec, value: Any, rule: Mapping[str, Any]) -> float:
    rows = value if isinstance(value, list) else []
    if not rows:
        return 0.0
    columns = [c.get("key") for c in question.options.get("columns", []) if isinstance(c, Mapping)]
    complete = [row for row in rows if table_row_complete(row, columns)]
    required = question.options.get("required_rows") or []
    row_key = question.options.get("row_key")
    if rule.get("require_all_rows") and required and row_key:
        covered = {str(row.get(row_key)).strip().casefold() for row in complete}
        share = sum(1 for r in required if str(r).strip().casefold() in covered) / len(required)
    else:
        share = len(complete) / len(rows)
    min_rows = rule.get("min_rows") or 0
    if len(complete) < min_rows:
        share = min(share, len(complete) / min_rows)
    return round(100.0 * share, 2)


def tier_for(score: float | None, thresholds: Mapping[str, Any]) -> str:
    if score is None:
        return ""
    for tier in ("low", "moderate", "high"):
        minimum = _number(thresholds.get(tier))
        if minimum is not None and score >= float(minimum):
            return tier
    return "critical"


def worst_tier(*tiers: str) -> str:
    present = [t for t in tiers if t]
    return max(present, key=TIER_RANK.__getitem__) if present else ""


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(weight for weight, _ in pairs)
    if total <= 0:
        return None
    return round(sum(weight * score for weight, score in pairs) / total, 2)


def _knockout_value(question: QuestionSpec, value: Any, files: Sequence[Any]) -> Any:
    # A file question's "answer" is its attachments: compare() sees None when there are none.
    if question.type == "file":
        return "attached" if files else None
    return value


def score_answers(
    *,
    sections: Sequence[SectionSpec],
    answers: Answers,
    evidence: Evidence | None = None,
    overrides: Mapping[str, float] | None = None,
    thresholds: Mapping[str, Any],
    today: datetime.date,
    documents: Documents | None = None,
) -> ScoreResult:
    evidence = evidence or {}
    overrides = overrides or {}
    ordered = [q for s in sections for q in s.questions]
    plain = answer_values(answers)
    visible = visible_keys((QuestionRef(q.key, q.condition) for q in ordered), plain)

    computed: dict[str, float | None] = {}
    final: dict[str, float | None] = {}
    knockouts: list[KnockOut] = []
    section_scores: list[SectionScore] = []
    for section in sections:
        pairs: list[tuple[float, float]] = []
        for q in section.questions:
            if q.key not in visible or not q.scoring:
                computed[q.key] = final[q.key] = None
                continue
            value, is_na = answers.get(q.key, (None, False))
            # Not mutated: a default of None reads exactly as no files here (both are falsy).
            files = evidence.get(q.key, ())  # pragma: no mutate
            if is_na and q.allows_na:
                score = None
            else:
                score = rule_score(q, None if is_na else value, files, today)
                critical = q.scoring.get("critical")
                if critical:
                    probe = None if is_na else _knockout_value(q, value, files)
                    if compare(critical["operator"], probe, critical.get("value")):
                        knockouts.append(
                            KnockOut(
                                question_key=q.key,
                                reason=critical.get("reason", ""),
                                citation=critical.get("citation", ""),
                                cap_tier=critical.get("cap_tier", "critical"),
                                citations=citations_of(
                                    critical.get("citation", ""), critical.get("standing", "")
                                ),
                            )
                        )
            computed[q.key] = score
            if q.key in overrides and overrides[q.key] is not None:
                score = float(overrides[q.key])
            final[q.key] = score
            if score is not None:
                pairs.append((float(q.weight), score))
        mean = _weighted_mean(pairs)
        if mean is not None:
            section_scores.append(SectionScore(section.key, section.title, float(section.weight), mean))

    overall = _weighted_mean([(s.weight, s.score) for s in section_scores])
    score_tier = tier_for(overall, thresholds)
    sources = question_facts((q.key, q.fact) for q in ordered if q.key in visible)
    facts = {fact: plain.get(key) for fact, key in sources.items()}
    shown = [q for q in ordered if q.key in visible]
    facts.update(derived_facts(shown, answers, documents or {}))
    findings = run_checks(
        facts=facts,
        files={fact: len(evidence.get(key, ())) for fact, key in sources.items()},
        sources=sources,
        today=today,
    )
    tier = worst_tier(score_tier, *(k.cap_tier for k in knockouts), *(f.cap_tier for f in findings))
    return ScoreResult(
        rules_version=RULES_VERSION,
        question_scores=final,
        computed_scores=computed,
        sections=section_scores,
        overall=overall,
        score_tier=score_tier,
        tier=tier,
        knockouts=knockouts,
        findings=findings,
        visible=visible,
        not_assessable=not_assessable(
            asked={*question_facts((q.key, q.fact) for q in ordered), *derived_facts(ordered, {}, {})}
        ),
    )


def derived_facts(
    questions: Sequence[QuestionSpec], answers: Answers, documents: Documents
) -> dict[str, Any]:
    """The facts built from several questions: evidence documents and HTI-1 source attributes.

    Each is recorded when at least one of the given questions could record it: a file question or
    a question with documents for `evidence.documents`, a question marked with
    `options.source_attribute` for `hti1.source_attributes`.
    """
    derived: dict[str, Any] = {}
    with_files = [q.key for q in questions if q.type == "file" or documents.get(q.key)]
    if with_files:
        derived["evidence.documents"] = documents_of(
            documents, with_files, {q.key: q.options for q in questions}
        )
    attributes = {}
    for q in questions:
        if attribute := (q.options or {}).get("source_attribute"):
            value, is_na = answers.get(q.key, (None, False))
            attributes[attribute] = "not_applicable" if is_na else "blank" if _blank(value) else "answered"
    if attributes:
        derived["hti1.source_attributes"] = attributes
    return derived
