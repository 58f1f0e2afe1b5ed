"""Review of an evaluation: section assignments, comments, clarification rounds and decision conditions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Organization, TenantQuerySet, User
from procurement.models.evaluation import Evaluation


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
