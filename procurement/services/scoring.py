"""Scoring an evaluation: requesting a run, running it, overrides, and template-wide rescoring.

A run is a row first (QUEUED) and a Celery message second, sent after the transaction commits.
If the broker is down the row stays QUEUED with no `enqueued_at`, and the periodic sweep sends it
later, so a submission never fails or loses its scoring because Redis was unavailable.
"""

from __future__ import annotations

import datetime
import logging
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from procurement.models import (
    AuditEvent,
    Evaluation,
    Finding,
    RescoreBatch,
    ScoreRun,
)
from procurement.queue import enqueue
from procurement.services.audit import audit_record
from procurement.services.scoring_inputs import inputs_hash, load_scoring_inputs
from procurement.services.webhooks import evaluation_event_data, webhook_endpoints_for, webhook_event_emit
from questionnaires.engine.scoring import RULES_VERSION, ScoreResult, SectionSpec, score_answers
from questionnaires.models import Template

if TYPE_CHECKING:
    from accounts.models import Organization

logger = logging.getLogger(__name__)

# Transient errors: the task retries these with backoff instead of marking the run failed.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
RESCORE_CHUNK_SIZE = 50
# A queued run that reached the broker is only sent again after this long (a backlog, not an outage).
REQUEUE_ENQUEUED_AFTER = datetime.timedelta(minutes=10)


def _send(run_ids: list[int]) -> None:
    """Publish the tasks; on a broker outage leave the runs to the sweep instead of failing."""
    sent = []
    for run_id in run_ids:
        try:
            enqueue("procurement.tasks.score_evaluation", run_id)
        except Exception:
            logger.warning("Could not enqueue score run %s; the sweep will retry.", run_id, exc_info=True)
            continue
        sent.append(run_id)
    if sent:
        ScoreRun.objects.filter(pk__in=sent, enqueued_at__isnull=True).update(enqueued_at=timezone.now())


def _send_chunks(batch_id: int, run_ids: list[int]) -> None:
    for start in range(0, len(run_ids), RESCORE_CHUNK_SIZE):
        chunk = run_ids[start : start + RESCORE_CHUNK_SIZE]
        try:
            enqueue("procurement.tasks.rescore_chunk", batch_id, chunk)
        except Exception:
            logger.warning("Could not enqueue a rescore chunk of batch %s.", batch_id, exc_info=True)
            continue
        ScoreRun.objects.filter(pk__in=chunk, enqueued_at__isnull=True).update(enqueued_at=timezone.now())


@transaction.atomic
def scoring_request(*, evaluation: Evaluation, user: User | None = None) -> ScoreRun:
    """Queue a scoring of the evaluation's current answers; the task runs after commit."""
    run = ScoreRun.objects.create(
        organization_id=evaluation.organization_id,
        evaluation=evaluation,
        requested_by=user,
        rules_version=RULES_VERSION,
    )
    transaction.on_commit(lambda: _send([run.pk]))
    return run


@transaction.atomic
def scoring_retry(*, score_run: ScoreRun, user: User | None = None) -> ScoreRun:
    """Send a failed run through again (the same row, so attempts and history stay together)."""
    updated = ScoreRun.objects.filter(pk=score_run.pk, status=ScoreRun.Status.FAILED).update(
        status=ScoreRun.Status.QUEUED, error="", enqueued_at=None, finished_at=None
    )
    if not updated:
        raise ValidationError("Only a failed scoring run can be retried.")
    transaction.on_commit(lambda: _send([score_run.pk]))
    score_run.refresh_from_db()
    return score_run


# ----------------------------------------------------------------------------------------------
# Running one scoring


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def _compute(inputs: dict[str, Any], today: datetime.date) -> ScoreResult:
    if settings.SCORING_FAULT_DELAY_SECONDS:
        time.sleep(settings.SCORING_FAULT_DELAY_SECONDS)
    return score_answers(today=today, **inputs)


def _citations(citations) -> list[dict[str, str]]:
    return [{"citation": c.text, "standing": c.standing} for c in citations]


def _findings(run: ScoreRun, result: ScoreResult) -> list[Finding]:
    rows = [
        Finding(
            organization_id=run.organization_id,
            score_run=run,
            kind=Finding.Kind.CRITICAL,
            code=f"knockout:{k.question_key}",
            title=k.reason[:300],
            citation=k.citation[:300],
            citations=_citations(k.citations),
            question_keys=[k.question_key],
            caps_tier_at=k.cap_tier,
        )
        for k in result.knockouts
    ]
    rows += [
        Finding(
            organization_id=run.organization_id,
            score_run=run,
            # A contradiction that caps the tier is as serious as a knock-out.
            kind=Finding.Kind.CRITICAL if f.cap_tier else Finding.Kind.CONSISTENCY,
            code=f.code,
            title=f.title[:300],
            detail=f.detail,
            citation=f.citation[:300],
            citations=_citations(f.citations),
            ask=f.ask,
            facts=[{"fact": fact, "question_key": key} for fact, key in f.facts],
            question_keys=list(f.question_keys),
            caps_tier_at=f.cap_tier,
        )
        for f in result.findings
    ]
    return rows


