"""What a vendor does through an invite link: save answers, upload evidence, load the questionnaire."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from procurement.audit import audit_record
from procurement.models import AuditEvent, ClarificationRequest, Evaluation, ReviewComment, User
from procurement.services.workflow import evaluation_transition
from questionnaires.answers import AnswerConflict, QuestionnaireState, clean_value
from questionnaires.evidence import detect_type, display_name
from questionnaires.models import Answer, EvidenceFile, Question, Section
from questionnaires.selectors import template_structure

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

    from vendors.models import Contact

S = Evaluation.Status


def _lock_for_vendor_change(*, evaluation: Evaluation, question: Question) -> Evaluation:
    """Locks the evaluation row and checks that this question may change now.

    Every answer save and the submission take this same lock, so a save can never slip in after
    the evaluation was submitted, and saves of one evaluation apply one after another. Whether a
    clarification round restricts editing is read in the same query.
    """
    if question.template_id != evaluation.template_id:
        raise ValidationError("This question is not part of this questionnaire.", code="foreign_question")
    open_requests = ClarificationRequest.objects.filter(evaluation=OuterRef("pk"), resolved_at__isnull=True)
    locked = (
        Evaluation.objects.select_for_update()
        .annotate(
            has_open_requests=Exists(open_requests),
            question_is_open=Exists(open_requests.filter(question=question.pk)),
        )
        .only("id", "status", "organization_id", "template_id")
        .get(pk=evaluation.pk)
    )
    if locked.status not in Evaluation.VENDOR_EDITABLE:
        raise ValidationError(
            f"The questionnaire is {locked.get_status_display().lower()} and can no longer be changed.",
            code="locked",
        )
    # During a clarification round only the questions a reviewer reopened may change.
    if locked.has_open_requests and not locked.question_is_open:
        raise ValidationError(
            "Only the questions the reviewers asked about can be changed now.", code="not_reopened"
        )
    return locked


def _mark_in_progress(*, locked: Evaluation, evaluation: Evaluation, contact, user, request) -> None:
    if locked.status in (S.SENT, S.CHANGES_REQUESTED):
        evaluation_transition(
            evaluation=evaluation, to_status=S.IN_PROGRESS, contact=contact, user=user, request=request
        )


@transaction.atomic
def answer_save(
    *,
    evaluation: Evaluation,
    question: Question,
    value: Any,
    is_not_applicable: bool = False,
    expected_version: int,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> Answer:
    """Validates and stores one answer, or raises ValidationError / AnswerConflict.

    `expected_version` is the version the person saw. If someone saved in between, the stored
    answer is returned inside AnswerConflict and nothing is written: the later save never
    silently replaces the earlier one.
    """
    if is_not_applicable:
        if not question.allows_na:
            raise ValidationError("This question cannot be answered 'not applicable'.", code="na")
        new_value = None
    else:
        new_value = clean_value(question, value)
    locked = _lock_for_vendor_change(evaluation=evaluation, question=question)
    answer = (
        Answer.objects.select_for_update()
        .filter(evaluation_id=evaluation.pk, question_id=question.pk)
        .first()
    )
    stored_version = answer.version if answer is not None else 0
    if expected_version != stored_version:
        raise AnswerConflict(answer)
    now = timezone.now()
    old_value = answer.value if answer is not None else None
    old_na = answer.is_not_applicable if answer is not None else False
    if answer is None:
        answer = Answer.objects.create(
            organization_id=evaluation.organization_id,
            evaluation_id=evaluation.pk,
            question=question,
            value=new_value,
            is_not_applicable=is_not_applicable,
            version=1,
            updated_at=now,
            updated_by_contact=contact,
            updated_by_user=user,
        )
    else:
        if old_value == new_value and old_na == is_not_applicable:
            return answer  # nothing changed: no new version, no audit line
        answer.value = new_value
        answer.is_not_applicable = is_not_applicable
        answer.version = stored_version + 1
        answer.updated_at = now
        answer.updated_by_contact = contact
        answer.updated_by_user = user
        answer.save(
            update_fields=[
                "value",
                "is_not_applicable",
                "version",
                "updated_at",
                "updated_by_contact",
                "updated_by_user",
            ]
        )
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.ANSWER_CHANGED,
        summary=f"Answer to {question.key} changed",
        user=user,
        contact=contact,
        request=request,
        data={
            "question": question.key,
            "old": old_value,
            "new": new_value,
            "old_not_applicable": old_na,
            "new_not_applicable": is_not_applicable,
            "version": answer.version,
        },
    )
    _mark_in_progress(locked=locked, evaluation=evaluation, contact=contact, user=user, request=request)
    return answer


def evidence_path(stored_name: str) -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "evidence" / stored_name


@transaction.atomic
def evidence_upload(
    *,
    evaluation: Evaluation,
    question: Question,
    uploaded_file: UploadedFile,
    expires_on: datetime.date | None = None,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> EvidenceFile:
    """Checks the file's real type and size, stores it privately under a random name, records it."""
    if question.type != Question.Type.FILE and not question.requires_evidence:
        raise ValidationError("This question does not take documents.", code="no_evidence")
    kind = detect_type(
        uploaded_file,
        name=uploaded_file.name or "",
        size=uploaded_file.size,
        max_bytes=settings.EVIDENCE_MAX_BYTES,
    )
    if expires_on is not None and not (question.options or {}).get("has_expiry"):
        expires_on = None
    locked = _lock_for_vendor_change(evaluation=evaluation, question=question)
    stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    path = evidence_path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    # If anything below fails, the transaction rolls back and the file must not stay behind.
    try:
        with path.open("xb") as out:
            for chunk in uploaded_file.chunks():
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        evidence = EvidenceFile.objects.create(
            organization_id=evaluation.organization_id,
            evaluation_id=evaluation.pk,
            question=question,
            original_name=display_name(uploaded_file.name or "", extension=kind.extension),
            stored_name=stored_name,
            content_type=kind.content_type,
            size=size,
            sha256=digest.hexdigest(),
            expires_on=expires_on,
            uploaded_by_contact=contact,
            uploaded_by_user=user,
        )
        audit_record(
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=AuditEvent.Kind.FILE_UPLOADED,
            summary=f"Evidence uploaded for {question.key}: {evidence.original_name}",
            user=user,
            contact=contact,
            request=request,
            data={
                "question": question.key,
                "file": str(evidence.public_id),
                "name": evidence.original_name,
                "sha256": evidence.sha256,
                "size": size,
                "content_type": kind.content_type,
            },
        )
        _mark_in_progress(locked=locked, evaluation=evaluation, contact=contact, user=user, request=request)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return evidence


