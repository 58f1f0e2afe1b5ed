"""Evidence files: upload checked by content, withdrawal, and recorded downloads."""

from __future__ import annotations

import datetime
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from procurement.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvidenceFile,
    Invite,
)
from procurement.services.audit import audit_record
from procurement.stored_files import delete_file, store_file
from procurement.uploads import detect_type, display_name
from questionnaires.models import Question

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

    from vendors.models import Contact
from procurement.services.answers import _lock_for_vendor_change, _mark_in_progress

# What the vendor may say about a document (see EvidenceFile); all optional.
METADATA_FIELDS = ("document_type", "issuer", "period_start", "period_end", "model_version", "effective_on")


def evidence_metadata_errors(values: dict) -> dict[str, str]:
    """Field -> message for a description that cannot be right (unknown type, dates out of order)."""
    errors: dict[str, str] = {}
    kind = values.get("document_type") or ""
    if kind and kind not in EvidenceFile.DocumentType.values:
        errors["document_type"] = f"{kind!r} is not a known document type."
    for name, limit in (("issuer", 200), ("model_version", 100)):
        if len(values.get(name) or "") > limit:
            errors[name] = f"At most {limit} characters."
    start, end = values.get("period_start"), values.get("period_end")
    if start and end and end < start:
        errors["period_end"] = "The period covered cannot end before it starts."
    effective, expires = values.get("effective_on"), values.get("expires_on")
    if effective and expires and expires < effective:
        errors["expires_on"] = "A document cannot expire before it takes effect."
    return errors


def _metadata(values: dict) -> dict:
    cleaned = {name: values.get(name) for name in METADATA_FIELDS}
    for name in ("document_type", "issuer", "model_version"):
        cleaned[name] = (cleaned[name] or "").strip()
    if errors := evidence_metadata_errors({**cleaned, "expires_on": values.get("expires_on")}):
        raise ValidationError(errors)
    return cleaned


def evidence_storage_name(stored_name: str) -> str:
    """Where an evidence file lives in the default storage (a folder on disk, a key prefix in S3)."""
    return f"evidence/{stored_name}"


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
    invite: Invite | None = None,
    **metadata: Any,
) -> EvidenceFile:
    """Checks the file's real type and size, stores it privately under a random name, records it.

    `metadata` is the vendor's description of the document (METADATA_FIELDS), checked first.
    """
    if question.type != Question.Type.FILE and not question.requires_evidence:
        raise ValidationError("This question does not take documents.", code="no_evidence")
    if unknown := set(metadata) - set(METADATA_FIELDS):
        raise TypeError(f"unknown evidence fields: {sorted(unknown)}")
    if expires_on is not None and not (question.options or {}).get("has_expiry"):
        expires_on = None
    described = _metadata({**metadata, "expires_on": expires_on})
    kind = detect_type(
        uploaded_file,
        name=uploaded_file.name or "",
        size=uploaded_file.size,
        max_bytes=settings.EVIDENCE_MAX_BYTES,
    )
    locked = _lock_for_vendor_change(evaluation=evaluation, question=question, invite=invite)
    stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    name = evidence_storage_name(stored_name)
    uploaded_file.seek(0)
    stored = store_file(name, uploaded_file)
    # If anything below fails, the transaction rolls back and the file must not stay behind.
    try:
        evidence = EvidenceFile.objects.create(
            organization_id=evaluation.organization_id,
            evaluation_id=evaluation.pk,
            question=question,
            original_name=display_name(uploaded_file.name or "", extension=kind.extension),
            stored_name=stored_name,
            content_type=kind.content_type,
            size=stored.size,
            sha256=stored.sha256,
            expires_on=expires_on,
            **described,
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
                "size": stored.size,
                "content_type": kind.content_type,
                **_described_data(evidence),
            },
        )
        _confirm_prefilled(evaluation=evaluation, question=question, contact=contact)
        _mark_in_progress(locked=locked, evaluation=evaluation, contact=contact, user=user, request=request)
    except BaseException:
        delete_file(name)
        raise
    return evidence


def _described_data(evidence: EvidenceFile) -> dict:
    """The description as plain JSON for the audit trail."""
    data = {name: getattr(evidence, name) for name in (*METADATA_FIELDS, "expires_on")}
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in data.items()}


@transaction.atomic
def evidence_describe(
    *,
    evidence: EvidenceFile,
    contact: Contact | None = None,
    user: User | None = None,
    request: HttpRequest | None = None,
    invite: Invite | None = None,
    expires_on: datetime.date | None = None,
    **metadata: Any,
) -> EvidenceFile:
    """The vendor corrects what a current document says it is; audited as EVIDENCE_DESCRIBED.

    Only while the vendor may still change the answer (the same lock as an upload).
    """
    if unknown := set(metadata) - set(METADATA_FIELDS):
        raise TypeError(f"unknown evidence fields: {sorted(unknown)}")
    if evidence.removed_at is not None:
        raise ValidationError("This document was withdrawn.", code="removed")
    evaluation = evidence.evaluation
    if not (evidence.question.options or {}).get("has_expiry"):
        expires_on = None
    described = _metadata({**metadata, "expires_on": expires_on})
    _lock_for_vendor_change(evaluation=evaluation, question=evidence.question, invite=invite)
    before = _described_data(evidence)
    for name, value in {**described, "expires_on": expires_on}.items():
        setattr(evidence, name, value)
    after = _described_data(evidence)
    if after != before:
        evidence.save(update_fields=[*METADATA_FIELDS, "expires_on"])
        audit_record(
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=AuditEvent.Kind.EVIDENCE_DESCRIBED,
            summary=f"Evidence for {evidence.question.key} described: {evidence.original_name}",
            user=user,
            contact=contact,
            request=request,
            data={
                "question": evidence.question.key,
                "file": str(evidence.public_id),
                "changed": {k: [before[k], after[k]] for k in after if before[k] != after[k]},
            },
        )
    return evidence


@transaction.atomic
def evidence_remove(
    *,
    evidence: EvidenceFile,
    contact: Contact | None = None,
    user: User | None = None,
    request=None,
    invite: Invite | None = None,
) -> EvidenceFile:
    """Withdraws a document from the answer; the file and its record stay for the audit trail."""
    evaluation = evidence.evaluation
    _lock_for_vendor_change(evaluation=evaluation, question=evidence.question, invite=invite)
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
        _confirm_prefilled(evaluation=evaluation, question=evidence.question, contact=contact)
    return evidence


def _confirm_prefilled(*, evaluation: Evaluation, question: Question, contact: Contact | None) -> None:
    """Changing the documents of a prefilled answer is editing it, and editing confirms it."""
    Answer.objects.filter(
        evaluation_id=evaluation.pk, question_id=question.pk, confirmed_at__isnull=True
    ).exclude(source="").update(confirmed_at=timezone.now(), confirmed_by_contact=contact)


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
