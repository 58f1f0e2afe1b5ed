"""The one read model of an evaluation: its questionnaire as a reader sees it.

The vendor portal, the vendor API, the review page, submission, scoring, the reports and the
exports all read an evaluation through `evaluation_snapshot`, so the rules about what is shown,
what counts as answered and what may still change are written once (in
`questionnaires.engine.answers.QuestionnaireState` and here), whatever screen asks.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, get_args

from django.db.models import Count, Max, Q

from procurement.models import (
    Answer,
    ClarificationRequest,
    Evaluation,
    EvidenceFile,
    ModelVersion,
    ProductFinding,
    RemediationItem,
    ReviewComment,
    ReviewCycle,
    ScoreOverride,
)
from procurement.prepared import PreparedQuery
from questionnaires.engine.answers import QuestionnaireState, percent
from questionnaires.engine.display import format_answer
from questionnaires.engine.intake import in_scope
from questionnaires.models import Question, Section
from questionnaires.selectors import template_structure, template_structures

Audience = Literal["vendor", "organization"]
AUDIENCES: tuple[Audience, ...] = get_args(Audience)
_EPOCH = datetime.datetime.min.replace(tzinfo=datetime.UTC)


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
    # Sections the intake left out of scope (not asked for this use), in template order.
    out_of_scope: list[Section] = field(default_factory=list)
    # Keys of the sections this reader may change (a link handed over for some sections); None: all.
    editable_sections: frozenset[str] | None = None

    # -- structure ---------------------------------------------------------------------------

    @cached_property
    def _questions_by_section(self) -> dict[int, list[Question]]:
        # Grouped once per snapshot: pages ask section by section, and each scan was of every question.
        grouped: dict[int, list[Question]] = {}
        for question in self.questions:
            grouped.setdefault(question.section_id, []).append(question)
        return grouped

    def questions_of(self, section: Section) -> list[Question]:
        return list(self._questions_by_section.get(section.pk, ()))

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
        if self.editable_sections is not None:
            key = next((s.key for s in self.sections if s.pk == question.section_id), None)
            if key not in self.editable_sections:
                return False
        return not self.restricted or question.pk in self.open_clarifications

    # -- answers as words ----------------------------------------------------------------------

    def display(
        self, question: Question, value: Any = None, *, stored: bool = True, with_pending: bool = False
    ) -> dict[str, Any]:
        """The answer in words (the one formatter), or `value` in words when `stored` is False.

        A prefilled answer not yet confirmed reads as no answer (reports, exports, comparisons),
        unless `with_pending` asks for it as prefilled (the review page, beside its badge).
        """
        answer = self.answers.get(question.pk)
        if stored and answer is not None and answer.is_pending and not with_pending:
            return format_answer(qtype=question.type, options=question.options, value=None)
        if stored:
            value = answer.value if answer else None
        return format_answer(
            qtype=question.type,
            options=question.options,
            value=value,
            is_not_applicable=bool(stored and answer and answer.is_not_applicable),
            file_names=[f.original_name for f in self.files.get(question.pk, [])] if stored else (),
        )

    def prefill_display(self, question: Question) -> str:
        """What was prefilled for this question, in words ('' if nothing was)."""
        answer = self.answers.get(question.pk)
        if answer is None or not answer.source:
            return ""
        return format_answer(
            qtype=question.type,
            options=question.options,
            value=answer.prefilled_value,
            is_not_applicable=answer.prefilled_not_applicable,
        )["text"]

    def comparable(self, question: Question) -> tuple:
        """What counts as 'the same answer' between two evaluations of the same questionnaire."""
        answer = self.answers.get(question.pk)
        hashes = sorted(f.sha256 for f in self.files.get(question.pk, []))
        if answer is not None and answer.is_pending:
            return (None, False, [])  # a prefilled answer never confirmed is no answer
        if answer is None:
            return (None, False, hashes)
        return (answer.value, answer.is_not_applicable, hashes)

    def prefill_counts(self) -> dict[str, int]:
        """How many shown answers were prefilled, by state ('pending', 'confirmed', 'changed')."""
        counts = {"pending": 0, "confirmed": 0, "changed": 0}
        for question in self.visible_questions():
            answer = self.answers.get(question.pk)
            if answer is not None and answer.source:
                counts[answer.prefill_state] += 1
        return counts

    def with_answer(self, answer: Answer) -> EvaluationSnapshot:
        """The snapshot after one answer was saved, without reading anything again."""
        return self.over({**self.answers, answer.question_id: answer})

    def over(self, answers: dict[int, Answer]) -> EvaluationSnapshot:
        """The same questionnaire and files over other answers (before or after a save)."""
        return replace(self, answers=answers, state=_state(self.questions, answers, self.files))


def _state(
    questions: list[Question], answers: dict[int, Answer], files: dict[int, list[EvidenceFile]]
) -> QuestionnaireState:
    return _state_over_counts(questions, answers, {qid: len(fs) for qid, fs in files.items()})


def _state_over_counts(
    questions: list[Question], answers: dict[int, Answer], file_counts: dict[int, int]
) -> QuestionnaireState:
    # A prefilled answer counts once the vendor confirmed it.
    pending = frozenset(qid for qid, answer in answers.items() if answer.is_pending)
    return QuestionnaireState(questions=questions, answers=answers, file_counts=file_counts, pending=pending)


def scoped_structure(
    evaluation: Evaluation, sections: list[Section], questions: list[Question]
) -> tuple[list[Section], list[Question], list[Section]]:
    """The sections and questions asked for this use, and the sections the intake left out.

    A section is asked when its own tier and at least one of its questions' tiers are within the
    evaluation's inherent tier; without an answered intake everything is asked.
    """
    tier = evaluation.inherent_tier
    if not tier:
        return sections, questions, []
    asked_sections = {s.pk for s in sections if in_scope(s.asked_from, tier)}
    asked = [q for q in questions if q.section_id in asked_sections and in_scope(q.asked_from, tier)]
    with_questions = {q.section_id for q in asked}
    kept = [s for s in sections if s.pk in with_questions]
    left_out = [s for s in sections if s.pk not in with_questions]
    return kept, asked, left_out


@dataclass(frozen=True)
class ScopeSummary:
    """What the intake decided for one evaluation, as the intake page, the evaluation page and the
    report show it: the inherent tier, why, and which sections are asked or left out."""

    inherent_tier: str
    reasons: tuple[str, ...]
    asked: tuple[Section, ...]
    left_out: tuple[Section, ...]
    asked_questions: int
    total_questions: int
    has_intake: bool

    @property
    def is_scoped(self) -> bool:
        return bool(self.inherent_tier)


def scope_summary(evaluation: Evaluation) -> ScopeSummary:
    """The scope of an evaluation from the cached template structure: no query for a published one."""
    sections, questions = template_structure(evaluation.template)
    asked, asked_questions, left_out = scoped_structure(evaluation, sections, questions)
    return ScopeSummary(
        inherent_tier=evaluation.inherent_tier,
        reasons=tuple(evaluation.inherent_reasons or ()),
        asked=tuple(asked),
        left_out=tuple(left_out),
        asked_questions=len(asked_questions),
        total_questions=len(questions),
        has_intake=bool(evaluation.template.intake),
    )


def _grouped(rows) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.question_id].append(row)
    return dict(grouped)


# Who last changed an answer is shown to the organization; the vendor's screens name only who
# confirmed a prefilled answer and where it came from (a conflict reads its answer afresh). Each
# join costs every portal request its planning, so the vendor's read takes only its own.
_ANSWER_RELATIONS: dict[Audience, tuple[str, ...]] = {
    "organization": (
        "updated_by_contact",
        "updated_by_user",
        "prefilled_from__template",
        "confirmed_by_contact",
    ),
    "vendor": ("prefilled_from__template", "confirmed_by_contact"),
}


def _prepared_answers(audience: Audience) -> PreparedQuery:
    return PreparedQuery(
        lambda evaluation_id: Answer.objects.filter(
            evaluation_id=evaluation_id, archived_at__isnull=True
        ).select_related(*_ANSWER_RELATIONS[audience]),
        evaluation_id=int,
    )


# The reads of every snapshot, compiled once per connection: the portal makes them on every request.
_answers_of = {audience: _prepared_answers(audience) for audience in AUDIENCES}
_live_files_of = PreparedQuery(
    lambda evaluation_id: EvidenceFile.objects.filter(evaluation_id=evaluation_id, removed_at__isnull=True),
    evaluation_id=int,
)


def _per_audience(model, related: str, vendor_sees: dict[str, Any]) -> dict[Audience, PreparedQuery]:
    """An evaluation's rows of `model` with their `related` row: all of them for the organization,
    those matching `vendor_sees` for the vendor."""

    def prepared(audience: Audience) -> PreparedQuery:
        def build(evaluation_id):
            rows = model.objects.filter(evaluation_id=evaluation_id).select_related(related)
            return rows.filter(**vendor_sees) if audience == "vendor" else rows

        return PreparedQuery(build, evaluation_id=int)

    return {audience: prepared(audience) for audience in AUDIENCES}


_comments_of = _per_audience(ReviewComment, "author", {"is_visible_to_vendor": True})
_clarifications_of = _per_audience(ClarificationRequest, "requested_by", {"resolved_at__isnull": True})


def live_files(evaluation_id: int) -> dict[int, list[EvidenceFile]]:
    """The evaluation's evidence files not removed, by question."""
    return _grouped(_live_files_of(evaluation_id=evaluation_id))


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
    sections, questions, out_of_scope = scoped_structure(evaluation, *template_structure(evaluation.template))
    answers = {a.question_id: a for a in _answers_of[audience](evaluation_id=evaluation.pk)}
    files = live_files(evaluation.pk)
    snapshot = EvaluationSnapshot(
        evaluation=evaluation,
        audience=audience,
        sections=sections,
        questions=questions,
        answers=answers,
        files=files,
        state=_state(questions, answers, files),
        out_of_scope=out_of_scope,
    )
    if "comments" in include:
        snapshot.comments = _grouped(_comments_of[audience](evaluation_id=evaluation.pk))
    if "clarifications" in include or audience == "vendor":
        snapshot.clarifications = _grouped(_clarifications_of[audience](evaluation_id=evaluation.pk))
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
    sections, questions, out_of_scope = scoped_structure(
        evaluation, *(structure or template_structure(evaluation.template))
    )
    files = live_files(evaluation.pk)
    return EvaluationSnapshot(
        evaluation=evaluation,
        audience=audience,
        sections=sections,
        questions=questions,
        answers=answers,
        files=files,
        state=_state(questions, answers, files),
        out_of_scope=out_of_scope,
    )