@transaction.atomic
def evidence_remove(
    *, evidence: EvidenceFile, contact: Contact | None = None, user: User | None = None, request=None
) -> EvidenceFile:
    """Withdraws a document from the answer; the file and its record stay for the audit trail."""
    evaluation = evidence.evaluation
    _lock_for_vendor_change(evaluation=evaluation, question=evidence.question)
    if evidence.removed_at is None:
        evidence.removed_at = timezone.now()
        evidence.save(update_fields=["removed_at"])
        audit_record(
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=AuditEvent.Kind.ANSWER_CHANGED,
            summary=f"Evidence for {evidence.question.key} withdrawn: {evidence.original_name}",
            user=user,
            contact=contact,
            request=request,
            data={"question": evidence.question.key, "file_removed": str(evidence.public_id)},
        )
    return evidence


def evidence_record_download(
    *, evidence: EvidenceFile, evaluation: Evaluation, user: User | None = None, contact=None, request=None
) -> None:
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.FILE_DOWNLOADED,
        summary=f"Evidence downloaded: {evidence.original_name}",
        user=user,
        contact=contact,
        request=request,
        data={"file": str(evidence.public_id), "sha256": evidence.sha256},
    )


@dataclass
class PortalData:
    """Everything the questionnaire page shows, loaded in a fixed number of queries."""

    sections: list[Section]
    questions: list[Question]
    answers: dict[int, Answer]
    files: dict[int, list[EvidenceFile]]
    clarifications: dict[int, list[ClarificationRequest]]
    comments: dict[int, list[ReviewComment]]
    state: QuestionnaireState

    @property
    def restricted(self) -> bool:
        """A clarification round is open: only the reopened questions may change."""
        return bool(self.clarifications)

    def questions_of(self, section: Section) -> list[Question]:
        return [q for q in self.questions if q.section_id == section.pk]


def portal_data(evaluation: Evaluation) -> PortalData:
    sections, questions = template_structure(evaluation.template)
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(evaluation_id=evaluation.pk).select_related(
            "updated_by_contact", "updated_by_user"
        )
    }
    files: dict[int, list[EvidenceFile]] = {}
    for f in EvidenceFile.objects.filter(evaluation_id=evaluation.pk, removed_at__isnull=True):
        files.setdefault(f.question_id, []).append(f)
    clarifications: dict[int, list[ClarificationRequest]] = {}
    for c in ClarificationRequest.objects.filter(evaluation_id=evaluation.pk, resolved_at__isnull=True):
        clarifications.setdefault(c.question_id, []).append(c)
    comments: dict[int, list[ReviewComment]] = {}
    for c in ReviewComment.objects.filter(evaluation_id=evaluation.pk, is_visible_to_vendor=True):
        comments.setdefault(c.question_id, []).append(c)
    counts = Counter({qid: len(fs) for qid, fs in files.items()})
    state = QuestionnaireState(questions=questions, answers=answers, file_counts=counts)
    return PortalData(sections, questions, answers, files, clarifications, comments, state)
