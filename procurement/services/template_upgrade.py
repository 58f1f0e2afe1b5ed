"""Moving an open evaluation to a newer published version of its template, carrying its answers.

The plan (questionnaires.engine.upgrade) decides each question's fate; applying it is one
transaction under the evaluation's row lock (the lock every answer save takes), so no autosave can
slip in between the plan and the move:

- answers to unchanged questions move to the new question as they are;
- answers to changed questions move and wait for the vendor's confirmation, like carried-forward
  answers (`Answer.Source.UPGRADED`, pending until confirmed);
- answers to removed or retyped questions, or whose chosen option is gone, are archived: they keep
  pointing at the old version's question, show in the audit trail and the report, and no longer
  count for progress or scoring;
- evidence files follow their answers; new questions start empty.

Only before the vendor submits (draft, sent, in progress): after that the answers are the record
the reviewers judge, and a change of questions would pull it from under them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from procurement.models import (
    Answer,
    AuditEvent,
    ClarificationRequest,
    Evaluation,
    EvidenceFile,
    ReviewComment,
    ScoreOverride,
)
from procurement.services.audit import audit_record
from questionnaires.engine import upgrade as engine
from questionnaires.engine.display import format_answer
from questionnaires.engine.intake import IntakeError, clean_intake_answers, inherent_tier
from questionnaires.models import Question, Template
from questionnaires.selectors import template_structure

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User

S = Evaluation.Status
# Before the vendor submits: the questionnaire may still change under its answers.
UPGRADABLE = frozenset({S.DRAFT, S.SENT, S.IN_PROGRESS})
CHOICE_REMOVED_NOTE = " The vendor answers it again."


@dataclass(frozen=True)
class PlanRow:
    """One line of the plan as the officer reads it."""

    item: engine.PlanItem
    old_question: Question | None
    new_question: Question | None
    answer_text: str

    @property
    def key(self) -> str:
        return self.item.new_key or self.item.old_key

    @property
    def prompt(self) -> str:
        question = self.new_question or self.old_question
        return question.prompt if question else ""


@dataclass(frozen=True)
class TemplateUpgradePlan:
    evaluation: Evaluation
    source: Template
    target: Template
    plan: engine.UpgradePlan
    rows: tuple[PlanRow, ...]

    @property
    def counts(self) -> dict[str, int]:
        return self.plan.counts


def upgrade_target(evaluation: Evaluation) -> Template | None:
    """The latest published version of the evaluation's template family newer than its own, if the
    evaluation may still move (else None): what the evaluation page offers."""
    if evaluation.status not in UPGRADABLE:
        return None
    current = evaluation.template
    return (
        Template.objects.published()
        .filter(slug=current.slug, organization_id=current.organization_id, version__gt=current.version)
        .order_by("-version")
        .first()
    )


def _check(evaluation: Evaluation, target: Template) -> None:
    current = evaluation.template
    if evaluation.status not in UPGRADABLE:
        raise ValidationError(
            f"The evaluation is {evaluation.get_status_display().lower()}; its template can be upgraded "
            "only before the vendor submits.",
            code="locked",
        )
    if target.slug != current.slug or target.organization_id != current.organization_id:
        raise ValidationError(
            f"{target} is not a version of {current.name}; choose a newer version of the same template.",
            code="other_template",
        )
    if target.status != Template.Status.PUBLISHED:
        raise ValidationError(
            f"Version {target.version} is {target.get_status_display().lower()}; only a published "
            "version can be used.",
            code="not_published",
        )
    if target.version <= current.version:
        raise ValidationError(
            f"The evaluation already uses version {current.version}; choose a newer version.",
            code="not_newer",
        )


def _question_data(question: Question) -> engine.QuestionData:
    return engine.QuestionData(
        key=question.key,
        type=question.type,
        prompt=question.prompt,
        options=question.options or {},
        fact=question.fact,
        allows_na=question.allows_na,
    )


def _build(
    evaluation: Evaluation,
    target: Template,
    answers: dict[int, Answer],
    files: dict[int, list[EvidenceFile]],
) -> TemplateUpgradePlan:
    _, old_questions = template_structure(evaluation.template)
    _, new_questions = template_structure(target)
    data = {}
    for question in old_questions:
        answer = answers.get(question.pk)
        data[question.key] = engine.AnswerData(
            value=answer.value if answer else None,
            is_not_applicable=bool(answer and answer.is_not_applicable),
            files=len(files.get(question.pk, [])),
        )
    plan = engine.plan(
        old=[_question_data(q) for q in old_questions],
        new=[_question_data(q) for q in new_questions],
        answers=data,
    )
    old_by_key = {q.key: q for q in old_questions}
    new_by_key = {q.key: q for q in new_questions}
    rows = []
    for item in plan.items:
        old = old_by_key.get(item.old_key)
        text = ""
        if old is not None and data[old.key].is_given:
            text = _answer_text(old, answers.get(old.pk), files.get(old.pk, []))
        rows.append(
            PlanRow(item=item, old_question=old, new_question=new_by_key.get(item.new_key), answer_text=text)
        )
    return TemplateUpgradePlan(
        evaluation=evaluation, source=evaluation.template, target=target, plan=plan, rows=tuple(rows)
    )


def _answer_text(question: Question, answer: Answer | None, files: list[EvidenceFile]) -> str:
    return format_answer(
        qtype=question.type,
        options=question.options,
        value=answer.value if answer else None,
        is_not_applicable=bool(answer and answer.is_not_applicable),
        file_names=[f.original_name for f in files],
    )["text"]


def _grouped_files(evaluation_id: int, *, lock: bool = False) -> dict[int, list[EvidenceFile]]:
    rows = EvidenceFile.objects.filter(evaluation_id=evaluation_id, removed_at__isnull=True)
    if lock:
        rows = rows.select_for_update()
    grouped: dict[int, list[EvidenceFile]] = defaultdict(list)
    for row in rows:
        grouped[row.question_id].append(row)
    return dict(grouped)


def evaluation_template_upgrade_plan(*, evaluation: Evaluation, target: Template) -> TemplateUpgradePlan:
    """What moving the evaluation to `target` would do, without changing anything.

    Raises ValidationError (with a code) when the evaluation may not move to that version.
    """
    _check(evaluation, target)
    answers = {
        a.question_id: a for a in Answer.objects.filter(evaluation_id=evaluation.pk, archived_at__isnull=True)
    }
    return _build(evaluation, target, answers, _grouped_files(evaluation.pk))


def evaluation_template_upgrade_apply(
    *,
    evaluation: Evaluation,
    target: Template,
    actor: User,
    expected_counts: dict[str, int] | None = None,
    request: HttpRequest | None = None,
) -> TemplateUpgradePlan:
    """Moves the evaluation to `target` as the plan says, audited, in one transaction.

    `expected_counts` are the plan's counts as the officer saw them: when the answers changed since
    (the vendor kept typing), nothing is applied and the officer is asked to look again.
    """
    with transaction.atomic():
        locked = (
            Evaluation.objects.select_for_update()
            .select_related("template", "organization")
            .get(pk=evaluation.pk)
        )
        _check(locked, target)
        answers = {
            a.question_id: a
            for a in Answer.objects.select_for_update().filter(
                evaluation_id=locked.pk, archived_at__isnull=True
            )
        }
        files = _grouped_files(locked.pk, lock=True)
        result = _build(locked, target, answers, files)
        if (
            expected_counts is not None
            and {k: expected_counts.get(k) for k in result.counts} != result.counts
        ):
            raise ValidationError(
                "The answers changed since the plan was shown; review the new plan before applying it.",
                code="stale_plan",
            )
        _apply(locked, result, answers, files, actor=actor, request=request)
    evaluation.template = locked.template
    evaluation.template_id = locked.template_id
    for name in ("intake_answers", "inherent_tier", "inherent_reasons", "intake_answered_at"):
        setattr(evaluation, name, getattr(locked, name))
    return result


def _apply(locked, result, answers, files, *, actor, request) -> None:
    now = timezone.now()
    moved: list[Answer] = []
    moved_files: list[EvidenceFile] = []
    created: list[Answer] = []
    archived: list[Answer] = []
    emptied: list[int] = []
    question_map: dict[int, int] = {}
    archived_log: list[dict[str, Any]] = []
    for row in result.rows:
        item, old, new = row.item, row.old_question, row.new_question
        answer = answers.get(old.pk) if old is not None else None
        if old is not None and new is not None:
            question_map[old.pk] = new.pk
        if item.action == engine.EMPTY:
            if answer is not None:
                emptied.append(answer.pk)
            continue
        if answer is None:
            # Files alone answered it: the answer row carries the state (pending or archived).
            answer = Answer(organization_id=locked.organization_id, evaluation_id=locked.pk, question=old)
            created.append(answer)
        else:
            moved.append(answer)
        if item.action in (engine.KEEP, engine.CONFIRM):
            answer.question = new
            for file in files.get(old.pk, []):
                file.question = new
                moved_files.append(file)
        if item.action == engine.CONFIRM:
            answer.value = item.value
            answer.version += 1
            answer.updated_at = now
            answer.source = Answer.Source.UPGRADED
            answer.prefilled_from = None
            answer.prefilled_at = now
            answer.prefilled_value = item.value
            answer.prefilled_not_applicable = answer.is_not_applicable
            answer.confirmed_at = None
            answer.confirmed_by_contact = None
        elif item.action in (engine.ARCHIVE, engine.CHOICE_REMOVED):
            answer.archived_at = now
            answer.archived_reason = (
                item.reason + (CHOICE_REMOVED_NOTE if item.action == engine.CHOICE_REMOVED else "")
            )[:300]
            archived.append(answer)
            archived_log.append(
                {
                    "key": old.key,
                    "answer": row.answer_text,
                    "reason": answer.archived_reason,
                    "action": item.action,
                }
            )
    Answer.objects.filter(pk__in=emptied).delete()
    # Archived rows keep their old question, so no move collides with the one-answer rule.
    Answer.objects.bulk_update(
        moved,
        [
            "question",
            "value",
            "version",
            "updated_at",
            "source",
            "prefilled_from",
            "prefilled_at",
            "prefilled_value",
            "prefilled_not_applicable",
            "confirmed_at",
            "confirmed_by_contact",
            "archived_at",
            "archived_reason",
        ],
    )
    Answer.objects.bulk_create([a for a in created if a.archived_at or a.source])
    EvidenceFile.objects.bulk_update(moved_files, ["question"])
    for model in (ReviewComment, ClarificationRequest, ScoreOverride):
        rows = list(model.objects.filter(evaluation_id=locked.pk, question_id__in=list(question_map)))
        for row in rows:
            row.question_id = question_map[row.question_id]
        model.objects.bulk_update(rows, ["question"])
    source = locked.template
    intake = _rescope(locked, result.target)
    locked.template = result.target
    locked.save(
        update_fields=[
            "template",
            "intake_answers",
            "inherent_tier",
            "inherent_reasons",
            "intake_answered_at",
            "intake_answered_by",
            "updated_at",
        ]
    )
    counts = result.counts
    audit_record(
        organization=locked.organization,
        evaluation=locked,
        kind=AuditEvent.Kind.TEMPLATE_UPGRADED,
        summary=(
            f"Template upgraded from v{source.version} to v{result.target.version}: {counts['keep']} kept, "
            f"{counts['confirm']} to confirm, {counts['archive'] + counts['choice_removed']} archived "
            f"({counts['choice_removed']} with a removed choice), {counts['new']} new"
        ),
        user=actor,
        request=request,
        data={
            "from_template": str(source.public_id),
            "from_version": source.version,
            "to_template": str(result.target.public_id),
            "to_version": result.target.version,
            "counts": counts,
            "kept": [i.new_key for i in result.plan.with_action(engine.KEEP)],
            "to_confirm": [i.new_key for i in result.plan.with_action(engine.CONFIRM)],
            "archived": archived_log,
            "new": [i.new_key for i in result.plan.items if i.change == engine.NEW],
            "files_moved": len(moved_files),
            "intake": intake,
        },
    )


def _rescope(locked: Evaluation, target: Template) -> dict[str, Any]:
    """Reads the recorded intake answers against the new version's intake; when they no longer fit
    (or the new version has none), the scope is cleared and everything is asked until the intake is
    answered again."""
    before = locked.inherent_tier
    spec = target.intake
    tier, reasons, answers = "", [], {}
    if spec and locked.intake_answers:
        try:
            answers = clean_intake_answers(spec, locked.intake_answers)
        except IntakeError:
            answers = {}
        else:
            outcome = inherent_tier(spec, answers)
            tier, reasons = outcome.tier, list(outcome.reasons)
    locked.intake_answers = answers
    locked.inherent_tier = tier
    locked.inherent_reasons = reasons
    if not tier:
        locked.intake_answered_at = None
        locked.intake_answered_by = None
    return {"before": before, "after": tier}