def vendor_snapshot(evaluation: Evaluation, *, sections: list[str] | None = None) -> EvaluationSnapshot:
    """The evaluation as its vendor sees it: open clarifications and the comments meant for it.

    `sections`: the keys a link handed over for some sections may change (empty or None: all).
    """
    snapshot = evaluation_snapshot(evaluation, audience="vendor", include={"comments"})
    if sections:
        snapshot.editable_sections = frozenset(sections)
    return snapshot


@dataclass(frozen=True)
class VendorProgress:
    """How far the vendor is with one evaluation: required items complete of those in scope."""

    done: int
    total: int
    last_active_at: datetime.datetime | None

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


def vendor_progress(evaluations: list[Evaluation]) -> dict[int, VendorProgress]:
    """Progress of each evaluation of a list page, in two queries whatever the page's size.

    Templates come from the structure cache (published versions are read once per process); the
    answers and live evidence of every evaluation on the page are read together.
    """
    ids = [e.pk for e in evaluations]
    answers: dict[int, dict[int, Answer]] = defaultdict(dict)
    last: dict[int, datetime.datetime] = {}
    for answer in Answer.objects.filter(evaluation_id__in=ids, archived_at__isnull=True).only(
        "id",
        "evaluation_id",
        "question_id",
        "value",
        "is_not_applicable",
        "updated_at",
        "updated_by_contact_id",
        "source",
        "confirmed_at",
    ):
        answers[answer.evaluation_id][answer.question_id] = answer
        if answer.updated_by_contact_id and answer.updated_at > last.get(answer.evaluation_id, _EPOCH):
            last[answer.evaluation_id] = answer.updated_at
    files: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        EvidenceFile.objects.filter(evaluation_id__in=ids, removed_at__isnull=True)
        .values("evaluation_id", "question_id")
        .annotate(count=Count("id"), latest=Max("uploaded_at", filter=Q(uploaded_by_contact__isnull=False)))
    ):
        files[row["evaluation_id"]][row["question_id"]] = row["count"]
        if row["latest"] and row["latest"] > last.get(row["evaluation_id"], _EPOCH):
            last[row["evaluation_id"]] = row["latest"]
    structures = template_structures(e.template for e in evaluations)
    progress = {}
    for evaluation in evaluations:
        _, questions, _ = scoped_structure(evaluation, *structures[evaluation.template_id])
        state = _state_over_counts(questions, answers[evaluation.pk], files[evaluation.pk])
        done, total = state.progress()
        progress[evaluation.pk] = VendorProgress(
            done=done, total=total, last_active_at=last.get(evaluation.pk)
        )
    return progress


