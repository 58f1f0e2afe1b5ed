"""Prefilled answers: carried forward from an earlier evaluation or read from the vendor's model card,
and their confirmation, per answer or per section.

A prefilled answer is shown to the vendor with where it came from and counts as no answer until the
vendor confirms or edits it (`Answer.is_pending`); the selector hands that to the questionnaire
state, so progress, submission and scoring all read it the same way.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from procurement.model_card import CardError, parse_card
from procurement.model_card.mapping import card_answers, hti_attribute
from procurement.models import Answer, AuditEvent, ClarificationRequest, Evaluation, EvidenceFile, Invite
from procurement.selectors import evaluation_snapshot
from procurement.services.answers import _mark_in_progress
from procurement.services.audit import audit_record
from procurement.services.evidence import evidence_storage_name
from procurement.stored_files import StoredFileError, delete_file, open_verified, store_file
from questionnaires.engine.answers import clean_value
from questionnaires.models import Question, Section

if TYPE_CHECKING:
    from django.http import HttpRequest

    from vendors.models import Contact

S = Evaluation.Status
# An evaluation whose vendor answers were submitted: its answers are the vendor's last word.
CARRY_SOURCES = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.DECIDED, S.ARCHIVED})
# Carrying forward fills an evaluation before the vendor has submitted it.
CARRY_TARGETS = frozenset({S.DRAFT, S.SENT, S.IN_PROGRESS})


# -- carrying forward ---------------------------------------------------------------------------


def carry_forward_source(*, evaluation: Evaluation) -> Evaluation | None:
    """The product's latest evaluation with submitted answers (the re-assessed one first), or None."""
    candidates = (
        Evaluation.objects.for_org(evaluation.organization)
        .filter(product_id=evaluation.product_id, status__in=CARRY_SOURCES, submitted_at__isnull=False)
        .exclude(pk=evaluation.pk)
        .select_related("template")
    )
    if evaluation.previous_id and (previous := candidates.filter(pk=evaluation.previous_id).first()):
        return previous
    return candidates.order_by("-submitted_at", "-id").first()


def match_questions(*, source: Sequence[Question], target: Sequence[Question]) -> dict[int, Question]:
    """Target question id -> the source question that asks the same thing.

    The one place that decides "the same question" across evaluations: the same key and type (a
    template's versions share keys), or else the same declared fact and type, so another template
    that asks the same fact (questionnaires.engine.facts) carries it too.
    """
    by_key = {q.key: q for q in source}
    by_fact = {q.fact: q for q in source if q.fact}
    matched: dict[int, Question] = {}
    for question in target:
        other = by_key.get(question.key)
        if (other is None or other.type != question.type) and question.fact:
            other = by_fact.get(question.fact)
        if other is not None and other.type == question.type:
            matched[question.pk] = other
    return matched


@dataclass
class CarryResult:
    source: Evaluation
    answers: list[str] = field(default_factory=list)  # question keys
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (key, why)


def _source_error(message: str) -> ValidationError:
    return ValidationError({"from_evaluation": ValidationError(message, code="no_source")})


def _copy_file(original: EvidenceFile) -> tuple[str, str] | None:
    """A private copy of a stored evidence file under a new name, and its SHA-256; None if unreadable.

    The original is read back verified against the SHA-256 the earlier evaluation recorded, so a
    file changed or lost in storage is never carried.
    """
    extension = original.stored_name.rsplit(".", 1)[-1]
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    try:
        with open_verified(evidence_storage_name(original.stored_name), sha256=original.sha256) as verified:
            stored = store_file(evidence_storage_name(stored_name), verified)
    except (StoredFileError, OSError):
        return None
    return stored_name, stored.sha256


