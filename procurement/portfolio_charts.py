"""The dashboard's charts: the portfolio read model as bar charts whose bars open the filtered list."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import reverse

from procurement import portfolio
from procurement.charts import Bar, Chart, bar_chart
from procurement.models import Evaluation

if TYPE_CHECKING:
    from accounts.models import Organization


def _list_url(**filters: str) -> str:
    return f"{reverse('evaluation_list')}?{urlencode(filters)}"


def _days(median: portfolio.Median) -> str:
    if median.days is None:
        return "—"
    finished = f"{median.count} evaluation{'s' if median.count != 1 else ''}"
    return f"{median.days:.1f} days ({finished})"


def portfolio_charts(organization: Organization, counts: dict[str, int]) -> list[Chart]:
    """Status, risk tier, overdue weeks, the two medians and open conditions, in that order."""
    by_status = bar_chart(
        key="chart-status",
        title="Evaluations by status",
        description="Number of evaluations in each workflow status.",
        bars=[
            Bar(label, counts[value], _list_url(status=value)) for value, label in Evaluation.Status.choices
        ],
        label_heading="Status",
        value_heading="Evaluations",
        list_url=reverse("evaluation_list"),
    )
    by_tier = bar_chart(
        key="chart-tier",
        title="Evaluations by risk tier",
        description="Number of scored evaluations in each risk tier.",
        bars=[
            Bar(label, counts[f"tier_{value}"], _list_url(risk_tier=value))
            for value, label in Evaluation.RiskTier.choices
        ],
        label_heading="Risk tier",
        value_heading="Evaluations",
        list_url=reverse("evaluation_list"),
    )
    overdue = bar_chart(
        key="chart-overdue",
        title=f"Overdue at the end of each of the last {portfolio.OVERDUE_WEEKS} weeks",
        description="Number of open evaluations past their due date, week by week, oldest first.",
        bars=[
            Bar(f"{day:%d %b %Y}", count, _list_url(overdue_on=day.isoformat()))
            for day, count in portfolio.overdue_history(organization)
        ],
        label_heading="Week ending",
        value_heading="Overdue evaluations",
        list_url=_list_url(overdue="on"),
    )
    invite_to_submission = bar_chart(
        key="chart-invite-submission",
        title="Median days from invite to submission",
        description="By month of submission; a month without submissions has no bar.",
        bars=[
            Bar(f"{m.month:%B %Y}", m.days, _list_url(submitted_in=f"{m.month:%Y-%m}"), _days(m))
            for m in portfolio.invite_to_submission(organization)
        ],
        label_heading="Month submitted",
        value_heading="Median days",
    )
    submission_to_decision = bar_chart(
        key="chart-submission-decision",
        title="Median days from submission to decision",
        description="By month of decision; a month without decisions has no bar.",
        bars=[
            Bar(f"{m.month:%B %Y}", m.days, _list_url(decided_in=f"{m.month:%Y-%m}"), _days(m))
            for m in portfolio.submission_to_decision(organization)
        ],
        label_heading="Month decided",
        value_heading="Median days",
    )
    conditions = bar_chart(
        key="chart-conditions",
        title="Products approved with open conditions",
        description="Open (not yet met) conditions per approved product, most first.",
        bars=[
            Bar(
                f"{row.evaluation.product} ({row.evaluation.product.vendor})",
                row.open_count,
                row.evaluation.get_absolute_url(),
            )
            for row in portfolio.approved_with_open_conditions(organization)
        ],
        label_heading="Product (vendor)",
        value_heading="Open conditions",
        list_url=_list_url(open_conditions="on"),
    )
    return [by_status, by_tier, overdue, invite_to_submission, submission_to_decision, conditions]
