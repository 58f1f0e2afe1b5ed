"""My tasks: the read model of one member's open work in one organization.

Five kinds, each one query whatever their number (two for only the first few: the rows and the
counts): parts assigned to me to review or sign off, clarifications the vendor has answered that I
asked for, decisions on evaluations I own, the conditions of approval I own, and the remediation
items I own or must now accept or reject.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q
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
    """The tasks shown (all of them, or the first few, most urgent first) and how many there are."""

    tasks: list[Task]
    total: int
    overdue_count: int

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
    *,
    user: User,
    organization: Organization,
    role: str,
    today: datetime.date | None = None,
    first: int | None = None,
) -> Worklist:
    """One member's open tasks in one organization, overdue first; `role` is their role there.

    With `first`, only that many of the most urgent are loaded (the dashboard's panel), while the
    counts still cover them all: a member with hundreds of tasks does not pay for building each.
    """
    today = today or timezone.localdate()
    tasks: list[Task] = []
    total = overdue = 0
    for queryset, due, to_task in _open_work(user=user, organization=organization, role=role):
        if first is None:
            rows = list(queryset)
            kind_tasks = [to_task(row, today) for row in rows]
            total += len(kind_tasks)
            overdue += sum(task.is_overdue for task in kind_tasks)
        else:
            # Overdue first, then the nearest date, then no date: the order of due dates, nulls last.
            nearest = queryset.order_by(F(due).asc(nulls_last=True), "pk")[:first]
            kind_tasks = [to_task(row, today) for row in nearest]
            counts = queryset.aggregate(n=Count("pk"), late=Count("pk", filter=Q(**{f"{due}__lt": today})))
            total += counts["n"]
            overdue += counts["late"]
        tasks.extend(kind_tasks)
    ordered = sorted(tasks, key=_order)
    return Worklist(tasks=ordered if first is None else ordered[:first], total=total, overdue_count=overdue)


def _open_work(*, user: User, organization: Organization, role: str) -> list[tuple]:
    """Each kind of task open for the member: its rows, the field of their due date, and its task."""
    work: list[tuple] = []
    if role_has_perm(role, Perm.REVIEW):
        assignments = (
            ReviewerAssignment.objects.for_org(organization)
            .filter(reviewer=user, signed_off_at__isnull=True)
            .exclude(evaluation__status__in=CLOSED)
            .select_related("evaluation__product__vendor", "section")
            .only(*_shown("section__title"))
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
        work += [
            (assignments, "evaluation__due_date", _review_task),
            (clarifications, "evaluation__due_date", _clarification_task),
        ]
    if role_has_perm(role, Perm.DECIDE):
        decisions = (
            Evaluation.objects.for_org(organization)
            .filter(owner=user, status__in=IN_REVIEW)
            .select_related("product__vendor")
            .only(*_shown(via=""))
        )
        work.append((decisions, "due_date", _decision_task))
    conditions = (
        DecisionCondition.objects.for_org(organization)
        .filter(owner=user, completed_at__isnull=True, remediation_items__isnull=True)
        .select_related("evaluation__product__vendor")
        .only(*_shown("description", "due_date"))
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
    return [*work, (conditions, "due_date", _condition_task), (items, "due_date", _remediation_task)]


def _review_task(a: ReviewerAssignment, today: datetime.date) -> Task:
    part = a.section.title if a.section_id else "The whole questionnaire"
    ready = a.evaluation.status in IN_REVIEW
    return Task(
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


def _clarification_task(c: ClarificationRequest, today: datetime.date) -> Task:
    return Task(
        kind="clarification",
        title=f"Answered: {c.question.prompt}",
        detail=f"You asked: {c.message}",
        evaluation=c.evaluation,
        due_date=c.evaluation.due_date,
        url=c.evaluation.get_question_url(c.question_id),
        today=today,
    )


def _decision_task(e: Evaluation, today: datetime.date) -> Task:
    return Task(
        kind="decision",
        title="Record the decision",
        detail=e.get_status_display(),
        evaluation=e,
        due_date=e.due_date,
        url=f"{e.get_absolute_url()}#decision-heading",
        today=today,
    )


def _condition_task(c: DecisionCondition, today: datetime.date) -> Task:
    return Task(
        kind="condition",
        title=c.description,
        detail="Condition of approval",
        evaluation=c.evaluation,
        due_date=c.due_date,
        url=f"{c.evaluation.get_absolute_url()}#conditions-heading",
        today=today,
    )


def _remediation_task(item: RemediationItem, today: datetime.date) -> Task:
    answered = item.status == RemediationItem.Status.VENDOR_RESPONDED
    return Task(
        kind="remediation",
        title=item.title,
        detail="The vendor responded: accept or reject" if answered else "Remediation item you own",
        evaluation=item.evaluation,
        due_date=item.due_date,
        url=item.get_absolute_url(),
        today=today,
    )
