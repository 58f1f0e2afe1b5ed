"""Organizations, people and the evaluation workflow."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .roles import Role, role_has_perm

if TYPE_CHECKING:
    from collections.abc import Iterable


class User(AbstractUser):
    """A person who works for a buying organization. Vendors never have accounts."""

    def membership_for(self, organization: Organization | None) -> Membership | None:
        if organization is None:
            return None
        return self.memberships.filter(organization=organization).first()


class Organization(models.Model):
    """A hospital or health system: the tenant. Everything it owns points here directly."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One role per person per organization keeps the permission answer unambiguous.
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.get_role_display()}"

    def has_perm(self, perm: str) -> bool:
        return role_has_perm(self.role, perm)


class TenantQuerySet(models.QuerySet):
    """Base for every tenant-owned model: the only sanctioned way to list rows is through for_org."""

    def for_org(self, organization: Organization) -> TenantQuerySet:
        return self.filter(organization=organization)


class EvaluationQuerySet(TenantQuerySet):
    def open(self) -> EvaluationQuerySet:
        return self.exclude(status__in=[Evaluation.Status.DECIDED, Evaluation.Status.ARCHIVED])

    def overdue(self, today=None) -> EvaluationQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)


class Evaluation(models.Model):
    """One vendor product assessed against one exact published template version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent to vendor"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        DECIDED = "decided", "Decided"
        ARCHIVED = "archived", "Archived"

    class Purpose(models.TextChoices):
        NEW_PURCHASE = "new_purchase", "New purchase"
        RENEWAL = "renewal", "Renewal"
        REASSESSMENT = "reassessment", "Re-assessment after a model update"

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
        REJECTED = "rejected", "Rejected"

    class RiskTier(models.TextChoices):
        LOW = "low", "Low"
        MODERATE = "moderate", "Moderate"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    # The workflow in one table: status -> the statuses it may move to.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.SENT, Status.ARCHIVED}),
        Status.SENT: frozenset({Status.IN_PROGRESS, Status.SUBMITTED, Status.ARCHIVED}),
        Status.IN_PROGRESS: frozenset({Status.SUBMITTED, Status.ARCHIVED}),
        Status.SUBMITTED: frozenset({Status.UNDER_REVIEW, Status.CHANGES_REQUESTED, Status.DECIDED}),
        Status.UNDER_REVIEW: frozenset({Status.CHANGES_REQUESTED, Status.DECIDED}),
        Status.CHANGES_REQUESTED: frozenset({Status.IN_PROGRESS, Status.SUBMITTED}),
        Status.DECIDED: frozenset({Status.ARCHIVED}),
        Status.ARCHIVED: frozenset(),
    }
    # Statuses in which the vendor may still change answers.
    VENDOR_EDITABLE = frozenset({Status.SENT, Status.IN_PROGRESS, Status.CHANGES_REQUESTED})

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="evaluations")
    product = models.ForeignKey("vendors.Product", on_delete=models.PROTECT, related_name="evaluations")
    template = models.ForeignKey(
        "questionnaires.Template", on_delete=models.PROTECT, related_name="evaluations"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.NEW_PURCHASE)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reassessments",
        help_text="The earlier evaluation of the same product that this one re-assesses.",
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_evaluations")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # Latest scoring outcome, copied here so that lists can filter and sort without a join.
    overall_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    risk_tier = models.CharField(max_length=10, choices=RiskTier.choices, blank=True)

    sent_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.product} — {self.template.name} v{self.template.version}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation_detail", args=[self.public_id])

    @property
    def is_overdue(self) -> bool:
        open_ = self.status not in (self.Status.DECIDED, self.Status.ARCHIVED)
        return bool(open_ and self.due_date and self.due_date < timezone.localdate())

    @property
    def is_vendor_editable(self) -> bool:
        return self.status in self.VENDOR_EDITABLE

    def allowed_transitions(self) -> Iterable[str]:
        return self.TRANSITIONS[self.status]

    def check_transition(self, to_status: str) -> None:
        if to_status not in self.TRANSITIONS[self.status]:
            raise ValidationError(
                f"An evaluation that is {self.get_status_display().lower()} cannot move to "
                f"{self.Status(to_status).label.lower()}."
            )


class EvaluationStatusChange(models.Model):
    """History of the workflow: who moved the evaluation, from where to where, and when."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Evaluation.Status.choices)
    to_status = models.CharField(max_length=20, choices=Evaluation.Status.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="Who, as shown: a user or an invited contact.")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]