def answers_carry_forward(
    *,
    evaluation: Evaluation,
    source: Evaluation,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> CarryResult:
    """Prefills the evaluation's empty questions with the source's submitted answers and evidence.

    Each carried answer records the source and the time, and waits for the vendor's confirmation.
    Answers the evaluation already has are never replaced. One transaction: if anything fails, no
    answer and no copied file stays behind.
    """
    if source.organization_id != evaluation.organization_id or source.product_id != evaluation.product_id:
        raise _source_error("Answers can be carried forward only from an evaluation of the same product.")
    if source.pk == evaluation.pk or source.status not in CARRY_SOURCES or source.submitted_at is None:
        raise _source_error("Answers can be carried forward only from an evaluation the vendor submitted.")
    copied: list[str] = []
    try:
        with transaction.atomic():
            result = _carry(evaluation=evaluation, source=source, user=user, request=request, copied=copied)
    except BaseException:
        for name in copied:
            delete_file(evidence_storage_name(name))
        raise
    return result


def _carry(*, evaluation, source, user, request, copied: list[str]) -> CarryResult:
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.status not in CARRY_TARGETS:
        raise ValidationError(
            f"The evaluation is {locked.get_status_display().lower()}; answers can be carried forward "
            "only before the vendor submits.",
            code="locked",
        )
    before = evaluation_snapshot(source)
    target = evaluation_snapshot(locked)
    matched = match_questions(source=before.questions, target=target.questions)
    now = timezone.now()
    result = CarryResult(source=source)
    answers: list[Answer] = []
    files: list[EvidenceFile] = []
    today = timezone.localdate()
    for question in target.questions:
        old_question = matched.get(question.pk)
        if old_question is None or question.pk in target.answers or target.files.get(question.pk):
            continue
        if not before.state.is_answered(old_question):
            continue
        old = before.answers.get(old_question.pk)
        value, na = (old.value, old.is_not_applicable) if old is not None else (None, False)
        if na and not question.allows_na:
            result.skipped.append((question.key, "not applicable is not allowed here"))
            continue
        if question.type != Question.Type.FILE and not na:
            try:
                value = clean_value(question, value)
            except ValidationError as exc:
                result.skipped.append((question.key, " ".join(exc.messages)))
                continue
        for original in before.files.get(old_question.pk, []):
            if original.expires_on and original.expires_on < today:
                result.skipped.append((question.key, f"{original.original_name} has expired"))
                continue
            copy = _copy_file(original)
            if copy is None:
                result.skipped.append((question.key, f"{original.original_name} could not be read"))
                continue
            copied.append(copy[0])
            files.append(
                EvidenceFile(
                    organization_id=locked.organization_id,
                    evaluation_id=locked.pk,
                    question=question,
                    original_name=original.original_name,
                    stored_name=copy[0],
                    content_type=original.content_type,
                    size=original.size,
                    sha256=copy[1],
                    expires_on=original.expires_on,
                    # What the vendor said the document is travels with it.
                    document_type=original.document_type,
                    issuer=original.issuer,
                    period_start=original.period_start,
                    period_end=original.period_end,
                    model_version=original.model_version,
                    effective_on=original.effective_on,
                    # The document's age is that of the original upload, not of the copy.
                    uploaded_at=original.uploaded_at,
                    uploaded_by_user=user,
                    carried_from=original,
                )
            )
        answers.append(
            Answer(
                organization_id=locked.organization_id,
                evaluation_id=locked.pk,
                question=question,
                value=value,
                is_not_applicable=na,
                version=1,
                updated_at=now,
                updated_by_user=user,
                source=Answer.Source.CARRIED,
                prefilled_from=source,
                prefilled_at=now,
                prefilled_value=value,
                prefilled_not_applicable=na,
            )
        )
        result.answers.append(question.key)
    Answer.objects.bulk_create(answers)
    EvidenceFile.objects.bulk_create(files)
    result.files = len(files)
    audit_record(
        organization=locked.organization,
        evaluation=locked,
        kind=AuditEvent.Kind.ANSWERS_PREFILLED,
        summary=(
            f"{len(answers)} answer{'s' if len(answers) != 1 else ''} and {len(files)} "
            f"document{'s' if len(files) != 1 else ''} carried forward from the evaluation submitted "
            f"{timezone.localtime(source.submitted_at):%Y-%m-%d}"
        ),
        user=user,
        request=request,
        data={
            "source": "carried",
            "from_evaluation": str(source.public_id),
            "questions": result.answers,
            "files": len(files),
            "skipped": [list(s) for s in result.skipped],
        },
    )
    return result


# -- confirming ---------------------------------------------------------------------------------


def _lock_editable(*, evaluation: Evaluation) -> Evaluation:
    open_requests = ClarificationRequest.objects.filter(evaluation=OuterRef("pk"), resolved_at__isnull=True)
    locked = (
        Evaluation.objects.select_for_update()
        .annotate(has_open_requests=Exists(open_requests))
        .only("id", "status", "organization_id", "template_id", "inherent_tier")
        .get(pk=evaluation.pk)
    )
    if locked.status not in Evaluation.VENDOR_EDITABLE:
        raise ValidationError(
            f"The questionnaire is {locked.get_status_display().lower()} and can no longer be changed.",
            code="locked",
        )
    return locked


def _record_confirmed(
    *, evaluation: Evaluation, rows: list[Answer], contact, user, request, summary: str
) -> None:
    """Saves the rows already stamped as confirmed, with one audit line."""
    if not rows:
        return
    Answer.objects.bulk_update(rows, ["confirmed_at", "confirmed_by_contact"])
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.ANSWERS_CONFIRMED,
        summary=summary,
        user=user,
        contact=contact,
        request=request,
        data={"questions": [a.question.key for a in rows]},
    )


