"""Requesting, rendering, storing and handing out reports.

A report is keyed by a hash of everything it shows (its context) and of the files that lay it out
(templates and print stylesheet). Asking again for an unchanged evaluation returns the stored file
without rendering; any change to an answer, score, comment or template gives a new hash and a new
rendering.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timedelta
from functools import cache
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation
from procurement.queue import enqueue_on_commit
from procurement.services.audit import audit_record
from procurement.stored_files import StoredFileMissing, open_verified
from reports import comparison
from reports import context as contexts
from reports.models import Report
from reports.pdf import render_pdf, render_report_html, template_files

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.http import HttpRequest

    from accounts.models import User
    from vendors.models import Contact

logger = logging.getLogger(__name__)

# Slack on top of the task's time limit before a queued or rendering row counts as abandoned.
STUCK_MARGIN_SECONDS = 60


@cache
def template_versions() -> dict[str, str]:
    """SHA-256 of each file that shapes a report; a new layout makes every stored report stale."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in template_files()}


def content_hash(kind: str, context: dict[str, Any]) -> str:
    payload = {"kind": kind, "context": context, "templates": template_versions()}
    canonical = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _ordered_evaluations(report: Report) -> list[Evaluation]:
    """The compared evaluations in the order they were chosen (the link rows keep that order)."""
    through = Report.evaluations.through
    ids = list(
        through.objects.filter(report_id=report.id).order_by("id").values_list("evaluation_id", flat=True)
    )
    by_id = Evaluation.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def report_context(report: Report) -> dict[str, Any]:
    if report.kind == Report.Kind.DUE_DILIGENCE:
        return contexts.due_diligence_context(report.evaluation)
    if report.kind == Report.Kind.VENDOR_ANSWERS:
        return contexts.vendor_answers_context(report.evaluation)
    return comparison.comparison_context(_ordered_evaluations(report))


def _stuck_before(status: str) -> datetime:
    """Rows in this status older than this were abandoned: no worker will finish them.

    A render is killed at the task's hard time limit; a message lost with its worker comes back
    after the broker's visibility timeout, and then gets the same time limit.
    """
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + STUCK_MARGIN_SECONDS)
    if status == Report.Status.QUEUED:
        limit += timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600))
    return timezone.now() - limit


def report_fail_if_stuck(*, report: Report) -> Report:
    """Marks a report failed if it has been queued or rendering for longer than any worker would take."""
    if report.status not in (Report.Status.QUEUED, Report.Status.RENDERING):
        return report
    since = report.started_at or report.created_at
    if since >= _stuck_before(report.status):
        return report
    updated = Report.objects.filter(pk=report.pk, status=report.status).update(
        status=Report.Status.FAILED,
        error=f"Still {report.status} after the time limit; the rendering was abandoned.",
        finished_at=timezone.now(),
    )
    if updated:
        logger.warning("Report %s was left %s; marked failed", report.public_id, report.status)
    report.refresh_from_db()
    return report


def is_stored(report: Report) -> bool:
    """A finished report whose file is in the store with a fingerprint to check it against."""
    return bool(report.file and report.sha256 and report.file.storage.exists(report.file.name))


def _reusable(*, organization, kind: str, digest: str) -> Report | None:
    """A finished report with this content, or one already on its way (no second rendering)."""
    candidates = Report.objects.for_org(organization).filter(
        kind=kind,
        content_hash=digest,
        status__in=[Report.Status.DONE, Report.Status.QUEUED, Report.Status.RENDERING],
    )
    for report in candidates:
        if report_fail_if_stuck(report=report).status == Report.Status.FAILED:
            continue
        if report.status != Report.Status.DONE or is_stored(report):
            return report
    return None


def _enqueue(report: Report) -> None:
    enqueue_on_commit("reports.render_report", report.id)


@transaction.atomic
def report_request(
    *, evaluation: Evaluation, kind: str = Report.Kind.DUE_DILIGENCE, user: User | None
) -> Report:
    """The report for the evaluation as it stands now: stored if unchanged, else queued for rendering."""
    if kind not in (Report.Kind.DUE_DILIGENCE, Report.Kind.VENDOR_ANSWERS):
        raise ValidationError({"kind": "Unknown report kind."})
    builder = (
        contexts.due_diligence_context
        if kind == Report.Kind.DUE_DILIGENCE
        else contexts.vendor_answers_context
    )
    digest = content_hash(kind, builder(evaluation))
    existing = _reusable(organization=evaluation.organization, kind=kind, digest=digest)
    if existing is not None and existing.evaluation_id == evaluation.id:
        return existing
    report = Report.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=kind,
        content_hash=digest,
        requested_by=user,
    )
    _enqueue(report)
    return report


