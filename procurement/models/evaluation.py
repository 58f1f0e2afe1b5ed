"""An evaluation of one vendor product against one published template version, and its workflow."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from collections.abc import Iterable
from accounts.models import Organization, TenantQuerySet, User


class EvaluationQuerySet(TenantQuerySet):
    def open(self) -> EvaluationQuerySet:
        return self.exclude(status__in=[Evaluation.Status.DECIDED, Evaluation.Status.ARCHIVED])

    def overdue(self, today=None) -> EvaluationQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)

    def with_closed_at(self) -> EvaluationQuerySet:
        """Annotates `closed_at`: when the evaluation was first decided or archived (None: never)."""
        closes = (
            EvaluationStatusChange.objects.filter(evaluation=OuterRef("pk"), to_status__in=CLOSED_STATUSES)
            .order_by("created_at", "id")
            .values("created_at")[:1]
        )
        return self.annotate(closed_at=Subquery(closes))

    def overdue_on(self, day: datetime.date) -> EvaluationQuerySet:
        """Overdue at the end of `day`, as the list would have shown it then (see overdue_on_q)."""
        return self.with_closed_at().filter(overdue_on_q(day))

    def submitted_in(self, month: datetime.date) -> EvaluationQuerySet:
        return self.filter(
            submitted_at__gte=month_start(month), submitted_at__lt=month_start(next_month(month))
        )

    def decided_in(self, month: datetime.date) -> EvaluationQuerySet:
        return self.filter(decided_at__gte=month_start(month), decided_at__lt=month_start(next_month(month)))

    def with_open_conditions(self) -> EvaluationQuerySet:
        """Approved with conditions, and at least one condition is not yet met."""
        # Through the relation the condition declares, so this module never imports review.py.
        conditions = self.model._meta.get_field("conditions").related_model
        open_conditions = conditions.objects.filter(evaluation=OuterRef("pk"), completed_at__isnull=True)
        return self.filter(
            status=Evaluation.Status.DECIDED, decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS
        ).filter(Exists(open_conditions))


CLOSED_STATUSES = ("decided", "archived")


def day_end(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def month_start(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(month.year, month.month, 1))


def next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def overdue_on_q(day: datetime.date) -> Q:
    """Existing and past its due date at the end of `day`, and not yet decided or archived then.

    Needs `with_closed_at()`. An evaluation closed without a recorded status change (data loaded
    directly) counts as closed all along, so the history never shows it overdue by mistake.
    """
    end = day_end(day)
    return Q(due_date__lt=day, created_at__lt=end) & (~Q(status__in=CLOSED_STATUSES) | Q(closed_at__gte=end))


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

    # The buyer's inherent-risk intake (see questionnaires.engine.intake): its answers, the tier
    # they set and why. An empty tier means the intake is not answered and everything is asked.
    intake_answers = models.JSONField(default=dict, blank=True)
    inherent_tier = models.CharField(max_length=10, choices=RiskTier.choices, blank=True)
    inherent_reasons = models.JSONField(default=list, blank=True)
    intake_answered_at = models.DateTimeField(null=True, blank=True)
    intake_answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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

    def get_question_url(self, question_id: int) -> str:
        """The lasting address of one of its questions; it opens the review workspace at the question."""
        return reverse("evaluation_question", args=[self.public_id, question_id])

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
