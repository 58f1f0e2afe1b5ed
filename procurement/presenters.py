"""What the review page shows: the answers as reviewers see them, built on the evaluation snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from procurement.models import (
    Answer,
    ClarificationRequest,
    Evaluation,
    EvidenceFile,
    ReviewComment,
)
from procurement.selectors import EvaluationSnapshot, evaluation_snapshot
from questionnaires.models import Question, Section


@dataclass
class QuestionRow:
    """One visible question as reviewers see it, with its answer in words."""

    snapshot: EvaluationSnapshot
    question: Question

    @property
    def answer(self) -> Answer | None:
        return self.snapshot.answers.get(self.question.pk)

    @property
    def display(self) -> dict[str, Any]:
        # Reviewers see a prefilled answer as it stands, marked as not confirmed beside it.
        return self.snapshot.display(self.question, with_pending=True)

    @property
    def prefill_display(self) -> str:
        return self.snapshot.prefill_display(self.question)

    @property
    def comments(self) -> list[ReviewComment]:
        return self.snapshot.comments.get(self.question.pk, [])

    @property
    def clarifications(self) -> list[ClarificationRequest]:
        return self.snapshot.clarifications.get(self.question.pk, [])

    @property
    def evidence(self) -> list[EvidenceFile]:
        return self.snapshot.files.get(self.question.pk, [])

    @property
    def latest_clarification(self) -> ClarificationRequest | None:
        return self.clarifications[-1] if self.clarifications else None

    @property
    def snapshot_display(self) -> dict[str, Any] | None:
        """The answer as it stood when clarification was last asked."""
        latest = self.latest_clarification
        if latest is None:
            return None
        return self.snapshot.display(self.question, latest.answer_snapshot, stored=False)

    @property
    def changed_since_clarification(self) -> bool:
        latest = self.latest_clarification
        current = self.answer.value if self.answer else None
        return latest is not None and latest.answer_snapshot != current


@dataclass
class SectionRows:
    section: Section
    rows: list[QuestionRow]

    @property
    def prefill_counts(self) -> dict[str, int]:
        counts = {"pending": 0, "confirmed": 0, "changed": 0}
        for row in self.rows:
            if row.answer is not None and row.answer.source:
                counts[row.answer.prefill_state] += 1
        return counts


def review_sections(evaluation: Evaluation) -> list[SectionRows]:
    """Every visible question by section with its answer, comments, clarifications and evidence."""
    snapshot = evaluation_snapshot(evaluation, include={"comments", "clarifications"})
    sections = []
    for section in snapshot.sections:
        rows = [QuestionRow(snapshot, q) for q in snapshot.visible_questions_of(section)]
        if rows:
            sections.append(SectionRows(section=section, rows=rows))
    return sections