@transaction.atomic
def comparison_request(*, evaluations: Sequence[Evaluation], user: User | None) -> Report:
    """A comparison PDF of 2 to 5 evaluations of one organization, in the order given."""
    evaluations = list(evaluations)
    digest = content_hash(Report.Kind.COMPARISON, comparison.comparison_context(evaluations))
    organization = evaluations[0].organization
    existing = _reusable(organization=organization, kind=Report.Kind.COMPARISON, digest=digest)
    if existing is not None:
        return existing
    report = Report.objects.create(
        organization=organization, kind=Report.Kind.COMPARISON, content_hash=digest, requested_by=user
    )
    # One at a time: the link rows' ids then record the order in which the columns appear.
    for evaluation in evaluations:
        report.evaluations.add(evaluation)
    _enqueue(report)
    return report


def _file_name(report: Report) -> str:
    return f"{report.kind}-{report.public_id}.pdf"


def report_render(*, report_id: int) -> Report:
    """Renders and stores one report; idempotent, and records the failure instead of raising it."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        # A failed row stays failed (a retry is a new row), so a late redelivery cannot revive it.
        if report.status in (Report.Status.DONE, Report.Status.FAILED):
            return report
        report.status = Report.Status.RENDERING
        report.started_at = timezone.now()
        report.save(update_fields=["status", "started_at"])
    if settings.REPORT_FAULT_DELAY_SECONDS:
        time.sleep(settings.REPORT_FAULT_DELAY_SECONDS)
    try:
        context = report_context(report)
        html = render_report_html(
            report.kind, context, generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
        )
        pdf = render_pdf(html)
    except Exception as exc:
        logger.exception("Report %s failed to render", report.public_id)
        report.status = Report.Status.FAILED
        report.error = f"{type(exc).__name__}: {exc}"[:2000]
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        return report
    # The file shows the evaluation as it was when rendered, which may be newer than when it was asked for.
    report.content_hash = content_hash(report.kind, context)
    report.file.save(_file_name(report), ContentFile(pdf), save=False)
    report.size = len(pdf)
    report.sha256 = hashlib.sha256(pdf).hexdigest()
    report.status = Report.Status.DONE
    report.error = ""
    report.finished_at = timezone.now()
    report.save(update_fields=["content_hash", "file", "size", "sha256", "status", "error", "finished_at"])
    return report


def report_file(report: Report) -> IO[bytes]:
    """The stored PDF, checked against the SHA-256 recorded at rendering; StoredFileError if not."""
    if report.status != Report.Status.DONE or not report.file:
        raise StoredFileMissing()
    return open_verified(report.file.name, sha256=report.sha256)


def report_download(
    *,
    report: Report,
    user: User | None = None,
    contact: Contact | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Records that someone took a copy of the report; call it for every download served."""
    if report.status != Report.Status.DONE or not report.file:
        raise ValidationError("The report is not ready yet.")
    evaluation = report.evaluation
    if evaluation is not None:
        label = f"{report.get_kind_display()} downloaded"
    else:
        label = "Comparison downloaded: " + ", ".join(str(e.product) for e in _ordered_evaluations(report))
    audit_record(
        organization=report.organization,
        kind=AuditEvent.Kind.REPORT_DOWNLOADED,
        summary=label,
        evaluation=evaluation,
        user=user,
        contact=contact,
        request=request,
        data={"report": str(report.public_id), "kind": report.kind, "content_hash": report.content_hash},
    )


def vendor_answers_current(*, evaluation: Evaluation) -> Report | None:
    """The vendor's PDF of its answers as they stand now, in whatever state; None if never asked.

    The stored file is reused until the answers change (the content hash); a row abandoned by a
    killed worker is shown as failed rather than as rendering forever.
    """
    digest = content_hash(Report.Kind.VENDOR_ANSWERS, contexts.vendor_answers_context(evaluation))
    report = (
        Report.objects.for_org(evaluation.organization)
        .filter(evaluation=evaluation, kind=Report.Kind.VENDOR_ANSWERS, content_hash=digest)
        .first()
    )
    if report is None:
        return None
    report = report_fail_if_stuck(report=report)
    if report.status == Report.Status.DONE and not is_stored(report):
        return None
    return report


def vendor_answers_request(*, evaluation: Evaluation) -> Report:
    """The vendor's PDF: the stored one if the answers are unchanged, else queued for the worker."""
    return report_request(evaluation=evaluation, kind=Report.Kind.VENDOR_ANSWERS, user=None)


def latest_report(evaluation: Evaluation, kind: str = Report.Kind.DUE_DILIGENCE) -> Report | None:
    return Report.objects.for_org(evaluation.organization).filter(evaluation=evaluation, kind=kind).first()
