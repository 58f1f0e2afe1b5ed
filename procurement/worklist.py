"""My tasks: the read model of one member's open work in one organization.

Five kinds, each one query whatever their number: parts assigned to me to review or sign off,
clarifications the vendor has answered that I asked for, decisions on evaluations I own, and the
conditions of approval I own, and the remediation items I own or must now accept or reject.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, Q
from django.utils import timezone

from accounts.roles import Perm, role_has_perm
from procurement.models import (
    ClarificationRequest,
    DecisionCondition,
    Evaluation,
    RemediationItem,
    ReviewerAssignment,
)

if TYPE_CHECKING:
    from accounts.models import Organization, User

S = Evaluation.Status
IN_REVIEW = (S.SUBMITTED, S.UNDER_REVIEW)
CLOSED = (S.DECIDED, S.ARCHIVED)


@dataclass(frozen=True)
class Task:
    kind: str
    title: str
    detail: str
    evaluation: Evaluation
    due_date: datetime.date | None
    url: str
    today: datetime.date

    @property
    def is_overdue(self) -> bool:
        return self.due_date is not None and self.due_date < self.today


SECTIONS = (
    ("review", "To review or sign off"),
    ("clarification", "Clarifications answered by the vendor"),
    ("decision", "Decisions I own"),
    ("condition", "Conditions of approval I own"),
    ("remediation", "Remediation items"),
)


@dataclass(frozen=True)
class Worklist:
    tasks: list[Task]

    @property
    def overdue_count(self) -> int:
        return sum(task.is_overdue for task in self.tasks)

    def sections(self) -> list[tuple[str, str, list[Task]]]:
        return [(kind, label, [t for t in self.tasks if t.kind == kind]) for kind, label in SECTIONS]


# What a task shows of its evaluation. A member may have hundreds of tasks: loading only these
# columns halves the time spent building the rows.
EVALUATION_FIELDS = (
    "public_id",
    "status",
    "due_date",
    "product__name",
    "product__version",
    "product__vendor__legal_name",
)


def _shown(*own: str, via: str = "evaluation__") -> tuple[str, ...]:
    return (*own, *(f"{via}{name}" for name in EVALUATION_FIELDS))


def _order(task: Task) -> tuple:
    # Overdue first, then the nearest due date, then what has no date.
    return (not task.is_overdue, task.due_date is None, task.due_date or datetime.date.max)


def my_tasks(
    *, user: User, organization: Organization, role: str, today: datetime.date | None = None
) -> Worklist:
    """One member's open tasks in one organization, overdue first; `role` is their role there."""
    today = today or timezone.localdate()
    tasks: list[Task] = []

    if role_has_perm(role, Perm.REVIEW):
        assignments = (
            ReviewerAssignment.objects.for_org(organization)
            .filter(reviewer=user, signed_off_at__isnull=True)
            .exclude(evaluation__status__in=CLOSED)
            .select_related("evaluation__product__vendor", "section")
            .only(*_shown("section__title"))
        )
        for a in assignments:
            part = a.section.title if a.section_id else "The whole questionnaire"
            ready = a.evaluation.status in IN_REVIEW
            tasks.append(
                Task(
                    kind="review",
                    title=f"{'Sign off' if ready else 'Review'}: {part}",
                    detail="Submitted, ready for sign-off"
                    if ready
                    else f"Waiting for the vendor ({a.evaluation.get_status_display().lower()})",
                    evaluation=a.evaluation,
                    due_date=a.evaluation.due_date,
                    url=f"{a.evaluation.get_absolute_url()}#reviewers-heading",
                    today=today,
                )
            )
        # Answered in the latest submission, while the evaluation is back in review.
        clarifications = (
            ClarificationRequest.objects.for_org(organization)
            .filter(
                requested_by=user,
                resolved_at__isnull=False,
                resolved_at__gte=F("evaluation__submitted_at"),
                evaluation__status__in=IN_REVIEW,
            )
            .select_related("evaluation__product__vendor", "question")
            .only(*_shown("message", "question__prompt"))
        )
        for c in clarifications:
            tasks.append(
                Task(
                    kind="clarification",
                    title=f"Answered: {c.question.prompt}",
                    detail=f"You asked: {c.message}",
                    evaluation=c.evaluation,
                    due_date=c.evaluation.due_date,
                    url=c.evaluation.get_question_url(c.question_id),
                    today=today,
                )
            )

    if role_has_perm(role, Perm.DECIDE):
        decisions = (
            Evaluation.objects.for_org(organization)
            .filter(owner=user, status__in=IN_REVIEW)
            .select_related("product__vendor")
            .only(*_shown(via=""))
        )
        for e in decisions:
            tasks.append(
                Task(
                    kind="decision",
                    title="Record the decision",
                    detail=e.get_status_display(),
                    evaluation=e,
                    due_date=e.due_date,
                    url=f"{e.get_absolute_url()}#decision-heading",
                    today=today,
                )
            )

    conditions = (
        DecisionCondition.objects.for_org(organization)
        .filter(owner=user, completed_at__isnull=True, remediation_items__isnull=True)
        .select_related("evaluation__product__vendor")
        .only(*_shown("description", "due_date"))
    )
    for c in conditions:
        tasks.append(
            Task(
                kind="condition",
                title=c.description,
                detail="Condition of approval",
                evaluation=c.evaluation,
                due_date=c.due_date,
                url=f"{c.evaluation.get_absolute_url()}#conditions-heading",
                today=today,
            )
        )
    # Items on my desk: ours to do (I own them) or answered by the vendor on an evaluation I own.
    # Items opened for a condition are listed here rather than twice.
    items = (
        RemediationItem.objects.for_org(organization)
        .unresolved()
        .filter(
            Q(owner=user, side=RemediationItem.Side.BUYER)
            | Q(evaluation__owner=user, status=RemediationItem.Status.VENDOR_RESPONDED)
        )
        .exclude(evaluation__status=S.ARCHIVED)
        .select_related("evaluation__product__vendor")
        .only(*_shown("public_id", "title", "status", "due_date"))
    )
    for item in items:
        answered = item.status == RemediationItem.Status.VENDOR_RESPONDED
        tasks.append(
            Task(
                kind="remediation",
                title=item.title,
                detail="The vendor responded: accept or reject" if answered else "Remediation item you own",
                evaluation=item.evaluation,
                due_date=item.due_date,
                url=item.get_absolute_url(),
                today=today,
            )
        )
    return Worklist(tasks=sorted(tasks, key=_order))