@transaction.atomic
def answer_confirm(
    *,
    invite: Invite | None = None,
    evaluation: Evaluation,
    question: Question,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> Answer:
    """Confirms one prefilled answer as it stands. Confirming a confirmed answer changes nothing."""
    locked = _lock_editable(evaluation=evaluation)
    snapshot = evaluation_snapshot(locked, audience="vendor")
    if invite is not None and invite.sections:
        # A link handed over for some sections confirms only in those.
        snapshot.editable_sections = frozenset(invite.sections)
    if question.template_id != locked.template_id:
        raise ValidationError("This question is not part of this questionnaire.", code="foreign_question")
    if not snapshot.is_editable(question):
        raise ValidationError(
            "Only the questions the reviewers asked about can be changed now.", code="not_reopened"
        )
    answer = (
        Answer.objects.select_for_update().filter(evaluation_id=locked.pk, question_id=question.pk).first()
    )
    if answer is None or not answer.source:
        raise ValidationError(
            "This answer was not prefilled, so there is nothing to confirm.", code="not_prefilled"
        )
    if answer.is_pending:
        answer.question = question
        answer.confirmed_at, answer.confirmed_by_contact = timezone.now(), contact
        _record_confirmed(
            evaluation=evaluation,
            rows=[answer],
            contact=contact,
            user=user,
            request=request,
            summary=f"Prefilled answer to {question.key} confirmed",
        )
    _mark_in_progress(locked=locked, evaluation=evaluation, contact=contact, user=user, request=request)
    return answer


@transaction.atomic
def section_confirm(
    *,
    invite: Invite | None = None,
    evaluation: Evaluation,
    section: Section,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> list[Answer]:
    """Confirms every prefilled answer the vendor sees in the section, in one action.

    Confirming can show follow-up questions (their conditions now read the confirmed answers);
    prefilled follow-ups shown that way are confirmed in the same action, since the vendor asked for
    the whole section. Hidden answers stay unconfirmed.
    """
    locked = _lock_editable(evaluation=evaluation)
    if section.template_id != locked.template_id:
        raise ValidationError("This section is not part of this questionnaire.", code="foreign_section")
    snapshot = evaluation_snapshot(locked, audience="vendor")
    if invite is not None and invite.sections:
        # A link handed over for some sections confirms only in those.
        snapshot.editable_sections = frozenset(invite.sections)
    rows = {
        a.pk: a
        for a in Answer.objects.select_for_update().filter(evaluation_id=locked.pk).select_related("question")
    }
    confirmed: list[Answer] = []
    while True:
        batch = [
            snapshot.answers[q.pk]
            for q in snapshot.visible_questions_of(section)
            if snapshot.state.is_pending(q) and snapshot.is_editable(q)
        ]
        if not batch:
            break
        now = timezone.now()
        for answer in batch:
            row = rows[answer.pk]
            row.confirmed_at, row.confirmed_by_contact = now, contact
            confirmed.append(row)
            snapshot = snapshot.with_answer(row)
    count = len(confirmed)
    _record_confirmed(
        evaluation=evaluation,
        rows=confirmed,
        contact=contact,
        user=user,
        request=request,
        summary=f"{count} prefilled answer{'s' if count != 1 else ''} confirmed in {section.title}",
    )
    if confirmed:
        _mark_in_progress(locked=locked, evaluation=evaluation, contact=contact, user=user, request=request)
    return confirmed


# -- the model card -----------------------------------------------------------------------------


REPREFILLED_FIELDS = [
    "value",
    "is_not_applicable",
    "version",
    "updated_at",
    "updated_by_contact",
    "updated_by_user",
    "source",
    "prefilled_from",
    "prefilled_at",
    "prefilled_value",
    "prefilled_not_applicable",
    "confirmed_at",
    "confirmed_by_contact",
]


@dataclass
class CardImport:
    filled: list[tuple[Question, str]] = field(default_factory=list)  # (question, card element)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (question key, why)
    hti_attributes: list[int] = field(default_factory=list)  # the HTI-1 source attributes answered


def _card_error(exc: CardError) -> ValidationError:
    messages = [str(exc), *exc.details]
    return ValidationError({"file": [ValidationError(m, code=exc.code) for m in messages]})


def model_card_import(
    *,
    evaluation: Evaluation,
    data: bytes,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> CardImport:
    """Reads the vendor's CHAI Applied Model Card and prefills the questions it answers, to be confirmed.

    A file that is too big, not XML, of another schema version, declares a DTD or entities, or does
    not validate raises ValidationError ({"file": [...]}) before anything is written. Answers the
    vendor typed or confirmed are never replaced; a prefilled answer still unconfirmed is.
    """
    try:
        root = parse_card(data, max_bytes=settings.MODEL_CARD_MAX_BYTES)
    except CardError as exc:
        raise _card_error(exc) from None
    with transaction.atomic():
        return _import(
            evaluation=evaluation, found=card_answers(root), contact=contact, user=user, request=request
        )


def _import(*, evaluation, found, contact, user, request) -> CardImport:
    locked = _lock_editable(evaluation=evaluation)
    if locked.has_open_requests:
        raise ValidationError(
            {"file": ["A model card cannot be imported while the reviewers' questions are open."]},
            code="not_reopened",
        )
    questions = {
        q.key: q
        for q in Question.objects.filter(
            template_id=locked.template_id, key__in=[item.key for item in found]
        ).select_related("section")
    }
    result = CardImport()
    now = timezone.now()
    existing = {a.question_id: a for a in Answer.objects.select_for_update().filter(evaluation_id=locked.pk)}
    created: list[Answer] = []
    replaced: list[Answer] = []
    for item in found:
        question = questions.get(item.key)
        if question is None:
            continue  # this questionnaire does not ask it
        try:
            value = clean_value(question, item.value)
        except ValidationError as exc:
            result.skipped.append((item.key, " ".join(exc.messages)))
            continue
        answer = existing.get(question.pk)
        if answer is not None and not answer.is_pending and not _is_empty_typed(answer):
            result.skipped.append((item.key, "already answered"))
            continue
        if answer is None:
            answer = Answer(
                organization_id=locked.organization_id, evaluation_id=locked.pk, question=question, version=0
            )
            created.append(answer)
        else:
            replaced.append(answer)
        answer.value = value
        answer.is_not_applicable = False
        answer.version += 1
        answer.updated_at = now
        answer.updated_by_contact = contact
        answer.updated_by_user = user
        answer.source = Answer.Source.MODEL_CARD
        answer.prefilled_from = None
        answer.prefilled_at = now
        answer.prefilled_value = value
        answer.prefilled_not_applicable = False
        answer.confirmed_at = None
        answer.confirmed_by_contact = None
        result.filled.append((question, item.element))
        if (number := hti_attribute(item.key)) is not None:
            result.hti_attributes.append(number)
    Answer.objects.bulk_create(created)
    Answer.objects.bulk_update(replaced, REPREFILLED_FIELDS)
    result.hti_attributes.sort()
    # Listed for the vendor in questionnaire order.
    result.filled.sort(key=lambda pair: (pair[0].section.order, pair[0].order, pair[0].pk))
    count = len(result.filled)
    audit_record(
        organization=locked.organization,
        evaluation=locked,
        kind=AuditEvent.Kind.ANSWERS_PREFILLED,
        summary=f"{count} answer{'s' if count != 1 else ''} prefilled from the vendor's model card",
        user=user,
        contact=contact,
        request=request,
        data={
            "source": "model_card",
            "questions": [q.key for q, _ in result.filled],
            "skipped": [list(s) for s in result.skipped],
            "hti_attributes": result.hti_attributes,
        },
    )
    if result.filled:
        _mark_in_progress(locked=locked, evaluation=evaluation, contact=contact, user=user, request=request)
    return result


def _is_empty_typed(answer: Answer) -> bool:
    """A typed answer the vendor cleared is no answer; the card may fill it."""
    return not answer.source and answer.value in (None, "", [], {}) and not answer.is_not_applicable
