"""Scoring runs, their findings, reviewer overrides and template-wide rescoring batches."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet, User
from procurement.models.evaluation import Evaluation


class ScoreRun(models.Model):
    """One scoring of one evaluation's answers, by one version of the rules."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="score_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rules_version = models.CharField(max_length=40, blank=True)
    inputs_hash = models.CharField(max_length=64, blank=True)
    overall_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    risk_tier = models.CharField(max_length=10, choices=Evaluation.RiskTier.choices, blank=True)
    # {section_id: {"title": ..., "score": ..., "weight": ...}} as computed at the time.
    section_scores = models.JSONField(default=dict, blank=True)
    # {question_key: score or null} as computed at the time.
    question_scores = models.JSONField(default=dict, blank=True)
    # {question_key: score before any reviewer override}, to show computed beside overridden.
    computed_scores = models.JSONField(default=dict, blank=True)
    # Checks the template cannot run because none of its questions asks a fact they read:
    # [{"code", "title", "missing": [fact, ...]}]. Shown to reviewers, never counted as findings.
    not_assessable = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when the run belongs to a template-wide rescore, so that its progress can be counted.
    batch = models.ForeignKey(
        "RescoreBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    # Outbox marker: null while the task has not reached the broker (e.g. Redis was down), so the
    # periodic sweep knows which queued runs to send again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Same inputs as an earlier run: its result (and findings) stand for this run too.
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def result_run_id(self) -> int:
        """The run whose findings describe this result (itself, unless reused)."""
        return self.reused_from_id or self.pk


class Finding(models.Model):
    """A knock-out or a consistency problem found by scoring, naming the questions involved."""

    class Kind(models.TextChoices):
        CRITICAL = "critical", "Critical finding"
        CONSISTENCY = "consistency", "Consistency check"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    score_run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.CharField(max_length=80)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    citation = models.CharField(max_length=300, blank=True)
    question_keys = models.JSONField(default=list)
    caps_tier_at = models.CharField(max_length=10, choices=Evaluation.RiskTier.choices, blank=True)
    # What to ask the vendor about it.
    ask = models.TextField(blank=True)
    # Each citation with its standing, so a voluntary framework never reads as a legal duty:
    # [{"citation", "standing"}] (standing: law | proposed | guidance | voluntary | "" not stated).
    citations = models.JSONField(default=list, blank=True)
    # The facts the check read and the question that recorded each: [{"fact", "question_key"}].
    facts = models.JSONField(default=list, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "id"]


class ScoreOverride(models.Model):
    """A reviewer's replacement for a computed question score, with the justification for it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="overrides")
    question = models.ForeignKey("questionnaires.Question", on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    justification = models.TextField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "question"], name="one_override_per_question"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100), name="override_score_0_100"
            ),
        ]


class RescoreBatch(models.Model):
    """One "rescore every evaluation of this template" request; its runs report the progress."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey("questionnaires.Template", on_delete=models.CASCADE, related_name="+")
    total = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def progress(self) -> dict[str, int]:
        counts = dict(
            ScoreRun.objects.filter(batch=self).values_list("status").annotate(n=models.Count("id"))
        )
        finished = counts.get(ScoreRun.Status.DONE, 0) + counts.get(ScoreRun.Status.FAILED, 0)
        return {
            "total": self.total,
            "done": counts.get(ScoreRun.Status.DONE, 0),
            "failed": counts.get(ScoreRun.Status.FAILED, 0),
            "finished": finished,
            "percent": round(100 * finished / self.total) if self.total else 100,
        }
