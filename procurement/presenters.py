"""What the review workspace shows: the answers as reviewers see them, built on the evaluation snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from procurement.models import (
    Answer,
    ClarificationRequest,
    Evaluation,
    EvidenceFile,
    Finding,
    ReviewComment,
    ReviewerAssignment,
    ScoreRun,
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


def prefill_counts(rows: list[QuestionRow]) -> dict[str, int]:
    """How many of the rows' answers were prefilled, by where the vendor left them."""
    counts = {"pending": 0, "confirmed": 0, "changed": 0}
    for row in rows:
        if row.answer is not None and row.answer.source:
            counts[row.answer.prefill_state] += 1
    return counts


# The review workspace's filters: what a reviewer narrows a long questionnaire to.
WORKSPACE_FILTERS = {
    "all": "All questions",
    "findings": "Findings only",
    "unanswered": "Unanswered",
    "changed": "Changed since the last round",
    "carried": "Carried forward",
    "mine": "My sections",
    "comments": "Has comments",
}


@dataclass
class WorkspaceRow(QuestionRow):
    findings: list[str] = field(default_factory=list)
    # The threads are loaded on demand; the workspace only counts them.
    comment_count: int = 0


@dataclass
class WorkspaceSection:
    section: Section
    rows: list[WorkspaceRow]
    total: int
    # Of every visible question of the section, whatever the filter.
    prefill_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class SignOff:
    """One of the reader's assignments: a section (None for the whole questionnaire) to sign off."""

    assignment_id: int
    section_id: int | None
    signed_off_at: Any


@dataclass
class ReviewWorkspace:
    """One section of the questionnaire, narrowed by a filter, with counts for the navigation."""

    show: str
    sections: list[WorkspaceSection]
    current: WorkspaceSection | None
    filter_counts: dict[str, int]
    sign_offs: list[SignOff] = field(default_factory=list)
    # Every question shown to reviewers, whatever the filter: those a clarification may name.
    question_choices: list[tuple[int, str]] = field(default_factory=list)

    @property
    def current_sign_offs(self) -> list[SignOff]:
        """The reader's assignments that cover the section on screen."""
        if self.current is None:
            return []
        return [s for s in self.sign_offs if s.section_id in (None, self.current.section.pk)]

    @property
    def previous(self) -> WorkspaceSection | None:
        index = self._index()
        return self.sections[index - 1] if index is not None and index > 0 else None

    @property
    def next(self) -> WorkspaceSection | None:
        index = self._index()
        return self.sections[index + 1] if index is not None and index + 1 < len(self.sections) else None

    def _index(self) -> int | None:
        if self.current is None:
            return None
        return next(i for i, s in enumerate(self.sections) if s.section.pk == self.current.section.pk)


def _changed_since_last_round(row: QuestionRow) -> bool:
    answer = row.answer
    if answer is None:
        return False
    return row.changed_since_clarification or (bool(answer.source) and answer.prefill_state == "changed")


def review_workspace(
    evaluation: Evaluation, *, user_id: int, show: str = "all", section_key: str = ""
) -> ReviewWorkspace:
    """The workspace's read model, in a fixed number of queries whatever the questionnaire's size.

    Comments are counted here and loaded per question on demand, so a page carries one section's
    answers and never every thread of the evaluation.
    """
    show = show if show in WORKSPACE_FILTERS else "all"
    snapshot = evaluation_snapshot(evaluation, include={"clarifications"})
    comment_counts = dict(
        ReviewComment.objects.filter(evaluation_id=evaluation.pk)
        .values_list("question_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    latest_done = (
        ScoreRun.objects.filter(evaluation_id=evaluation.pk, status=ScoreRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    finding_titles: dict[str, list[str]] = {}
    if latest_done is not None:
        for title, keys in Finding.objects.filter(score_run_id=latest_done).values_list(
            "title", "question_keys"
        ):
            for key in keys or []:
                finding_titles.setdefault(key, []).append(title)
    sign_offs = [
        SignOff(*row)
        for row in ReviewerAssignment.objects.filter(evaluation_id=evaluation.pk, reviewer_id=user_id)
        .order_by("id")
        .values_list("pk", "section_id", "signed_off_at")
    ]
    assigned = {s.section_id for s in sign_offs}
    # An assignment without a section is the whole questionnaire.
    mine_everything = None in assigned

    def matches(name: str, section: Section, row: WorkspaceRow) -> bool:
        if name == "findings":
            return bool(row.findings)
        if name == "unanswered":
            return not snapshot.state.is_answered(row.question)
        if name == "changed":
            return _changed_since_last_round(row)
        if name == "carried":
            return bool(row.answer is not None and row.answer.source)
        if name == "mine":
            return mine_everything or section.pk in assigned
        if name == "comments":
            return row.comment_count > 0
        return True

    counts = dict.fromkeys(WORKSPACE_FILTERS, 0)
    sections: list[WorkspaceSection] = []
    choices: list[tuple[int, str]] = []
    for section in snapshot.sections:
        rows = [
            WorkspaceRow(snapshot, q, finding_titles.get(q.key, []), comment_counts.get(q.pk, 0))
            for q in snapshot.visible_questions_of(section)
        ]
        if not rows:
            continue
        choices += [(row.question.pk, row.question.key) for row in rows]
        for name in WORKSPACE_FILTERS:
            counts[name] += sum(1 for row in rows if matches(name, section, row))
        sections.append(
            WorkspaceSection(
                section=section,
                rows=[r for r in rows if matches(show, section, r)],
                total=len(rows),
                prefill_counts=prefill_counts(rows),
            )
        )
    current = next((s for s in sections if s.section.key == section_key), None)
    if current is None:
        current = next((s for s in sections if s.rows), sections[0] if sections else None)
    return ReviewWorkspace(
        show=show,
        sections=sections,
        current=current,
        filter_counts=counts,
        sign_offs=sign_offs,
        question_choices=choices,
    )