class ReviewerAssignment(models.Model):
    """A reviewer asked to review one section (or, with no section, the whole questionnaire)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="review_assignments")
    section = models.ForeignKey(
        "questionnaires.Section", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "reviewer", "section"], name="one_assignment_per_reviewer_section"
            ),
        ]


class ReviewComment(models.Model):
    """A reviewer's comment on one question; vendor-visible comments appear in the portal."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="comments")
    question = models.ForeignKey("questionnaires.Question", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    is_visible_to_vendor = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]


class ClarificationRequest(models.Model):
    """A question reopened for the vendor during a 'changes requested' round."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="clarifications")
    question = models.ForeignKey("questionnaires.Question", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    # The answer as it stood when clarification was asked, so the reviewer can see what changed.
    answer_snapshot = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class DecisionCondition(models.Model):
    """A condition attached to an 'approved with conditions' decision: a checklist item."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="conditions")
    description = models.TextField()
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


class AuditEventQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise ValidationError("The audit log is append-only.")

    def delete(self):
        raise ValidationError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Append-only record of everything that happened to an evaluation. Never edited, never deleted."""

    class Kind(models.TextChoices):
        ANSWER_CHANGED = "answer_changed", "Answer changed"
        STATUS_CHANGED = "status_changed", "Status changed"
        INVITE_SENT = "invite_sent", "Invite sent"
        INVITE_USED = "invite_used", "Invite link used"
        INVITE_REVOKED = "invite_revoked", "Invite revoked"
        INVITE_DELEGATED = "invite_delegated", "Work handed to a colleague"
        FILE_UPLOADED = "file_uploaded", "Evidence uploaded"
        FILE_DOWNLOADED = "file_downloaded", "Evidence downloaded"
        COMMENT_ADDED = "comment_added", "Comment added"
        CLARIFICATION_REQUESTED = "clarification_requested", "Clarification requested"
        SECTION_SIGNED_OFF = "section_signed_off", "Section signed off"
        SCORE_OVERRIDDEN = "score_overridden", "Score overridden"
        SCORED = "scored", "Scored"
        DECISION_RECORDED = "decision_recorded", "Decision recorded"
        REPORT_DOWNLOADED = "report_downloaded", "Report downloaded"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(
        Evaluation, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_contact = models.ForeignKey(
        "vendors.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    summary = models.CharField(max_length=400)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"

    def save(self, *args, **kwargs) -> None:
        # The row is written once; a second save would rewrite history.
        if self.pk is not None:
            raise ValidationError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit log is append-only.")


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


class ReminderLog(models.Model):
    """One reminder e-mail sent, so the daily job never sends the same reminder twice."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reminders")
    # "due_7", "due_1", "overdue": the reminder, relative to the due date it was computed for.
    kind = models.CharField(max_length=20)
    due_date = models.DateField()
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            # Moving the due date makes new reminders due; resending for the same date never does.
            models.UniqueConstraint(
                fields=["evaluation", "kind", "due_date", "recipient"], name="one_reminder_per_recipient"
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


class ApiToken(models.Model):
    """A personal API token of one member, acting in one organization. Only the SHA-256 is stored.

    The role is not copied here: every request reads the member's current role, so a demotion or
    removal from the organization takes effect on the token at once.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'ServiceNow sync'.")
    # Unique, so that a request finds its token by one indexed lookup on the hash.
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, shown so people can tell their tokens apart.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
