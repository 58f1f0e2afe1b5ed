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
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation
from procurement.queue import enqueue_on_commit
from procurement.services.audit import audit_record
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


def _reusable(*, organization, kind: str, digest: str) -> Report | None:
    """A finished report with this content, or one already on its way (no second rendering)."""
    candidates = Report.objects.for_org(organization).filter(
        kind=kind,
        content_hash=digest,
        status__in=[Report.Status.DONE, Report.Status.QUEUED, Report.Status.RENDERING],
    )
    for report in candidates:
        if report.status != Report.Status.DONE or (
            report.file and report.file.storage.exists(report.file.name)
        ):
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
        if report.status == Report.Status.DONE:
            return report
        report.status = Report.Status.RENDERING
        report.save(update_fields=["status"])
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
    report.status = Report.Status.DONE
    report.error = ""
    report.finished_at = timezone.now()
    report.save(update_fields=["content_hash", "file", "size", "status", "error", "finished_at"])
    return report


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


def vendor_answers_report(*, evaluation: Evaluation) -> Report:
    """The vendor's copy of its submitted answers, rendered on the spot (it is short) and reused."""
    context = contexts.vendor_answers_context(evaluation)
    digest = content_hash(Report.Kind.VENDOR_ANSWERS, context)
    existing = (
        Report.objects.for_org(evaluation.organization)
        .filter(
            evaluation=evaluation,
            kind=Report.Kind.VENDOR_ANSWERS,
            content_hash=digest,
            status=Report.Status.DONE,
        )
        .first()
    )
    if existing is not None and existing.file and existing.file.storage.exists(existing.file.name):
        return existing
    report = Report.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=Report.Kind.VENDOR_ANSWERS,
        content_hash=digest,
    )
    report = report_render(report_id=report.id)
    if report.status != Report.Status.DONE:
        raise ValidationError("The PDF could not be produced; please try again later.")
    return report


def latest_report(evaluation: Evaluation, kind: str = Report.Kind.DUE_DILIGENCE) -> Report | None:
    return Report.objects.for_org(evaluation.organization).filter(evaluation=evaluation, kind=kind).first()
