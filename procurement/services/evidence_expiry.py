"""Evidence over time: reminders before a document expires, and findings on approved products.

Run daily by beat (procurement.tasks.check_evidence_expiry):
- 60, 30 and 7 days before a current document's `expires_on`, the evaluation owner (e-mail and an
  in-app notification) and the vendor contacts invited to the evaluation are reminded, once per file,
  threshold and expiry date (ReminderLog rows with `evidence` set). A run that missed a day sends the
  closest threshold already reached.
- A document that has expired on a product's current approval raises a ProductFinding, audited
  (EVIDENCE_EXPIRED); it is resolved when a newer unexpired document for the same question replaces
  it, or when the approval is no longer the product's current one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation, EvidenceFile, Notification, ProductFinding, ReminderLog
from procurement.services.audit import audit_record
from procurement.services.notifications import absolute_url, notifications_create, send_email
from procurement.services.webhooks import evaluation_event_data, webhook_event_emit

DEFAULT_EXPIRY_REMINDER_DAYS = (60, 30, 7)
APPROVED = (Evaluation.Decision.APPROVED, Evaluation.Decision.APPROVED_WITH_CONDITIONS)


def expiry_reminder_kind(expires_on: datetime.date, today: datetime.date, days: Iterable[int]) -> str | None:
    """The expiry reminder due today: the closest threshold reached ('expiry_30'), None if none or expired."""
    left = (expires_on - today).days
    if left < 0:
        return None
    reached = [d for d in days if left <= d]
    return f"expiry_{min(reached)}" if reached else None


def _watched_files(horizon: datetime.date):
    """Current files with an expiry up to `horizon`, on live or approved evaluations."""
    live = ~Q(
        evaluation__status__in=[
            Evaluation.Status.DRAFT,
            Evaluation.Status.DECIDED,
            Evaluation.Status.ARCHIVED,
        ]
    )
    approved = Q(evaluation__status=Evaluation.Status.DECIDED, evaluation__decision__in=APPROVED)
    return (
        EvidenceFile.objects.filter(
            removed_at__isnull=True, expires_on__isnull=False, expires_on__lte=horizon
        )
        .filter(live | approved)
        .select_related(
            "evaluation__owner", "evaluation__product__vendor", "evaluation__organization", "question"
        )
        .prefetch_related("evaluation__invites__contact")
    )


def _vendor_emails(evaluation: Evaluation) -> list[str]:
    return list(
        dict.fromkeys(
            invite.contact.email for invite in evaluation.invites.all() if invite.revoked_at is None
        )
    )


def evidence_expiry_reminders_send(*, today: datetime.date | None = None) -> int:
    """Sends every expiry reminder due today, each once. Returns the number of e-mails sent."""
    today = today or timezone.localdate()
    days = tuple(getattr(settings, "EVIDENCE_EXPIRY_REMINDER_DAYS", DEFAULT_EXPIRY_REMINDER_DAYS))
    horizon = today + datetime.timedelta(days=max(days, default=0))
    sent = 0
    for evidence in _watched_files(horizon).filter(expires_on__gte=today):
        kind = expiry_reminder_kind(evidence.expires_on, today, days)
        if kind is not None:
            sent += evidence_expiry_remind(evidence=evidence, kind=kind, today=today)
    return sent


def evidence_expiry_remind(*, evidence: EvidenceFile, kind: str, today: datetime.date) -> int:
    """One file's reminder at one threshold, to each recipient not yet reminded. Returns e-mails sent.

    This is where an "evidence expiring" event belongs: it runs once per file, threshold and
    recipient, and the owner's first reminder (`owner_reminded`) marks the event itself.
    """
    evaluation = evidence.evaluation
    recipients = [(evaluation.owner.email, "owner")] if evaluation.owner.email else []
    recipients += [(email, "vendor") for email in _vendor_emails(evaluation)]
    sent = 0
    for email, audience in recipients:
        if _remind_once(evidence=evidence, kind=kind, email=email, audience=audience, today=today):
            sent += 1
            if audience == "owner":
                webhook_event_emit(
                    organization=evaluation.organization,
                    kind="evidence.expiring",
                    data={
                        "evaluation": evaluation_event_data(evaluation),
                        "evidence": {
                            "id": str(evidence.public_id),
                            "name": evidence.original_name,
                            "question": evidence.question.key,
                            "document_type": evidence.document_type,
                            "expires_on": evidence.expires_on.isoformat(),
                            "reminder": kind,
                        },
                    },
                )
                notifications_create(
                    recipients=[evaluation.owner],
                    organization=evaluation.organization,
                    evaluation=evaluation,
                    kind=Notification.Kind.EVIDENCE_EXPIRING,
                    message=(
                        f"{evidence.original_name} ({evidence.question.key}) for {evaluation.product} "
                        f"expires on {evidence.expires_on:%Y-%m-%d}."
                    ),
                    link=evaluation.get_absolute_url(),
                    email=False,  # the reminder itself was just e-mailed
                )
    return sent


def _remind_once(
    *, evidence: EvidenceFile, kind: str, email: str, audience: str, today: datetime.date
) -> bool:
    evaluation = evidence.evaluation
    try:
        # The log row first, the e-mail inside the same transaction: a failed send rolls the row
        # back and is retried tomorrow; a second run finds the row and skips.
        with transaction.atomic():
            ReminderLog.objects.create(
                organization_id=evaluation.organization_id,
                evaluation=evaluation,
                evidence=evidence,
                kind=kind,
                due_date=evidence.expires_on,
                recipient=email,
            )
            send_email(
                template="evidence_expiry",
                subject=(
                    f"Evidence expiring: {evidence.original_name} for {evaluation.product} "
                    f"(expires {evidence.expires_on:%Y-%m-%d})"
                ),
                to=[email],
                context={
                    "evidence": evidence,
                    "evaluation": evaluation,
                    "audience": audience,
                    "days_left": (evidence.expires_on - today).days,
                    "link": absolute_url(evaluation.get_absolute_url()) if audience == "owner" else "",
                },
            )
    except IntegrityError:
        return False
    return True


def current_approvals() -> dict[int, int]:
    """product id -> the evaluation id of its current approval (its latest decision, if approving)."""
    latest: dict[int, tuple[int, str]] = {}
    decided = Evaluation.objects.filter(status=Evaluation.Status.DECIDED, decided_at__isnull=False).order_by(
        "product_id", "-decided_at", "-id"
    )
    for product_id, evaluation_id, decision in decided.values_list("product_id", "id", "decision"):
        latest.setdefault(product_id, (evaluation_id, decision))
    return {p: e for p, (e, decision) in latest.items() if decision in APPROVED}


def product_findings_refresh(*, today: datetime.date | None = None) -> tuple[int, int]:
    """Raises findings for expired documents on current approvals and resolves replaced ones.

    Returns (raised, resolved).
    """
    today = today or timezone.localdate()
    approvals = current_approvals()
    resolved = _resolve(today=today, approvals=approvals)
    raised = 0
    expired = (
        EvidenceFile.objects.filter(
            evaluation_id__in=approvals.values(), removed_at__isnull=True, expires_on__lt=today
        )
        .exclude(
            Exists(
                ProductFinding.objects.open().filter(
                    evidence=OuterRef("pk"), code=ProductFinding.Code.EVIDENCE_EXPIRED
                )
            )
        )
        .select_related("evaluation__product", "evaluation__organization", "question")
    )
    for evidence in expired:
        if _replacement(evidence, today) is None:
            raised += _raise(evidence)
    return raised, resolved


def _replacement(evidence: EvidenceFile, today: datetime.date) -> EvidenceFile | None:
    """A newer current document for the same question of the same evaluation that has not expired."""
    return (
        EvidenceFile.objects.filter(
            evaluation_id=evidence.evaluation_id,
            question_id=evidence.question_id,
            removed_at__isnull=True,
            uploaded_at__gt=evidence.uploaded_at,
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .order_by("-uploaded_at", "-id")
        .first()
    )


def _raise(evidence: EvidenceFile) -> int:
    evaluation = evidence.evaluation
    try:
        with transaction.atomic():  # the partial unique constraint keeps one open finding per file
            finding = ProductFinding.objects.create(
                organization_id=evaluation.organization_id,
                product_id=evaluation.product_id,
                evaluation=evaluation,
                evidence=evidence,
                code=ProductFinding.Code.EVIDENCE_EXPIRED,
                severity=ProductFinding.Severity.HIGH,
                title=(
                    f"{evidence.original_name} ({evidence.question.key}) expired on "
                    f"{evidence.expires_on:%Y-%m-%d}"
                ),
            )
    except IntegrityError:
        return 0
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.EVIDENCE_EXPIRED,
        summary=f"Evidence expired on the approved product {evaluation.product}: {evidence.original_name}",
        data={
            "question": evidence.question.key,
            "file": str(evidence.public_id),
            "expires_on": evidence.expires_on.isoformat(),
            "finding": str(finding.public_id),
        },
    )
    return 1


def _resolve(*, today: datetime.date, approvals: dict[int, int]) -> int:
    resolved = 0
    now = timezone.now()
    open_findings = ProductFinding.objects.open().select_related("evidence")
    for finding in open_findings:
        replacement = _replacement(finding.evidence, today)
        current = approvals.get(finding.product_id) == finding.evaluation_id
        if replacement is None and current and finding.evidence.removed_at is None:
            continue
        finding.resolved_at = now
        finding.resolved_by = replacement
        finding.save(update_fields=["resolved_at", "resolved_by"])
        resolved += 1
    return resolved


def evidence_expiry_daily(*, today: datetime.date | None = None) -> dict[str, int]:
    """The daily job: reminders, then product findings."""
    today = today or timezone.localdate()
    sent = evidence_expiry_reminders_send(today=today)
    raised, resolved = product_findings_refresh(today=today)
    return {"reminders": sent, "raised": raised, "resolved": resolved}
