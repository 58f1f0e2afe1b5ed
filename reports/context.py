"""Plain-data contexts for reports: what the documents say, built without rendering anything.

Every context is JSON-serialisable (strings, numbers, lists, dicts), which lets the service hash it
to decide whether a stored report is still current, and lets tests check content without a PDF.
Each builder runs a fixed number of queries whatever the size of the questionnaire.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from procurement.findings import cited_sources, fact_description, facts_read, tier_summary
from procurement.models import AuditEvent, Evaluation, EvidenceFile, Finding, ScoreRun
from procurement.selectors import EvaluationSnapshot, archived_answers, evaluation_snapshot, scope_summary
from questionnaires.engine.display import format_number, format_score, format_size
from questionnaires.models import Question, Section
from reports.audit_trail import condensed_trail

CONFIDENTIALITY_LABEL = "Confidential: internal procurement record. Do not forward outside the organization."
VENDOR_CONFIDENTIALITY_LABEL = "Confidential: shared between the vendor and the buying organization."
COMPARISON_MIN, COMPARISON_MAX = 2, 5

# Reading something changes nothing about the evaluation; leaving these out of the timeline keeps
# the report's content (and so its hash) stable when people merely look at it.
READ_ONLY_EVENTS = (
    AuditEvent.Kind.REPORT_DOWNLOADED,
    AuditEvent.Kind.FILE_DOWNLOADED,
    AuditEvent.Kind.INVITE_USED,
)
FINDING_ORDER = {Finding.Kind.CRITICAL: 0, Finding.Kind.CONSISTENCY: 1}


def _dt(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _float(value) -> float | None:
    return None if value is None or value == "" else float(value)


def _tier_label(tier: str) -> str:
    return Evaluation.RiskTier(tier).label if tier in Evaluation.RiskTier.values else ""


@dataclass
class _Loaded:
    """One evaluation as a report reads it: the evaluation snapshot plus its latest scoring."""

    snapshot: EvaluationSnapshot
    run: ScoreRun | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def evaluation(self) -> Evaluation:
        return self.snapshot.evaluation

    @property
    def sections(self) -> list[Section]:
        return self.snapshot.sections

    @property
    def files(self) -> dict[int, list[EvidenceFile]]:
        return self.snapshot.files

    def questions(self, section: Section) -> list[Question]:
        return self.snapshot.visible_questions_of(section)

    def answer(self, question: Question) -> dict[str, Any]:
        return self.snapshot.display(question)

    def comparable(self, question: Question) -> tuple:
        return self.snapshot.comparable(question)

    def is_answered(self, question: Question) -> bool:
        return self.answer(question)["kind"] != "empty"


def _load(evaluation_id: int, *, with_run: bool = True) -> _Loaded:
    evaluation = Evaluation.objects.select_related(
        "organization", "product__vendor", "template", "decided_by", "previous"
    ).get(pk=evaluation_id)
    snapshot = evaluation_snapshot(evaluation)
    run = None
    findings: list[Finding] = []
    if with_run:
        run = (
            ScoreRun.objects.filter(evaluation_id=evaluation.id, status=ScoreRun.Status.DONE)
            .prefetch_related("findings")
            .first()
        )
        if run is not None:
            findings = sorted(run.findings.all(), key=lambda f: (FINDING_ORDER.get(f.kind, 9), f.id))
    return _Loaded(snapshot, run, findings)


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "ask": finding.ask,
        "citations": [{"citation": c.citation, "standing": c.standing_label} for c in cited_sources(finding)],
        "facts": [
            {"description": fact_description(fact), "question_key": key} for fact, key in facts_read(finding)
        ],
        "kind": finding.kind,
        "kind_label": finding.get_kind_display(),
        "code": finding.code,
        "title": finding.title,
        "detail": finding.detail,
        "citation": finding.citation,
        "question_keys": list(finding.question_keys or []),
        "caps_tier_at": _tier_label(finding.caps_tier_at),
    }


def _evidence(evidence: EvidenceFile) -> dict[str, Any]:
    return {
        "name": evidence.original_name,
        "size": evidence.size,
        "size_display": format_size(evidence.size),
        "uploaded_at": _dt(evidence.uploaded_at),
        "expires_on": _date(evidence.expires_on),
        "sha256": evidence.sha256,
        # What the vendor says the document is (empty strings where not stated).
        "document_type": evidence.get_document_type_display() if evidence.document_type else "",
        "issuer": evidence.issuer,
        "model_version": evidence.model_version,
        "period": (
            f"{_date(evidence.period_start) or '…'} to {_date(evidence.period_end) or '…'}"
            if evidence.period_start or evidence.period_end
            else ""
        ),
        "effective_on": _date(evidence.effective_on),
    }


def _score_facts(loaded: _Loaded) -> dict[str, Any]:
    """Score and tier from the latest finished scoring, else the copy kept on the evaluation."""
    evaluation, run = loaded.evaluation, loaded.run
    score = run.overall_score if run else evaluation.overall_score
    tier = (run.risk_tier if run else "") or evaluation.risk_tier
    return {
        "score": _float(score),
        "score_display": format_score(score),
        "tier": tier,
        "tier_label": _tier_label(tier) or "Not scored",
    }


def _section_score(loaded: _Loaded, section: Section) -> dict[str, Any]:
    scores = (loaded.run.section_scores if loaded.run else {}) or {}
    entry = scores.get(str(section.id)) or scores.get(section.key) or {}
    weight = entry.get("weight", section.weight)
    return {
        "score": _float(entry.get("score")),
        "score_display": format_score(entry.get("score")),
        "weight": format_number(weight),
    }


def _cover(loaded: _Loaded, confidentiality: str) -> dict[str, Any]:
    evaluation = loaded.evaluation
    product = evaluation.product
    return {
        "organization": evaluation.organization.name,
        "vendor": product.vendor.legal_name,
        "product": product.name,
        "product_version": product.version,
        "purpose": evaluation.get_purpose_display(),
        "template_name": evaluation.template.name,
        "template_version": evaluation.template.version,
        "status": evaluation.get_status_display(),
        "sent_at": _dt(evaluation.sent_at),
        "submitted_at": _dt(evaluation.submitted_at),
        "decided_at": _dt(evaluation.decided_at),
        "confidentiality": confidentiality,
    }


def _title(prefix: str, evaluation: Evaluation) -> str:
    product = evaluation.product
    return f"{prefix}: {product.vendor.legal_name}, {product}"


def section_chart(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of a horizontal bar chart of section scores, drawn as SVG by a template."""
    label_width, bar_width, row_height, top = 230, 250, 22, 20
    rows = []
    for index, section in enumerate(sections):
        score = section.get("score")
        rows.append(
            {
                "title": section["title"],
                "score_display": section.get("score_display", "—"),
                "y": top + index * row_height,
                "text_y": top + index * row_height + 14,
                "width": round(bar_width * max(0.0, min(100.0, score or 0.0)) / 100, 1),
                "scored": score is not None,
            }
        )
    return {
        "rows": rows,
        "label_width": label_width,
        "bar_x": label_width + 5,
        "bar_width": bar_width,
        "value_x": label_width + bar_width + 12,
        "width": label_width + bar_width + 60,
        "height": top + len(rows) * row_height + 10,
        "ticks": [
            {"x": round(label_width + 5 + bar_width * t / 100, 1), "label": str(t)}
            for t in (0, 25, 50, 75, 100)
        ],
    }


