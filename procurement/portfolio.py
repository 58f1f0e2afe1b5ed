"""The portfolio read model: an organization's evaluations in aggregate, for the dashboard.

Each function is one query, whatever the number of evaluations; the dashboard's query count
is asserted in tests/procurement/test_dashboard.py.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils import timezone

from procurement.models import Evaluation
from procurement.models.evaluation import month_start, next_month, overdue_on_q

if TYPE_CHECKING:
    from accounts.models import Organization

S = Evaluation.Status
OVERDUE_WEEKS = 8
MEDIAN_MONTHS = 6
CONDITION_PRODUCTS = 10


@dataclass(frozen=True)
class Median:
    month: datetime.date
    days: float | None  # None: nothing finished that month
    count: int


@dataclass(frozen=True)
class OpenConditions:
    evaluation: Evaluation
    open_count: int


def status_counts(organization: Organization) -> dict[str, int]:
    """Evaluations per status and per risk tier (keys `tier_<tier>`), plus the dashboard's cards."""
    evaluations = Evaluation.objects.for_org(organization)
    today = timezone.localdate()
    closed = Q(status__in=[S.DECIDED, S.ARCHIVED])
    aggregates = {status: Count("id", filter=Q(status=status)) for status in S.values}
    aggregates |= {
        f"tier_{tier}": Count("id", filter=Q(risk_tier=tier)) for tier in Evaluation.RiskTier.values
    }
    aggregates |= {
        "open": Count("id", filter=~closed),
        "overdue": Count("id", filter=~closed & Q(due_date__lt=today)),
        "awaiting_review": Count("id", filter=Q(status__in=[S.SUBMITTED, S.UNDER_REVIEW])),
    }
    return evaluations.aggregate(**aggregates)


def overdue_history(
    organization: Organization, *, today: datetime.date | None = None
) -> list[tuple[datetime.date, int]]:
    """How many evaluations were overdue at the end of each of the last weeks, oldest first."""
    today = today or timezone.localdate()
    days = [today - datetime.timedelta(weeks=weeks) for weeks in range(OVERDUE_WEEKS - 1, -1, -1)]
    counts = (
        Evaluation.objects.for_org(organization)
        .with_closed_at()
        .aggregate(**{f"on_{day:%Y%m%d}": Count("id", filter=overdue_on_q(day)) for day in days})
    )
    return [(day, counts[f"on_{day:%Y%m%d}"]) for day in days]


def _months(today: datetime.date) -> list[datetime.date]:
    month = today.replace(day=1)
    months = [month]
    for _ in range(MEDIAN_MONTHS - 1):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


def _medians(pairs, months: list[datetime.date]) -> list[Median]:
    """Median days from start to end, grouped by the local month in which each pair ended."""
    by_month: dict[datetime.date, list[float]] = defaultdict(list)
    for start, end in pairs:
        if start is None or end is None or end < start:
            continue
        by_month[timezone.localtime(end).date().replace(day=1)].append((end - start).total_seconds() / 86400)
    return [
        Median(
            month=month,
            days=statistics.median(by_month[month]) if by_month[month] else None,
            count=len(by_month[month]),
        )
        for month in months
    ]


def invite_to_submission(organization: Organization, *, today: datetime.date | None = None) -> list[Median]:
    """Median days from first sending to the vendor until submission, by month of submission."""
    months = _months(today or timezone.localdate())
    pairs = (
        Evaluation.objects.for_org(organization)
        .filter(
            submitted_at__gte=month_start(months[0]), submitted_at__lt=month_start(next_month(months[-1]))
        )
        .values_list("sent_at", "submitted_at")
    )
    return _medians(pairs, months)


def submission_to_decision(organization: Organization, *, today: datetime.date | None = None) -> list[Median]:
    """Median days from (the last) submission until the decision, by month of decision."""
    months = _months(today or timezone.localdate())
    pairs = (
        Evaluation.objects.for_org(organization)
        .filter(decided_at__gte=month_start(months[0]), decided_at__lt=month_start(next_month(months[-1])))
        .values_list("submitted_at", "decided_at")
    )
    return _medians(pairs, months)


def approved_with_open_conditions(organization: Organization) -> list[OpenConditions]:
    """Decided evaluations approved with conditions not all met, most open conditions first."""
    evaluations = (
        Evaluation.objects.for_org(organization)
        .with_open_conditions()
        .annotate(open_count=Count("conditions", filter=Q(conditions__completed_at__isnull=True)))
        .select_related("product__vendor")
        .order_by("-open_count", "product__name", "id")[:CONDITION_PRODUCTS]
    )
    return [OpenConditions(evaluation=e, open_count=e.open_count) for e in evaluations]