def _emit_raised_findings(*, run: ScoreRun, findings: list[Finding]) -> None:
    """finding.raised for each finding the evaluation's previous finished run did not have."""
    if not findings:
        return
    endpoints = webhook_endpoints_for(organization=run.organization, kind="finding.raised")
    if not endpoints:
        return
    before = (
        ScoreRun.objects.filter(evaluation_id=run.evaluation_id, status=ScoreRun.Status.DONE)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-id")
        .first()
    )
    known = (
        set(Finding.objects.filter(score_run_id=before.result_run_id).values_list("code", flat=True))
        if before is not None
        else set()
    )
    evaluation = Evaluation.objects.select_related("product__vendor", "organization").get(
        pk=run.evaluation_id
    )
    for finding in findings:
        if finding.code in known:
            continue
        webhook_event_emit(
            organization=evaluation.organization,
            kind="finding.raised",
            endpoints=endpoints,
            data={
                "evaluation": evaluation_event_data(evaluation),
                "score_run": str(run.public_id),
                "finding": {
                    "code": finding.code,
                    "kind": finding.kind,
                    "title": finding.title,
                    "citation": finding.citation,
                    "question_keys": finding.question_keys,
                    "caps_tier_at": finding.caps_tier_at,
                },
            },
        )


def _mark_failed(run_id: int, error: str) -> None:
    ScoreRun.objects.filter(pk=run_id).update(
        status=ScoreRun.Status.FAILED, error=error[:4000], finished_at=timezone.now()
    )


def scoring_run(
    *,
    score_run_id: int,
    today: datetime.date | None = None,
    template_cache: dict[tuple[int, str], list[SectionSpec]] | None = None,
) -> ScoreRun | None:
    """Run one queued scoring. Safe to call twice for the same run: a finished run is left alone.

    Transient database errors propagate (the task retries them); anything else marks the run
    failed with its error, which the UI shows next to a Retry button.
    """
    now = timezone.now()
    # Claim the run in one statement: a redelivered message for a finished run does nothing.
    claimed = (
        ScoreRun.objects.filter(pk=score_run_id)
        .exclude(status=ScoreRun.Status.DONE)
        .update(status=ScoreRun.Status.RUNNING, started_at=now, attempts=F("attempts") + 1, error="")
    )
    if not claimed:
        return None
    run = ScoreRun.objects.select_related("evaluation__template", "organization").get(pk=score_run_id)
    evaluation = run.evaluation
    today = today or timezone.localdate()
    try:
        inputs = load_scoring_inputs(evaluation, template_cache=template_cache)
        digest = inputs_hash(evaluation=evaluation, inputs=inputs, today=today)
        previous = (
            ScoreRun.objects.filter(
                evaluation_id=evaluation.pk,
                status=ScoreRun.Status.DONE,
                inputs_hash=digest,
                rules_version=RULES_VERSION,
            )
            .exclude(pk=run.pk)
            .order_by("-finished_at", "-id")
            .first()
        )
        result = None if previous else _compute(inputs, today)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        logger.exception("Score run %s failed", score_run_id)
        _mark_failed(score_run_id, f"{type(exc).__name__}: {exc}")
        run.refresh_from_db()
        return run
    return _store(run=run, digest=digest, result=result, previous=previous)


@transaction.atomic
def _store(*, run: ScoreRun, digest: str, result: ScoreResult | None, previous: ScoreRun | None) -> ScoreRun:
    """Write the outcome once: findings, the run, the evaluation's copy, and the audit event."""
    if previous is not None:
        outcome = {
            "overall_score": previous.overall_score,
            "risk_tier": previous.risk_tier,
            "section_scores": previous.section_scores,
            "question_scores": previous.question_scores,
            "computed_scores": previous.computed_scores,
            "not_assessable": previous.not_assessable,
            "reused_from_id": previous.result_run_id,
        }
    else:
        assert result is not None
        outcome = {
            "overall_score": _decimal(result.overall),
            "risk_tier": result.tier,
            "section_scores": {
                s.key: {"title": s.title, "score": s.score, "weight": s.weight} for s in result.sections
            },
            "question_scores": {k: v for k, v in result.question_scores.items() if k in result.visible},
            "computed_scores": {k: v for k, v in result.computed_scores.items() if k in result.visible},
            "not_assessable": [
                {"code": n.code, "title": n.title, "missing": list(n.missing)} for n in result.not_assessable
            ],
            "reused_from_id": None,
        }
    # Only a run still RUNNING may finish: a duplicate delivery that lost the race writes nothing.
    finished = ScoreRun.objects.filter(pk=run.pk, status=ScoreRun.Status.RUNNING).update(
        status=ScoreRun.Status.DONE,
        rules_version=RULES_VERSION,
        inputs_hash=digest,
        finished_at=timezone.now(),
        error="",
        **outcome,
    )
    if not finished:
        return run
    if result is not None:
        new_findings = Finding.objects.bulk_create(_findings(run, result))
        _emit_raised_findings(run=run, findings=new_findings)
    Evaluation.objects.filter(pk=run.evaluation_id).update(
        overall_score=outcome["overall_score"], risk_tier=outcome["risk_tier"]
    )
    audit_record(
        organization=run.organization,
        evaluation=run.evaluation,
        kind=AuditEvent.Kind.SCORED,
        summary=f"Scored {outcome['overall_score'] if outcome['overall_score'] is not None else '-'}"
        f" ({outcome['risk_tier'] or 'no tier'})",
        data={
            "score_run": str(run.public_id),
            "rules_version": RULES_VERSION,
            "inputs_hash": digest,
            "reused": previous is not None,
        },
    )
    for field, value in outcome.items():
        setattr(run, field, value)
    run.status = ScoreRun.Status.DONE
    return run