def due_diligence_context(evaluation: Evaluation) -> dict[str, Any]:
    """The internal due-diligence report: everything the governance committee needs, in order."""
    loaded = _load(evaluation.pk)
    evaluation = loaded.evaluation
    comments = defaultdict(list)
    for comment in evaluation.comments.select_related("author").order_by("created_at", "id"):
        comments[comment.question_id].append(
            {
                "author": comment.author.get_full_name() or comment.author.get_username(),
                "body": comment.body,
                "at": _dt(comment.created_at),
                "visible_to_vendor": comment.is_visible_to_vendor,
            }
        )
    overrides = {o.question_id: o for o in evaluation.overrides.select_related("created_by")}
    question_scores = (loaded.run.question_scores if loaded.run else {}) or {}

    sections = []
    for index, section in enumerate(loaded.sections, start=1):
        questions = []
        for question in loaded.questions(section):
            override = overrides.get(question.id)
            questions.append(
                {
                    "key": question.key,
                    "prompt": question.prompt,
                    "answer": loaded.answer(question),
                    "is_scored": question.scoring is not None,
                    "score": _float(question_scores.get(question.key)),
                    "score_display": format_score(question_scores.get(question.key)),
                    "override": {
                        "score_display": format_score(override.score),
                        "justification": override.justification,
                        "by": override.created_by.get_full_name() or override.created_by.get_username(),
                        "at": _dt(override.created_at),
                    }
                    if override
                    else None,
                    "comments": comments.get(question.id, []),
                    "evidence": [_evidence(f) for f in loaded.files.get(question.id, [])],
                }
            )
        sections.append(
            {
                "key": section.key,
                "anchor": f"section-{index}",
                "number": index,
                "title": section.title,
                **_section_score(loaded, section),
                "questions": questions,
            }
        )

    trail = list(evaluation.audit_events.exclude(kind__in=READ_ONLY_EVENTS).order_by("created_at", "id"))
    timeline = [
        {
            "at": _dt(row.first_at),
            "actor": row.actor,
            "kind": row.kind,
            "summary": row.summary
            if row.events == 1
            else f"{row.summary}: {row.events} saves, the last at {_dt(row.last_at)}",
        }
        for row in condensed_trail(trail)
    ]
    conditions = [
        {
            "description": c.description,
            "owner": (c.owner.get_full_name() or c.owner.get_username()) if c.owner else "",
            "due_date": _date(c.due_date),
            "is_done": c.is_done,
        }
        for c in evaluation.conditions.select_related("owner")
    ]
    items = list(evaluation.remediation_items.select_related("owner").order_by("due_date", "id"))
    remediation = {
        "open": [
            {
                "title": i.title,
                "source": i.finding_code or "Condition of approval",
                "side": i.get_side_display(),
                "owner": (i.owner.get_full_name() or i.owner.get_username()) if i.owner else "",
                "due_date": _date(i.due_date),
                "status": i.get_status_display(),
                "blocking": i.blocking,
                "overdue": i.is_overdue,
            }
            for i in items
            if not i.is_closed
        ],
        "closed": sum(i.is_closed for i in items),
    }
    score = _score_facts(loaded)
    run = loaded.run
    return {
        "kind": "due_diligence",
        "title": _title("Due-diligence report", evaluation),
        "subject": "Clinical AI vendor due diligence, "
        f"{evaluation.template.name} v{evaluation.template.version}",
        "author": evaluation.organization.name,
        "running_title": f"{evaluation.product.vendor.legal_name}: {evaluation.product}",
        "cover": {
            **_cover(loaded, CONFIDENTIALITY_LABEL),
            "overall_score": score["score_display"],
            "risk_tier": score["tier_label"],
            "decision": evaluation.get_decision_display() or "No decision yet",
        },
        "summary": {
            **score,
            "findings": [_finding(f) for f in loaded.findings],
            "tier_summary": tier_summary(evaluation=evaluation, run=run, findings=loaded.findings),
            "not_assessable": list(run.not_assessable or []) if run else [],
            "decision": evaluation.get_decision_display() or "No decision yet",
            "decision_rationale": evaluation.decision_rationale,
            "decided_by": (evaluation.decided_by.get_full_name() or evaluation.decided_by.get_username())
            if evaluation.decided_by
            else "",
            "conditions": conditions,
            "remediation": remediation,
        },
        "scope": _scope(evaluation),
        "chart": section_chart(sections),
        "sections": sections,
        "appendix": {
            "timeline": timeline,
            "timeline_events": len(trail),
            "method": {
                "rules_version": run.rules_version if run else "",
                "scored_at": _dt(run.finished_at) if run else "",
                "thresholds": [
                    {"tier": _tier_label(tier), "minimum": format_number(value)}
                    for tier, value in sorted(evaluation.template.thresholds.items(), key=lambda kv: -kv[1])
                ],
                "section_weights": [{"title": s["title"], "weight": s["weight"]} for s in sections],
            },
        },
        "changes": _changes(loaded) if evaluation.previous_id else None,
        "archived": archived_groups(evaluation),
    }


