"""The dashboard's charts: what each counts, where each bar leads, and a constant query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import portfolio
from procurement.models import Evaluation, EvaluationStatusChange
from procurement.services.evaluations import evaluation_search
from tests.factories import DecisionConditionFactory, EvaluationFactory

pytestmark = pytest.mark.django_db
S = Evaluation.Status
TODAY = datetime.date(2026, 11, 30)


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _chart(response, key):
    return next(c for c in response.context["charts"] if c.key == key)


def _rows(chart):
    return [(row.label, row.display, row.url) for row in chart.rows]


def test_status_and_tier_charts_count_own_evaluations_and_link_to_the_filtered_list(
    officer_client, org, other_org
):
    EvaluationFactory.create_batch(2, organization=org, status=S.SENT)
    EvaluationFactory(organization=org, status=S.SUBMITTED, risk_tier="high")
    EvaluationFactory(organization=other_org, status=S.SENT, risk_tier="high")
    response = officer_client.get(reverse("dashboard"))
    status = _rows(_chart(response, "chart-status"))
    assert status[:4] == [
        ("Draft", "0", "/evaluations/?status=draft"),
        ("Sent to vendor", "2", "/evaluations/?status=sent"),
        ("In progress", "0", "/evaluations/?status=in_progress"),
        ("Submitted", "1", "/evaluations/?status=submitted"),
    ]
    assert [r.width for r in _chart(response, "chart-status").rows[:4]] == [0, 300, 0, 150]
    assert _rows(_chart(response, "chart-tier")) == [
        ("Low", "0", "/evaluations/?risk_tier=low"),
        ("Moderate", "0", "/evaluations/?risk_tier=moderate"),
        ("High", "1", "/evaluations/?risk_tier=high"),
        ("Critical", "0", "/evaluations/?risk_tier=critical"),
    ]
    body = response.content.decode()
    # The table alternative carries the same figures and links as the bars.
    assert (
        '<th scope="row" class="fw-normal"><a href="/evaluations/?status=sent">Sent to vendor</a></th>'
        "<td>2</td>" in body
    )
    assert 'role="group" aria-labelledby="chart-status-title chart-status-desc"' in body
    assert '<title id="chart-status-bar-2">Sent to vendor: 2</title>' in body


def test_chart_labels_are_escaped(officer_client, org):
    evaluation = EvaluationFactory(
        organization=org, status=S.DECIDED, decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS
    )
    evaluation.product.name = "<script>alert(1)</script>"
    evaluation.product.save()
    DecisionConditionFactory(evaluation=evaluation)
    body = officer_client.get(reverse("dashboard")).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_overdue_history_counts_each_week_as_the_list_showed_it_then(org):
    # Due on 1 Nov, created in October, still open: overdue from 2 Nov on.
    still_open = EvaluationFactory(
        organization=org,
        status=S.SENT,
        due_date=datetime.date(2026, 11, 1),
        created_at=_at(datetime.date(2026, 10, 1)),
    )
    # Due on 1 Nov, decided on 20 Nov: overdue on 2 to 20 Nov only.
    closed = EvaluationFactory(
        organization=org,
        status=S.DECIDED,
        due_date=datetime.date(2026, 11, 1),
        created_at=_at(datetime.date(2026, 10, 1)),
    )
    EvaluationStatusChange.objects.create(
        organization=org, evaluation=closed, from_status=S.UNDER_REVIEW, to_status=S.DECIDED, actor_label="x"
    )
    EvaluationStatusChange.objects.filter(evaluation=closed).update(
        created_at=_at(datetime.date(2026, 11, 20))
    )
    # Decided with no recorded change: never counted.
    EvaluationFactory(organization=org, status=S.DECIDED, due_date=datetime.date(2026, 10, 1))
    # Created after its due date had passed, on 25 Nov.
    late = EvaluationFactory(
        organization=org,
        status=S.DRAFT,
        due_date=datetime.date(2026, 11, 10),
        created_at=_at(datetime.date(2026, 11, 25)),
    )
    history = portfolio.overdue_history(org, today=TODAY)
    assert history == [
        (datetime.date(2026, 10, 12), 0),
        (datetime.date(2026, 10, 19), 0),
        (datetime.date(2026, 10, 26), 0),
        (datetime.date(2026, 11, 2), 2),
        (datetime.date(2026, 11, 9), 2),
        (datetime.date(2026, 11, 16), 2),
        (datetime.date(2026, 11, 23), 1),
        (datetime.date(2026, 11, 30), 2),
    ]
    # Each bar's link shows exactly the evaluations it counted.
    ids = lambda day: {e.pk for e in evaluation_search(organization=org, overdue_on=day)}  # noqa: E731
    assert ids(datetime.date(2026, 11, 16)) == {still_open.pk, closed.pk}
    assert ids(datetime.date(2026, 11, 23)) == {still_open.pk}
    assert ids(TODAY) == {still_open.pk, late.pk}


def test_the_overdue_chart_links_each_week_to_the_list_on_that_day(officer_client, org):
    EvaluationFactory(
        organization=org, status=S.SENT, due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    chart = _chart(officer_client.get(reverse("dashboard")), "chart-overdue")
    last = chart.rows[-1]
    assert (last.display, last.url) == ("1", f"/evaluations/?overdue_on={timezone.localdate().isoformat()}")
    response = officer_client.get(last.url)
    assert len(response.context["page"].object_list) == 1
    assert f"Overdue on {timezone.localdate():%Y-%m-%d}" in response.content.decode()


def test_medians_are_per_month_in_days(org):
    for sent, submitted in ((1, 11), (2, 6), (3, 4)):
        EvaluationFactory(
            organization=org,
            status=S.SUBMITTED,
            sent_at=_at(datetime.date(2026, 11, sent)),
            submitted_at=_at(datetime.date(2026, 11, submitted)),
        )
    EvaluationFactory(  # September: out of the six months? No: June is the first of six.
        organization=org,
        status=S.SUBMITTED,
        sent_at=_at(datetime.date(2026, 9, 1)),
        submitted_at=_at(datetime.date(2026, 9, 3)),
    )
    EvaluationFactory(  # Before the six months: left out.
        organization=org,
        status=S.SUBMITTED,
        sent_at=_at(datetime.date(2026, 1, 1)),
        submitted_at=_at(datetime.date(2026, 1, 3)),
    )
    EvaluationFactory(
        organization=org,
        status=S.DECIDED,
        submitted_at=_at(datetime.date(2026, 10, 1)),
        decided_at=_at(datetime.date(2026, 10, 1), hour=18),
    )
    medians = portfolio.invite_to_submission(org, today=TODAY)
    assert [(m.month, m.days, m.count) for m in medians] == [
        (datetime.date(2026, 6, 1), None, 0),
        (datetime.date(2026, 7, 1), None, 0),
        (datetime.date(2026, 8, 1), None, 0),
        (datetime.date(2026, 9, 1), 2.0, 1),
        (datetime.date(2026, 10, 1), None, 0),
        (datetime.date(2026, 11, 1), 4.0, 3),
    ]
    decisions = portfolio.submission_to_decision(org, today=TODAY)
    assert [(m.days, m.count) for m in decisions][-2:] == [(0.25, 1), (None, 0)]
    ids = {e.pk for e in evaluation_search(organization=org, submitted_in=datetime.date(2026, 11, 1))}
    assert len(ids) == 3


def test_the_median_charts_show_days_and_link_to_the_month(officer_client, org):
    now = timezone.now()
    EvaluationFactory(
        organization=org, status=S.SUBMITTED, sent_at=now - datetime.timedelta(days=3), submitted_at=now
    )
    response = officer_client.get(reverse("dashboard"))
    month = f"{timezone.localdate():%Y-%m}"
    _label, display, url = _rows(_chart(response, "chart-invite-submission"))[-1]
    assert (display, url) == ("3.0 days (1 evaluation)", f"/evaluations/?submitted_in={month}")
    assert len(officer_client.get(url).context["page"].object_list) == 1
    assert _rows(_chart(response, "chart-submission-decision"))[-1][1:] == (
        "—",
        f"/evaluations/?decided_in={month}",
    )


def test_products_approved_with_open_conditions_are_listed_most_open_first(officer_client, org):
    approved = {
        "organization": org,
        "status": S.DECIDED,
        "decision": Evaluation.Decision.APPROVED_WITH_CONDITIONS,
    }
    one = EvaluationFactory(
        **approved, product__name="ScribeAssist", product__version="", product__vendor__legal_name="Acme"
    )
    two = EvaluationFactory(
        **approved, product__name="TriageCT", product__version="", product__vendor__legal_name="Birch"
    )
    met = EvaluationFactory(**approved)
    DecisionConditionFactory(evaluation=one)
    DecisionConditionFactory(evaluation=one, completed_at=timezone.now())
    DecisionConditionFactory.create_batch(2, evaluation=two)
    DecisionConditionFactory(evaluation=met, completed_at=timezone.now())
    response = officer_client.get(reverse("dashboard"))
    assert _rows(_chart(response, "chart-conditions")) == [
        ("TriageCT (Birch)", "2", two.get_absolute_url()),
        ("ScribeAssist (Acme)", "1", one.get_absolute_url()),
    ]
    listed = officer_client.get(reverse("evaluation_list"), {"open_conditions": "on"})
    assert {e.pk for e in listed.context["page"].object_list} == {one.pk, two.pk}


def test_an_empty_organization_gets_charts_without_bars(officer_client, org):
    response = officer_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert _rows(_chart(response, "chart-conditions")) == []
    assert "Nothing to show yet." in response.content.decode()


def test_a_bad_month_in_the_list_filter_is_ignored_not_a_server_error(officer_client, org):
    EvaluationFactory(organization=org)
    response = officer_client.get(reverse("evaluation_list"), {"submitted_in": "2026-13"})
    assert response.status_code == 200
    assert response.context["filters"].errors == {"submitted_in": ["Enter a month as YYYY-MM."]}


def test_the_dashboard_makes_the_same_number_of_queries_for_many_evaluations(
    officer_client, org, django_assert_max_num_queries
):
    def populate(n):
        for _ in range(n):
            evaluation = EvaluationFactory(
                organization=org,
                status=S.DECIDED,
                decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS,
                risk_tier="low",
                sent_at=timezone.now() - datetime.timedelta(days=9),
                submitted_at=timezone.now() - datetime.timedelta(days=4),
                decided_at=timezone.now(),
                due_date=timezone.localdate() - datetime.timedelta(days=20),
            )
            DecisionConditionFactory(evaluation=evaluation)

    populate(2)
    # Signing in (session, user, membership, device), one query per chart and for the recent list,
    # the first few tasks and their counts for each kind of "My tasks", and the unread notifications.
    with django_assert_max_num_queries(24) as first:
        officer_client.get(reverse("dashboard"))
    populate(20)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert officer_client.get(reverse("dashboard")).status_code == 200
