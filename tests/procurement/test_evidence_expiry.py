"""Evidence over time: expiry reminders at 60, 30 and 7 days, once each, and the product finding an
expired document raises on an approved product until a newer document replaces it."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from procurement import tasks
from procurement.models import AuditEvent, Evaluation, Notification, ProductFinding, ReminderLog
from procurement.services.evidence_expiry import (
    current_approvals,
    evidence_expiry_reminders_send,
    expiry_reminder_kind,
    product_findings_refresh,
)
from tests.factories import EvaluationFactory, EvidenceFileFactory, InviteFactory

pytestmark = pytest.mark.django_db
S, D = Evaluation.Status, Evaluation.Decision
TODAY = datetime.date(2030, 3, 10)
DAY = datetime.timedelta(days=1)


def approved(org, officer, decision=D.APPROVED, **kwargs):
    return EvaluationFactory(
        organization=org,
        owner=officer,
        status=S.DECIDED,
        decision=decision,
        decided_at=timezone.now() - datetime.timedelta(days=30),
        **kwargs,
    )


@pytest.fixture
def evaluation(org, officer):
    evaluation = approved(org, officer)
    InviteFactory(evaluation=evaluation, contact__email="vendor@acme.example")
    return evaluation


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(61, None), (60, "expiry_60"), (59, "expiry_60"), (30, "expiry_30"), (8, "expiry_30"), (7, "expiry_7"),
     (0, "expiry_7"), (-1, None)],
)  # fmt: skip
def test_the_reminder_due_is_the_closest_threshold_reached(days_left, expected):
    assert expiry_reminder_kind(TODAY + days_left * DAY, TODAY, (60, 30, 7)) == expected


def test_61_60_and_59_days_before_expiry_remind_once_at_60(evaluation, officer):
    evidence = EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY + 60 * DAY)
    assert evidence_expiry_reminders_send(today=TODAY - DAY) == 0
    assert mail.outbox == []

    assert evidence_expiry_reminders_send(today=TODAY) == 2
    assert sorted(ReminderLog.objects.values_list("evidence_id", "kind", "due_date", "recipient")) == [
        (evidence.pk, "expiry_60", evidence.expires_on, officer.email),
        (evidence.pk, "expiry_60", evidence.expires_on, "vendor@acme.example"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer.email, "vendor@acme.example"])
    assert mail.outbox[0].subject == (
        f"Evidence expiring: {evidence.original_name} for {evaluation.product} (expires 2030-05-09)"
    )
    assert "in 60 days" in mail.outbox[0].body

    assert evidence_expiry_reminders_send(today=TODAY + DAY) == 0
    assert evidence_expiry_reminders_send(today=TODAY) == 0
    assert len(mail.outbox) == 2
    [note] = Notification.objects.filter(recipient=officer)
    assert note.kind == Notification.Kind.EVIDENCE_EXPIRING
    assert note.message == (
        f"{evidence.original_name} ({evidence.question.key}) for {evaluation.product} expires on 2030-05-09."
    )
    assert note.link == evaluation.get_absolute_url()


def test_each_threshold_reminds_once_more(evaluation, officer):
    evidence = EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY + 60 * DAY)
    sent = [evidence_expiry_reminders_send(today=evidence.expires_on - n * DAY) for n in range(60, -2, -1)]
    assert sum(sent) == 6
    assert sorted(set(ReminderLog.objects.values_list("kind", flat=True))) == [
        "expiry_30",
        "expiry_60",
        "expiry_7",
    ]
    assert Notification.objects.filter(recipient=officer).count() == 3


def test_live_evaluations_are_watched_and_drafts_rejections_and_removed_files_are_not(org, officer):
    live = EvaluationFactory(organization=org, owner=officer, status=S.IN_PROGRESS)
    watched = EvidenceFileFactory(evaluation=live, expires_on=TODAY + 7 * DAY)
    EvidenceFileFactory(
        evaluation=EvaluationFactory(organization=org, owner=officer, status=S.DRAFT), expires_on=TODAY
    )
    EvidenceFileFactory(evaluation=approved(org, officer, decision=D.REJECTED), expires_on=TODAY)
    EvidenceFileFactory(evaluation=live, expires_on=TODAY, removed_at=timezone.now())
    EvidenceFileFactory(evaluation=live)  # no expiry at all
    assert evidence_expiry_reminders_send(today=TODAY) == 1
    assert list(ReminderLog.objects.values_list("evidence_id", "kind")) == [(watched.pk, "expiry_7")]


def test_two_files_of_one_evaluation_expiring_the_same_day_are_each_reminded(evaluation):
    for _ in range(2):
        EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY + 30 * DAY)
    assert evidence_expiry_reminders_send(today=TODAY) == 4


def test_an_expired_document_on_an_approved_product_raises_one_audited_finding(evaluation):
    evidence = EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY - DAY)
    assert product_findings_refresh(today=TODAY) == (1, 0)
    [finding] = ProductFinding.objects.all()
    assert (finding.product, finding.evaluation, finding.evidence, finding.code, finding.severity) == (
        evaluation.product,
        evaluation,
        evidence,
        "evidence_expired",
        "high",
    )
    assert finding.title == f"{evidence.original_name} ({evidence.question.key}) expired on 2030-03-09"
    assert finding.resolved_at is None
    [event] = AuditEvent.objects.filter(kind=AuditEvent.Kind.EVIDENCE_EXPIRED)
    assert event.evaluation == evaluation
    assert event.data["file"] == str(evidence.public_id)
    # The next day's run raises nothing new.
    assert product_findings_refresh(today=TODAY + DAY) == (0, 0)
    assert ProductFinding.objects.count() == 1


def test_a_document_valid_through_today_raises_nothing(evaluation):
    EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY)
    assert product_findings_refresh(today=TODAY) == (0, 0)


def test_approved_with_conditions_counts_and_an_open_evaluation_does_not(org, officer):
    conditional = approved(org, officer, decision=D.APPROVED_WITH_CONDITIONS)
    EvidenceFileFactory(evaluation=conditional, expires_on=TODAY - DAY)
    live = EvaluationFactory(organization=org, owner=officer, status=S.UNDER_REVIEW)
    EvidenceFileFactory(evaluation=live, expires_on=TODAY - DAY)
    assert product_findings_refresh(today=TODAY) == (1, 0)
    assert ProductFinding.objects.get().evaluation == conditional


def test_a_newer_unexpired_document_resolves_the_finding(evaluation):
    expired = EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY - DAY)
    product_findings_refresh(today=TODAY)
    # A newer document for another question changes nothing.
    EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY + 365 * DAY)
    assert product_findings_refresh(today=TODAY) == (0, 0)
    renewed = EvidenceFileFactory(
        evaluation=evaluation, question=expired.question, expires_on=TODAY + 365 * DAY
    )
    assert product_findings_refresh(today=TODAY) == (0, 1)
    finding = ProductFinding.objects.get()
    assert finding.resolved_at is not None
    assert finding.resolved_by == renewed
    assert not ProductFinding.objects.open().exists()


def test_only_the_products_latest_decision_is_its_current_approval(org, officer, evaluation):
    EvidenceFileFactory(evaluation=evaluation, expires_on=TODAY - DAY)
    product_findings_refresh(today=TODAY)
    later = approved(org, officer, decision=D.REJECTED, product=evaluation.product)
    later.decided_at = timezone.now()
    later.save()
    assert current_approvals() == {}
    assert product_findings_refresh(today=TODAY) == (0, 1)


def test_the_daily_task_sends_reminders_and_raises_findings(evaluation):
    EvidenceFileFactory(evaluation=evaluation, expires_on=timezone.localdate() + 7 * DAY)
    EvidenceFileFactory(evaluation=evaluation, expires_on=timezone.localdate() - DAY)
    assert tasks.check_evidence_expiry() == {"reminders": 2, "raised": 1, "resolved": 0}
    assert tasks.check_evidence_expiry() == {"reminders": 0, "raised": 0, "resolved": 0}