def archived_groups(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Answers a template upgrade archived, by the template version they were given to."""
    groups: list[dict[str, Any]] = []
    for row in archived_answers(evaluation):
        if not groups or groups[-1]["version"] != row["version"]:
            groups.append({"version": row["version"], "answers": []})
        groups[-1]["answers"].append(
            {
                "key": row["question"].key,
                "prompt": row["question"].prompt,
                "answer": row["text"],
                "reason": row["reason"],
                "archived_at": _dt(row["answer"].archived_at),
            }
        )
    return groups


def _scope(evaluation: Evaluation) -> dict[str, Any] | None:
    """The intake's inherent tier and the scope it set, shown beside the residual (scored) tier."""
    summary = scope_summary(evaluation)
    if not summary.has_intake:
        return None
    return {
        "inherent_tier": summary.inherent_tier,
        "inherent_label": _tier_label(summary.inherent_tier) or "Intake not answered",
        "reasons": list(summary.reasons),
        "asked": [s.title for s in summary.asked],
        "left_out": [s.title for s in summary.left_out],
        "asked_questions": summary.asked_questions,
        "total_questions": summary.total_questions,
    }


def vendor_answers_context(evaluation: Evaluation) -> dict[str, Any]:
    """The vendor's own submitted answers: no reviewer comments, scores, findings or decision."""
    loaded = _load(evaluation.pk, with_run=False)
    evaluation = loaded.evaluation
    if evaluation.submitted_at is None:
        raise ValidationError("The answers have not been submitted yet.")
    sections = []
    for index, section in enumerate(loaded.sections, start=1):
        sections.append(
            {
                "anchor": f"section-{index}",
                "number": index,
                "title": section.title,
                "questions": [
                    {
                        "key": q.key,
                        "prompt": q.prompt,
                        "answer": loaded.answer(q),
                        "evidence": [_evidence(f) for f in loaded.files.get(q.id, [])],
                    }
                    for q in loaded.questions(section)
                ],
            }
        )
    return {
        "kind": "vendor_answers",
        "title": _title("Submitted answers", evaluation),
        "subject": f"Answers submitted to {evaluation.organization.name}",
        "author": evaluation.product.vendor.legal_name,
        "running_title": f"{evaluation.product.vendor.legal_name}: {evaluation.product}",
        "cover": _cover(loaded, VENDOR_CONFIDENTIALITY_LABEL),
        "sections": sections,
    }


EXPORT_COLUMNS = [
    "Section",
    "Key",
    "Question",
    "Answer",
    "Not applicable",
    "Computed score",
    "Override score",
    "Evidence files",
]


def answers_table(evaluation: Evaluation) -> list[list[Any]]:
    """One row per visible question, for the CSV and XLSX exports (header row first)."""
    loaded = _load(evaluation.pk)
    overrides = {o.question_id: o.score for o in loaded.evaluation.overrides.all()}
    question_scores = (loaded.run.question_scores if loaded.run else {}) or {}
    rows: list[list[Any]] = [list(EXPORT_COLUMNS)]
    for section in loaded.sections:
        for question in loaded.questions(section):
            answer = loaded.answer(question)
            rows.append(
                [
                    section.title,
                    question.key,
                    question.prompt,
                    "" if answer["kind"] in ("na", "empty", "files") else answer["text"],
                    "Yes" if answer["kind"] == "na" else "No",
                    _float(question_scores.get(question.key)),
                    _float(overrides.get(question.id)),
                    "; ".join(f.original_name for f in loaded.files.get(question.id, [])),
                ]
            )
    return rows


def _evaluation_label(evaluation: Evaluation) -> str:
    return f"{evaluation.product.vendor.legal_name}: {evaluation.product}"


def _changes(loaded: _Loaded) -> dict[str, Any]:
    previous = _load(loaded.evaluation.previous_id)

    def by_key(item: _Loaded) -> dict[str, tuple[Question, str]]:
        return {q.key: (q, s.title) for s in item.sections for q in item.questions(s) if item.is_answered(q)}

    before, after = by_key(previous), by_key(loaded)
    added, changed, removed = [], [], []
    for key, (question, section) in after.items():
        if key not in before:
            added.append(
                {"key": key, "section": section, "prompt": question.prompt, "after": loaded.answer(question)}
            )
        else:
            old_question = before[key][0]
            if previous.comparable(old_question) != loaded.comparable(question):
                changed.append(
                    {
                        "key": key,
                        "section": section,
                        "prompt": question.prompt,
                        "before": previous.answer(old_question),
                        "after": loaded.answer(question),
                    }
                )
    for key, (question, section) in before.items():
        if key not in after:
            removed.append(
                {
                    "key": key,
                    "section": section,
                    "prompt": question.prompt,
                    "before": previous.answer(question),
                }
            )
    old_score, new_score = _score_facts(previous), _score_facts(loaded)
    return {
        "previous": {
            "public_id": str(previous.evaluation.public_id),
            "label": _evaluation_label(previous.evaluation),
            "template": f"{previous.evaluation.template.name} v{previous.evaluation.template.version}",
            "submitted_at": _dt(previous.evaluation.submitted_at),
            "decision": previous.evaluation.get_decision_display(),
        },
        "score_before": old_score["score_display"],
        "score_after": new_score["score_display"],
        "tier_before": old_score["tier_label"],
        "tier_after": new_score["tier_label"],
        "added": added,
        "changed": changed,
        "removed": removed,
    }


def reassessment_context(evaluation: Evaluation) -> dict[str, Any]:
    """What changed since the evaluation this one re-assesses."""
    if not evaluation.previous_id:
        raise ValidationError("This evaluation does not re-assess an earlier one.")
    loaded = _load(evaluation.pk)
    return {"title": _title("Changes since the previous evaluation", loaded.evaluation), **_changes(loaded)}
