"""The one read model of an evaluation: its questionnaire as a reader sees it.

The vendor portal, the vendor API, the review page, submission, scoring, the reports and the
exports all read an evaluation through `evaluation_snapshot`, so the rules about what is shown,
what counts as answered and what may still change are written once (in
`questionnaires.engine.answers.QuestionnaireState` and here), whatever screen asks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from procurement.models import (
    Answer,
    ClarificationRequest,
    Evaluation,
    EvidenceFile,
    ReviewComment,
    ScoreOverride,
)
from questionnaires.engine.answers import QuestionnaireState
from questionnaires.engine.display import format_answer
from questionnaires.models import Question, Section
from questionnaires.selectors import template_structure

Audience = Literal["vendor", "organization"]


@dataclass
class EvaluationSnapshot:
    """An evaluation's sections, questions, answers and evidence, loaded in a fixed number of queries.

    `audience` decides what the reader may see: a vendor sees only the comments marked for it and
    only the clarification requests still open; the organization sees every comment and the whole
    history of clarification rounds.
    """

    evaluation: Evaluation
    audience: Audience
    sections: list[Section]
    questions: list[Question]
    answers: dict[int, Answer]
    files: dict[int, list[EvidenceFile]]
    state: QuestionnaireState
    comments: dict[int, list[ReviewComment]] = field(default_factory=dict)
    clarifications: dict[int, list[ClarificationRequest]] = field(default_factory=dict)
    overrides: dict[int, ScoreOverride] = field(default_factory=dict)

    # -- structure ---------------------------------------------------------------------------

    def questions_of(self, section: Section) -> list[Question]:
        return [q for q in self.questions if q.section_id == section.pk]

    def visible_questions_of(self, section: Section) -> list[Question]:
        return [q for q in self.questions_of(section) if self.state.is_visible(q)]

    def visible_questions(self) -> list[Question]:
        return [q for q in self.questions if self.state.is_visible(q)]

    def section_of(self, question: Question) -> Section:
        return next(s for s in self.sections if s.pk == question.section_id)

    def question_by_key(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    # -- what may change -------------------------------------------------------------------

    @property
    def open_clarifications(self) -> dict[int, list[ClarificationRequest]]:
        return {
            qid: open_
            for qid, requests in self.clarifications.items()
            if (open_ := [c for c in requests if c.resolved_at is None])
        }

    @property
    def restricted(self) -> bool:
        """A clarification round is open: only the reopened questions may change."""
        return bool(self.open_clarifications)

    def is_editable(self, question: Question) -> bool:
        """Whether the vendor may change this answer now (the save service checks the same, locked)."""
        if not self.evaluation.is_vendor_editable:
            return False
        return not self.restricted or question.pk in self.open_clarifications

    # -- answers as words ----------------------------------------------------------------------

    def display(self, question: Question, value: Any = None, *, stored: bool = True) -> dict[str, Any]:
        """The answer in words (the one formatter), or `value` in words when `stored` is False."""
        answer = self.answers.get(question.pk)
        if stored:
            value = answer.value if answer else None
        return format_answer(
            qtype=question.type,
            options=question.options,
            value=value,
            is_not_applicable=bool(stored and answer and answer.is_not_applicable),
            file_names=[f.original_name for f in self.files.get(question.pk, [])] if stored else (),
        )

    def comparable(self, question: Question) -> tuple:
        """What counts as 'the same answer' between two evaluations of the same questionnaire."""
        answer = self.answers.get(question.pk)
        hashes = sorted(f.sha256 for f in self.files.get(question.pk, []))
        if answer is None:
            return (None, False, hashes)
        return (answer.value, answer.is_not_applicable, hashes)

    def with_answer(self, answer: Answer) -> EvaluationSnapshot:
        """The snapshot after one answer was saved, without reading anything again."""
        return self.over({**self.answers, answer.question_id: answer})

    def over(self, answers: dict[int, Answer]) -> EvaluationSnapshot:
        """The same questionnaire and files over other answers (before or after a save)."""
        return replace(self, answers=answers, state=_state(self.questions, answers, self.files))


def _state(
    questions: list[Question], answers: dict[int, Answer], files: dict[int, list[EvidenceFile]]
) -> QuestionnaireState:
    counts = {qid: len(fs) for qid, fs in files.items()}
    return QuestionnaireState(questions=questions, answers=answers, file_counts=counts)


def _grouped(rows) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.question_id].append(row)
    return dict(grouped)


def evaluation_snapshot(
    evaluation: Evaluation,
    *,
    audience: Audience = "organization",
    include: frozenset[str] | set[str] = frozenset(),
) -> EvaluationSnapshot:
    """Loads the snapshot: the structure (cached for published templates), answers and live files.

    `include` adds "comments", "clarifications" and "overrides", one query each. Clarifications are
    always loaded for the vendor, because they decide which answers it may change.
    """
    sections, questions = template_structure(evaluation.template)
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(evaluation_id=evaluation.pk).select_related(
            "updated_by_contact", "updated_by_user"
        )
    }
    files = _grouped(EvidenceFile.objects.filter(evaluation_id=evaluation.pk, removed_at__isnull=True))
    snapshot = EvaluationSnapshot(
        evaluation=evaluation,
        audience=audience,
        sections=sections,
        questions=questions,
        answers=answers,
        files=files,
        state=_state(questions, answers, files),
    )
    if "comments" in include:
        comments = ReviewComment.objects.filter(evaluation_id=evaluation.pk).select_related("author")
        if audience == "vendor":
            comments = comments.filter(is_visible_to_vendor=True)
        snapshot.comments = _grouped(comments)
    if "clarifications" in include or audience == "vendor":
        requests = ClarificationRequest.objects.filter(evaluation_id=evaluation.pk).select_related(
            "requested_by"
        )
        if audience == "vendor":
            requests = requests.filter(resolved_at__isnull=True)
        snapshot.clarifications = _grouped(requests)
    if "overrides" in include:
        snapshot.overrides = {
            o.question_id: o for o in ScoreOverride.objects.filter(evaluation_id=evaluation.pk)
        }
    return snapshot


def snapshot_over_answers(
    evaluation: Evaluation,
    answers: dict[int, Answer],
    *,
    audience: Audience = "vendor",
    structure: tuple[list[Section], list[Question]] | None = None,
) -> EvaluationSnapshot:
    """A snapshot over answers the caller has just read (the autosave reads them under its lock).

    One query, for the live evidence files; comments and clarifications are left out, so it
    answers "what is shown and what is complete", not "what may the vendor change". `structure` is
    the template's sections and questions when the caller already holds them.
    """
    sections, questions = structure or template_structure(evaluation.template)
    files = _grouped(EvidenceFile.objects.filter(evaluation_id=evaluation.pk, removed_at__isnull=True))
    return EvaluationSnapshot(
        evaluation=evaluation,
        audience=audience,
        sections=sections,
        questions=questions,
        answers=answers,
        files=files,
        state=_state(questions, answers, files),
    )


def vendor_snapshot(evaluation: Evaluation) -> EvaluationSnapshot:
    """The evaluation as its vendor sees it: open clarifications and the comments meant for it."""
    return evaluation_snapshot(evaluation, audience="vendor", include={"comments"})
