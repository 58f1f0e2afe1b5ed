"""What a scoring reads: the template as plain specs, the answers, evidence and overrides, and their hash."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from procurement.models import (
    Evaluation,
)
from procurement.selectors import EvaluationSnapshot, evaluation_snapshot
from questionnaires.engine.documents import Document
from questionnaires.engine.scoring import RULES_VERSION, QuestionSpec, SectionSpec


def _to_float(value: Any) -> float:
    return float(value) if value is not None else 0.0


def template_specs(snapshot: EvaluationSnapshot) -> list[SectionSpec]:
    """The snapshot's sections and questions as the engine's plain specs, in display order."""
    return [
        SectionSpec(
            section.key,
            section.title,
            _to_float(section.weight),
            tuple(
                QuestionSpec(
                    key=q.key,
                    type=q.type,
                    weight=_to_float(q.weight),
                    options=q.options or {},
                    scoring=q.scoring,
                    condition=q.condition,
                    allows_na=q.allows_na,
                    fact=q.fact,
                )
                for q in snapshot.questions_of(section)
            ),
        )
        for section in snapshot.sections
    ]


def load_scoring_inputs(
    evaluation: Evaluation, *, template_cache: dict[tuple[int, str], list[SectionSpec]] | None = None
) -> dict[str, Any]:
    """Everything a scoring needs, in a fixed number of queries whatever the number of questions.

    `template_cache` lets a rescore chunk load each (immutable, published) template only once per
    inherent tier (the tier decides which of its questions are asked).
    """
    template = evaluation.template
    snapshot = evaluation_snapshot(evaluation, include={"overrides"})
    cache_key = (template.pk, evaluation.inherent_tier)
    if template_cache is not None and cache_key in template_cache:
        sections = template_cache[cache_key]
    else:
        sections = template_specs(snapshot)
        if template_cache is not None:
            template_cache[cache_key] = sections
    answers: dict[str, tuple[Any, bool]] = {}
    evidence: dict[str, list[tuple[datetime.datetime, datetime.date | None]]] = {}
    documents: dict[str, list[Document]] = {}
    overrides: dict[str, float] = {}
    for question in snapshot.questions:
        # A prefilled answer the vendor never confirmed is no answer: neither its value nor its
        # carried files are scored.
        if snapshot.state.is_pending(question):
            continue
        if (answer := snapshot.answers.get(question.pk)) is not None:
            answers[question.key] = (answer.value, answer.is_not_applicable)
        if files := snapshot.files.get(question.pk):
            evidence[question.key] = [(f.uploaded_at, f.expires_on) for f in files]
            documents[question.key] = [document_of(f, question.key) for f in files]
        if (override := snapshot.overrides.get(question.pk)) is not None:
            overrides[question.key] = float(override.score)
    return {
        "sections": sections,
        "answers": answers,
        "evidence": evidence,
        "overrides": overrides,
        "thresholds": template.thresholds,
        "documents": documents,
    }


def _description(d: Document) -> list[str]:
    dates = (d.period_start, d.period_end, d.effective_on)
    return [d.document_type, d.issuer, d.model_version, *(x.isoformat() if x else "" for x in dates)]


def document_of(evidence, key: str) -> Document:
    """An evidence file's description as the checks read it."""
    return Document(
        question=key,
        document_type=evidence.document_type,
        issuer=evidence.issuer,
        model_version=evidence.model_version,
        period_start=evidence.period_start,
        period_end=evidence.period_end,
        effective_on=evidence.effective_on,
        expires_on=evidence.expires_on,
    )


def inputs_hash(*, evaluation: Evaluation, inputs: dict[str, Any], today: datetime.date) -> str:
    """sha256 of everything that can change the result, in canonical JSON.

    Today's date is part of it: the same files can expire and the same dates can age out.
    """
    payload = {
        "rules_version": RULES_VERSION,
        "template": [evaluation.template_id, evaluation.template.version],
        "thresholds": inputs["thresholds"],
        "today": today.isoformat(),
        "answers": {k: [v, na] for k, (v, na) in sorted(inputs["answers"].items())},
        "evidence": {
            k: sorted([u.isoformat(), e.isoformat() if e else None] for u, e in files)
            for k, files in sorted(inputs["evidence"].items())
        },
        "overrides": {k: f"{v:.2f}" for k, v in sorted(inputs["overrides"].items())},
    }
    described = {
        k: sorted(_description(d) for d in docs if any(_description(d)))
        for k, docs in sorted(inputs.get("documents", {}).items())
    }
    if described := {k: v for k, v in described.items() if v}:
        # What the vendor says each document is can raise a finding, so it is an input too (left
        # out while nothing is described, so that earlier hashes stay the same).
        payload["documents"] = described
    if evaluation.inherent_tier:
        # The intake decides which questions are asked, so a changed tier is a changed input.
        payload["inherent_tier"] = evaluation.inherent_tier
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