def product_lifecycle(product) -> dict[str, Any]:
    """A product's page: its live review cycle, its model versions and its evaluations (fixed queries)."""
    cycle = (
        ReviewCycle.objects.filter(product=product, closed_at__isnull=True)
        .select_related("approved_evaluation", "reassessment")
        .order_by("-created_at", "-id")
        .first()
    )
    versions = list(
        ModelVersion.objects.filter(product=product)
        .select_related("covered_by__template", "covered_by__previous")
        .order_by("-reported_at", "-id")
    )
    evaluations = list(
        Evaluation.objects.filter(product=product)
        .select_related("template", "owner")
        .order_by("-created_at", "-id")
    )
    product_findings = list(
        ProductFinding.objects.filter(product=product)
        .select_related("resolved_by")
        .order_by("resolved_at", "-raised_at", "-id")
    )
    remediation_items = list(
        RemediationItem.objects.filter(product=product)
        .unresolved()
        .select_related("evaluation")
        .order_by("due_date", "id")
    )
    return {
        "product": product,
        "cycle": cycle,
        "versions": versions,
        "evaluations": evaluations,
        "product_findings": product_findings,
        "remediation_items": remediation_items,
    }


def archived_answers(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The answers a template upgrade left behind, in words, with their old version's question and
    files, for the report and the evaluation page (two queries)."""
    rows = list(
        Answer.objects.filter(evaluation_id=evaluation.pk, archived_at__isnull=False)
        .select_related("question__template", "question__section")
        .order_by("question__template__version", "question__section__order", "question__order", "id")
    )
    names = defaultdict(list)
    for file in EvidenceFile.objects.filter(
        evaluation_id=evaluation.pk, removed_at__isnull=True, question_id__in=[a.question_id for a in rows]
    ):
        names[file.question_id].append(file.original_name)
    return [
        {
            "answer": a,
            "question": a.question,
            "version": a.question.template.version,
            "reason": a.archived_reason,
            "text": format_answer(
                qtype=a.question.type,
                options=a.question.options,
                value=a.value,
                is_not_applicable=a.is_not_applicable,
                file_names=names.get(a.question_id, ()),
            )["text"],
        }
        for a in rows
    ]
