"""Re-assessment of approved products: review dates from the policy, the daily opening, model versions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import (
    Answer,
    AuditEvent,
    Evaluation,
    ModelVersion,
    Notification,
    ReviewCycle,
    ReviewPolicy,
)
from procurement.services.reassessment import (
    add_months,
    cycle_dates,
    model_version_report,
    reassessments_open_due,
    review_policy_update,
)
from procurement.tasks import open_due_reassessments
from tests.factories import EvaluationFactory, MembershipFactory, TemplateFactory
from tests.procurement.reassessment_setup import approved, vendor_invite

pytestmark = pytest.mark.django_db

R = Evaluation.Purpose.REASSESSMENT


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# -- intervals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-08-15", 6, "2027-02-15"),
        ("2026-12-01", 24, "2028-12-01"),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(start, months, expected):
    assert add_months(day(start), months) == day(expected)


@pytest.mark.parametrize(
    ("tier", "review_on"),
    [
        ("critical", "2027-01-10"),
        ("high", "2027-07-10"),
        ("moderate", "2028-01-10"),
        ("low", "2028-07-10"),
        ("", "2027-01-10"),
    ],
)
def test_default_policy_review_dates_per_tier(org, tier, review_on):
    review, opens = cycle_dates(
        policy=ReviewPolicy(organization=org), tier=tier, approved_on=day("2026-07-10")
    )
    assert review == day(review_on)
    assert opens == day(review_on) - datetime.timedelta(days=30)


def test_the_organizations_own_policy_sets_the_interval(org, admin_user):
    policy = review_policy_update(organization=org, user=admin_user, high_months=9, lead_days=14)
    review, opens = cycle_dates(policy=policy, tier="high", approved_on=day("2026-07-10"))
    assert (review, opens) == (day("2027-04-10"), day("2027-03-27"))


def test_approval_sets_the_next_review_date_and_records_the_version(org, officer):
    evaluation, _ = approved(org, officer, tier="moderate")
    cycle = ReviewCycle.objects.get(product=evaluation.product)
    assert cycle.approved_evaluation == evaluation
    assert cycle.review_on == add_months(timezone.localdate(evaluation.decided_at), 18)
    assert cycle.risk_tier == "moderate"
    version = ModelVersion.objects.get(product=evaluation.product)
    assert (version.version, version.action, version.covered_by) == ("2.1", "evaluated", evaluation)


def test_rejection_leaves_no_review_date(org, officer):
    evaluation, _ = approved(org, officer)
    newer = EvaluationFactory(
        organization=org, product=evaluation.product, owner=officer, status=Evaluation.Status.UNDER_REVIEW
    )
    from procurement.services.reviews import decision_record

    decision_record(evaluation=newer, decision=Evaluation.Decision.REJECTED, rationale="No.", user=officer)
    assert not ReviewCycle.objects.filter(product=evaluation.product, closed_at__isnull=True).exists()


def test_a_policy_change_moves_pending_review_dates_only(org, officer, admin_user):
    decided = timezone.make_aware(datetime.datetime(2026, 1, 5, 12))
    pending, _ = approved(org, officer, tier="high", decided_at=decided)
    opened, _ = approved(org, officer, tier="high", decided_at=decided)
    reassessments_open_due(today=day("2026-12-20"))  # opens both (12 months less 30 days)
    ReviewCycle.objects.filter(approved_evaluation=pending).update(reassessment=None, opened_at=None)

    review_policy_update(organization=org, user=admin_user, high_months=6)

    assert ReviewCycle.objects.get(approved_evaluation=pending).review_on == day("2026-07-05")
    assert ReviewCycle.objects.get(approved_evaluation=opened).review_on == day("2027-01-05")


def test_policy_values_out_of_range_are_refused_by_field(org, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        review_policy_update(organization=org, user=admin_user, low_months=0, lead_days=400)
    assert set(exc.value.message_dict) == {"low_months", "lead_days"}
    assert not ReviewPolicy.objects.exists()


# -- the daily opening --------------------------------------------------------------------------


def test_beat_task_opens_exactly_one_reassessment_with_carried_answers(
    org, officer, mailoutbox, django_capture_on_commit_callbacks
):
    decided = timezone.make_aware(datetime.datetime(2026, 1, 5, 12))
    evaluation, _ = approved(org, officer, tier="critical", decided_at=decided)
    cycle = ReviewCycle.objects.get(approved_evaluation=evaluation)
    assert (cycle.review_on, cycle.opens_on) == (day("2026-07-05"), day("2026-06-05"))

    assert reassessments_open_due(today=day("2026-06-04")) == 0
    assert not Evaluation.objects.filter(purpose=R).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert reassessments_open_due(today=day("2026-06-05")) == 1
    assert reassessments_open_due(today=day("2026-06-05")) == 0  # beat ran twice
    assert open_due_reassessments.apply().get() == 0

    reassessment = Evaluation.objects.get(purpose=R)
    assert reassessment.previous == evaluation
    assert reassessment.template == evaluation.template
    assert reassessment.owner == officer
    assert reassessment.status == Evaluation.Status.DRAFT
    assert reassessment.due_date == day("2026-07-05")
    carried = Answer.objects.filter(evaluation=reassessment, source=Answer.Source.CARRIED)
    assert carried.count() == 7  # every answer, the evidence question's included
    assert all(a.prefilled_from_id == evaluation.pk for a in carried)
    notice = Notification.objects.get(recipient=officer, kind=Notification.Kind.REASSESSMENT_OPENED)
    assert notice.link == reassessment.get_absolute_url()
    assert "review date 2026-07-05" in notice.message
    assert len(mailoutbox) == 1
    assert "Re-assessment" in mailoutbox[0].subject
    assert (
        AuditEvent.objects.filter(evaluation=reassessment, kind=AuditEvent.Kind.REASSESSMENT_OPENED).count()
        == 1
    )
    cycle.refresh_from_db()
    assert (cycle.reassessment, cycle.trigger) == (reassessment, "schedule")


def test_the_reassessment_uses_the_latest_published_version_of_the_template(org, officer):
    evaluation, _ = approved(org, officer, tier="low")
    newer = TemplateFactory(
        organization=org, slug=evaluation.template.slug, name=evaluation.template.name, version=2
    )
    TemplateFactory(
        organization=org, slug=evaluation.template.slug, version=3, status="draft", published_at=None
    )
    reassessments_open_due(today=timezone.localdate() + datetime.timedelta(days=800))
    assert Evaluation.objects.get(purpose=R).template == newer


def test_the_owner_who_left_is_replaced_by_a_member_who_runs_evaluations(org, officer):
    _evaluation, _ = approved(org, officer)
    successor = MembershipFactory(organization=org, role="officer").user
    officer.memberships.all().delete()
    reassessments_open_due(today=timezone.localdate() + datetime.timedelta(days=400))
    assert Evaluation.objects.get(purpose=R).owner == successor


def test_a_later_approval_replaces_the_cycle(org, officer):
    evaluation, _ = approved(org, officer)
    reassessments_open_due(today=timezone.localdate() + datetime.timedelta(days=400))
    reassessment = Evaluation.objects.get(purpose=R)
    Evaluation.objects.filter(pk=reassessment.pk).update(
        status=Evaluation.Status.UNDER_REVIEW, submitted_at=timezone.now(), risk_tier="low"
    )
    reassessment.refresh_from_db()
    from procurement.services.reviews import decision_record

    decision_record(evaluation=reassessment, decision="approved", rationale="Still fine.", user=officer)
    live = ReviewCycle.objects.get(product=evaluation.product, closed_at__isnull=True)
    assert live.approved_evaluation == reassessment
    assert live.review_on == add_months(timezone.localdate(), 24)


# -- model versions -----------------------------------------------------------------------------


def report(product, contact=None, **values):
    values = {"version": "3.0", "within_pccp": "yes", "changes_intended_use": False, **values}
    return model_version_report(product=product, contact=contact, **values)


def test_a_version_within_the_pccp_is_recorded_for_the_next_review(org, officer):
    evaluation, _ = approved(org, officer)
    invite = vendor_invite(evaluation)
    version = report(evaluation.product, invite.contact, release_notes="Recalibrated thresholds.")
    assert version.action == ModelVersion.Action.RECORDED
    assert version.covered_by is None
    assert not Evaluation.objects.filter(purpose=R).exists()
    evaluation.product.refresh_from_db()
    assert evaluation.product.version == "3.0"
    audit = AuditEvent.objects.get(kind=AuditEvent.Kind.MODEL_VERSION_REPORTED)
    assert audit.evaluation == evaluation
    assert audit.actor_contact == invite.contact
    notice = Notification.objects.get(kind=Notification.Kind.MODEL_VERSION_REPORTED)
    assert notice.recipient == officer
    # The next scheduled re-assessment covers it.
    reassessments_open_due(today=timezone.localdate() + datetime.timedelta(days=400))
    version.refresh_from_db()
    assert version.covered_by == Evaluation.objects.get(purpose=R)


def test_a_version_outside_the_pccp_opens_the_reassessment_at_once(org, officer):
    evaluation, _ = approved(org, officer)
    invite = vendor_invite(evaluation)
    version = report(evaluation.product, invite.contact, within_pccp="no")
    reassessment = Evaluation.objects.get(purpose=R)
    assert version.action == ModelVersion.Action.REASSESSMENT_OPENED
    assert version.covered_by == reassessment
    assert reassessment.previous == evaluation
    assert reassessment.due_date == max(
        ReviewCycle.objects.get(approved_evaluation=evaluation).review_on,
        timezone.localdate() + datetime.timedelta(days=30),
    )
    cycle = ReviewCycle.objects.get(approved_evaluation=evaluation)
    assert cycle.trigger == "model_version"
    notice = Notification.objects.get(recipient=officer)
    assert notice.kind == Notification.Kind.REASSESSMENT_OPENED
    assert "version 3.0, outside the authorized PCCP" in notice.message
    # The schedule does not open a second one for the same cycle.
    assert reassessments_open_due(today=timezone.localdate() + datetime.timedelta(days=800)) == 0
    assert Evaluation.objects.filter(purpose=R).count() == 1


def test_a_change_of_intended_use_opens_the_reassessment_at_once(org, officer):
    evaluation, _ = approved(org, officer)
    version = report(evaluation.product, vendor_invite(evaluation).contact, changes_intended_use=True)
    assert version.action == ModelVersion.Action.REASSESSMENT_OPENED
    assert Evaluation.objects.filter(purpose=R, previous=evaluation).count() == 1


def test_a_second_change_while_the_reassessment_is_open_joins_it(org, officer):
    evaluation, _ = approved(org, officer)
    contact = vendor_invite(evaluation).contact
    report(evaluation.product, contact, within_pccp="no")
    second = report(evaluation.product, contact, version="3.1", within_pccp="no")
    assert second.action == ModelVersion.Action.ADDED_TO_OPEN
    assert second.covered_by == Evaluation.objects.get(purpose=R)
    assert Evaluation.objects.filter(purpose=R).count() == 1


def test_a_version_report_needs_a_new_version_and_a_pccp_answer(org, officer):
    from django.core.exceptions import ValidationError

    evaluation, _ = approved(org, officer)
    with pytest.raises(ValidationError) as exc:
        model_version_report(product=evaluation.product, version="2.1", within_pccp="maybe", user=officer)
    assert set(exc.value.message_dict) == {"version", "within_pccp"}


# -- pages --------------------------------------------------------------------------------------


def test_product_page_shows_next_review_and_version_history(
    org, officer, officer_client, django_assert_max_num_queries
):
    evaluation, _ = approved(org, officer)
    contact = vendor_invite(evaluation).contact
    report(evaluation.product, contact, version="2.2", within_pccp="yes")
    report(evaluation.product, contact, version="3.0", within_pccp="no", release_notes="New training data.")
    url = reverse("product_detail", args=[evaluation.product.public_id])
    with django_assert_max_num_queries(20):
        response = officer_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    rows = response.context["versions"]
    # 2.2 was recorded for the next review; 3.0 opened the re-assessment, which covers both.
    assert [(v.version, v.action) for v in rows] == [
        ("3.0", "reassessment_opened"),
        ("2.2", "recorded"),
        ("2.1", "evaluated"),
    ]
    reassessment = Evaluation.objects.get(purpose=R)
    assert rows[0].covered_by == reassessment
    assert rows[1].covered_by == reassessment
    assert rows[2].covered_by == evaluation
    assert reassessment.get_absolute_url() in page
    assert evaluation.get_absolute_url() in page
    assert "Outside the authorized PCCP" in page
    assert "New training data." in page
    assert "Re-assessment opened" in page
    # The evaluation page shows the review and links to the history.
    detail = officer_client.get(evaluation.get_absolute_url()).content.decode()
    assert 'id="evaluation-next-review"' in detail
    assert url in detail


def test_product_page_lists_versions_in_a_fixed_number_of_queries(
    org, officer, officer_client, django_assert_num_queries
):
    evaluation, _ = approved(org, officer)
    contact = vendor_invite(evaluation).contact
    report(evaluation.product, contact, version="2.2")
    url = reverse("product_detail", args=[evaluation.product.public_id])
    officer_client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        officer_client.get(url)
    for n in range(5):
        report(evaluation.product, contact, version=f"2.{3 + n}")
    with CaptureQueriesContext(connection) as many:
        officer_client.get(url)
    assert len(many) == len(few)


def test_officer_records_a_version_on_the_product_page(org, officer, officer_client):
    evaluation, _ = approved(org, officer)
    url = reverse("product_version_record", args=[evaluation.product.public_id])
    response = officer_client.post(
        url, {"version": "4.0", "within_pccp": "no", "release_notes": "New model."}
    )
    assert response.status_code == 302
    version = ModelVersion.objects.get(version="4.0")
    assert (version.reported_by_user, version.action) == (officer, "reassessment_opened")
    bad = officer_client.post(url, {"version": "", "within_pccp": "perhaps"})
    assert bad.status_code == 200
    form = bad.context["version_form"]
    assert "version" in form.errors
    assert "within_pccp" in form.errors


def test_other_organizations_see_nothing(org, officer, outsider_client, other_org):
    evaluation, _ = approved(org, officer)
    product = evaluation.product
    assert outsider_client.get(reverse("product_detail", args=[product.public_id])).status_code == 404
    response = outsider_client.post(
        reverse("product_version_record", args=[product.public_id]), {"version": "9", "within_pccp": "no"}
    )
    assert response.status_code == 404
    assert not ModelVersion.objects.filter(version="9").exists()


def test_only_administrators_change_the_review_policy(org, admin_client_org, officer_client):
    url = reverse("review_policy")
    assert officer_client.get(url).status_code == 403
    page = admin_client_org.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["critical_months"] == 6
    data = {"critical_months": 4, "high_months": 10, "moderate_months": 18, "low_months": 24, "lead_days": 21}
    assert admin_client_org.post(url, data).status_code == 302
    policy = ReviewPolicy.objects.get(organization=org)
    assert (policy.critical_months, policy.high_months, policy.lead_days) == (4, 10, 21)
    bad = admin_client_org.post(url, {**data, "low_months": 0})
    assert bad.status_code == 200
    assert "low_months" in bad.context["form"].errors
    assert ReviewPolicy.objects.get(organization=org).low_months == 24


# -- the vendor's link --------------------------------------------------------------------------


def test_vendor_reports_a_version_through_the_link(org, officer, client):
    evaluation, _ = approved(org, officer)
    invite = vendor_invite(evaluation)
    url = reverse("portal_model_version", args=[invite.token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Report a new model version" in page.content.decode()
    response = client.post(url, {"version": "3.0", "within_pccp": "no", "release_notes": "Retrained."})
    assert response.status_code == 302
    version = ModelVersion.objects.get(version="3.0")
    assert (version.reported_by_contact, version.action) == (invite.contact, "reassessment_opened")
    followed = client.get(url).content.decode()
    assert "opened a re-assessment" in followed
    bad = client.post(url, {"version": "", "within_pccp": "no"})
    assert bad.status_code == 200
    assert "version" in bad.context["form"].errors


def test_a_delegate_cannot_report_versions(org, officer, client):
    evaluation, _ = approved(org, officer)
    invite = vendor_invite(evaluation)
    from tests.factories import InviteFactory

    delegate = InviteFactory(evaluation=evaluation, delegated_from=invite, sections=["evidence"])
    response = client.post(
        reverse("portal_model_version", args=[delegate.token]), {"version": "3", "within_pccp": "no"}
    )
    assert response.status_code == 404
    assert not ModelVersion.objects.filter(version="3").exists()


def test_the_webhook_hook_is_called_once_after_the_commit(
    org, officer, monkeypatch, django_capture_on_commit_callbacks
):
    from procurement.services import reassessment

    emitted = []
    monkeypatch.setattr(
        reassessment, "emit_model_version_reported", lambda *, model_version: emitted.append(model_version)
    )
    evaluation, _ = approved(org, officer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = report(evaluation.product, vendor_invite(evaluation).contact, within_pccp="no")
    assert emitted == []
    for callback in callbacks:
        callback()
    assert emitted == [version]


def test_product_page_shows_findings_after_approval_and_open_remediation_items(org, officer, officer_client):
    from procurement.models import RemediationItem
    from procurement.services.evidence_expiry import product_findings_refresh
    from tests.factories import EvidenceFileFactory

    evaluation, _ = approved(org, officer)
    expired = EvidenceFileFactory(
        evaluation=evaluation, expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    product_findings_refresh()
    RemediationItem.objects.create(
        organization=org,
        evaluation=evaluation,
        product=evaluation.product,
        source="finding",
        finding_code="baa.breach_notice",
        title="Breach notice within 60 days",
        side="vendor",
        due_date=datetime.date(2031, 1, 31),
    )
    RemediationItem.objects.create(
        organization=org,
        evaluation=evaluation,
        product=evaluation.product,
        source="finding",
        finding_code="done",
        title="Already accepted",
        side="vendor",
        status="accepted",
    )
    response = officer_client.get(reverse("product_detail", args=[evaluation.product.public_id]))
    page = response.content.decode()
    (finding,) = response.context["product_findings"]
    assert finding.evidence == expired
    assert f'data-finding="{finding.public_id}"' in page
    assert [item.title for item in response.context["remediation_items"]] == ["Breach notice within 60 days"]
    assert "Breach notice within 60 days" in page
    assert "Already accepted" not in page