# ----------------------------------------------------------------------------------------------
# Overrides


# ----------------------------------------------------------------------------------------------
# Template-wide rescoring and the outbox sweep


@transaction.atomic
def template_rescore_all(
    *, template: Template, organization: Organization, user: User | None = None
) -> RescoreBatch:
    """Queue a rescoring of every evaluation of `template` in `organization`, in chunks."""
    evaluation_ids = list(
        Evaluation.objects.for_org(organization).filter(template=template).values_list("pk", flat=True)
    )
    batch = RescoreBatch.objects.create(
        organization=organization, template=template, total=len(evaluation_ids), requested_by=user
    )
    runs = ScoreRun.objects.bulk_create(
        [
            ScoreRun(
                organization=organization,
                evaluation_id=pk,
                requested_by=user,
                batch=batch,
                rules_version=RULES_VERSION,
            )
            for pk in evaluation_ids
        ]
    )
    run_ids = [r.pk for r in runs]
    if not all(run_ids):  # back-ends that do not return ids from bulk inserts
        run_ids = list(ScoreRun.objects.filter(batch=batch).order_by("pk").values_list("pk", flat=True))
    transaction.on_commit(lambda: _send_chunks(batch.pk, run_ids))
    return batch


def scoring_rescore_chunk(*, batch_id: int, run_ids: list[int]) -> int:
    """Score a chunk of a batch; each run stands alone, so one failure does not stop the rest."""
    done = 0
    template_cache: dict[tuple[int, str], list[SectionSpec]] = {}
    for run_id in run_ids:
        if scoring_run(score_run_id=run_id, template_cache=template_cache) is not None:
            done += 1
    return done


def scoring_sweep(*, now: datetime.datetime | None = None) -> int:
    """Send again the runs that never reached the broker, a stale backlog, and runs whose worker died.

    Idempotent: the runs it picks are marked queued and sent (now) in the transaction that selects
    them, and published after it commits, so the next sweep (or one running beside it) leaves them
    alone instead of sending each run again every interval. A run it could not publish goes back to
    "never sent", for the next sweep.
    """
    now = now or timezone.now()
    # By then a live worker has finished the run or been stopped by the hard limit: its worker is gone.
    stuck_before = now - datetime.timedelta(seconds=settings.SCORING_TIME_LIMIT + 30)
    never_sent = Q(
        status=ScoreRun.Status.QUEUED,
        enqueued_at__isnull=True,
        created_at__lt=now - datetime.timedelta(seconds=60),
    )
    backlog = Q(status=ScoreRun.Status.QUEUED, enqueued_at__lt=now - REQUEUE_ENQUEUED_AFTER)
    stuck = Q(status=ScoreRun.Status.RUNNING, started_at__lt=stuck_before)
    with transaction.atomic():
        run_ids = list(
            ScoreRun.objects.select_for_update(skip_locked=True)
            .filter(never_sent | backlog | stuck)
            .order_by("pk")
            .values_list("pk", flat=True)[:1000]
        )
        ScoreRun.objects.filter(pk__in=run_ids).update(
            status=ScoreRun.Status.QUEUED, enqueued_at=timezone.now()
        )
    if not run_ids:
        return 0
    logger.info("Re-enqueueing %d score runs", len(run_ids))
    unsent = []
    for run_id in run_ids:
        try:
            enqueue("procurement.tasks.score_evaluation", run_id)
        except Exception:
            logger.warning(
                "Could not enqueue score run %s; the next sweep will retry.", run_id, exc_info=True
            )
            unsent.append(run_id)
    if unsent:
        ScoreRun.objects.filter(pk__in=unsent, status=ScoreRun.Status.QUEUED).update(enqueued_at=None)
    return len(run_ids)


def latest_runs(evaluation: Evaluation) -> tuple[ScoreRun | None, ScoreRun | None]:
    """(the most recent run, the most recent finished run) for the score panel."""
    runs = list(evaluation.score_runs.order_by("-created_at", "-id")[:1])
    latest = runs[0] if runs else None
    if latest is not None and latest.status == ScoreRun.Status.DONE:
        return latest, latest
    done = evaluation.score_runs.filter(status=ScoreRun.Status.DONE).order_by("-finished_at", "-id").first()
    return latest, done
