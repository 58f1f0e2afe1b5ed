"""Remediation items: the model's transitions, the services' rows, audit and notifications, the lift."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement.models import (
    AuditEvent,
    DecisionCondition,
    Evaluation,
    Notification,
    RemediationItem,
    RemediationMessage,
)
from procurement.services import remediation as services
from procurement.services.reviews import condition_complete, decision_record
from tests.factories import DecisionConditionFactory
from tests.procurement.remediation_setup import remediation_setup

R = RemediationItem.Status
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def setup(org, officer):
    return remediation_setup(org, officer)


def _item(setup, officer, **kwargs):
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer, **kwargs
    )
    return item


def kinds(evaluation):
    return list(AuditEvent.objects.filter(evaluation=evaluation).values_list("kind", flat=True))


# ---- The model's transitions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "allowed"),
    [
        (R.OPEN, {R.VENDOR_RESPONDED, R.ACCEPTED, R.WAIVED}),
        (R.VENDOR_RESPONDED, {R.ACCEPTED, R.REJECTED, R.WAIVED}),
        (R.REJECTED, {R.VENDOR_RESPONDED, R.ACCEPTED, R.WAIVED}),
        (R.ACCEPTED, {R.OPEN}),
        (R.WAIVED, {R.OPEN}),
    ],
)
def test_the_model_owns_the_transitions(start, allowed):
    item = RemediationItem(status=start, side=RemediationItem.Side.VENDOR)
    assert item.allowed_transitions() == allowed
    for target in set(R.values) - allowed:
        with pytest.raises(ValidationError):
            item.check_transition(target, justification="because")


def test_waiving_needs_a_justification_and_vendor_response_needs_the_vendor_side():
    item = RemediationItem(status=R.OPEN, side=RemediationItem.Side.BUYER)
    with pytest.raises(ValidationError) as waived:
        item.check_transition(R.WAIVED, justification="  ")
    assert waived.value.message_dict == {"justification": ["Say why the item is waived."]}
    with pytest.raises(ValidationError):
        item.check_transition(R.VENDOR_RESPONDED)


# ---- Opening ----------------------------------------------------------------------------------


def test_an_item_from_a_finding_snapshots_it_audits_notifies_and_mails_the_vendor(
    setup, officer, django_capture_on_commit_callbacks
):
    due = timezone.localdate() + datetime.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        item = _item(setup, officer, due_date=due)
    assert (item.source, item.finding_code, item.side, item.status, item.blocking) == (
        "finding",
        "bias.no_subgroup_metrics",
        "vendor",
        "open",
        True,
    )
    assert item.title == "No subgroup performance reported"
    assert item.description == "Provide sensitivity and specificity by subgroup."
    assert item.finding_snapshot["detail"] == "The vendor reports no performance by age, sex or ethnicity."
    assert item.product_id == setup.evaluation.product_id
    [event] = AuditEvent.objects.filter(kind=AuditEvent.Kind.REMEDIATION_OPENED)
    assert event.summary == "Remediation item opened (vendor side): No subgroup performance reported"
    assert [m.to for m in mail.outbox] == [["vendor@acme.example"]]
    assert "No subgroup performance reported" in mail.outbox[0].subject
    assert "/v/" not in mail.outbox[0].body  # never a token
    # The vendor's link stays open until the item's due date plus the grace days.
    setup.invite.refresh_from_db()
    assert setup.invite.expires_at.date() >= due


def test_a_finding_with_an_open_item_is_not_opened_twice(setup, officer):
    _item(setup, officer)
    with pytest.raises(ValidationError) as exc:
        _item(setup, officer)
    assert exc.value.message_dict == {
        "findings": ["Each chosen finding already has an open remediation item."]
    }
    assert RemediationItem.objects.count() == 1


def test_an_archived_evaluation_takes_no_remediation(org, officer):
    setup = remediation_setup(org, officer, status=Evaluation.Status.ARCHIVED)
    with pytest.raises(ValidationError):
        _item(setup, officer)


def test_a_decision_with_conditions_opens_one_blocking_item_per_condition(setup, officer, reviewer):
    due = timezone.localdate() + datetime.timedelta(days=30)
    decision_record(
        evaluation=setup.evaluation,
        decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS,
        rationale="Good, with two gaps.",
        user=officer,
        conditions=[
            {"description": "Sign the BAA", "owner": reviewer, "due_date": due},
            {"description": "Train staff"},
        ],
    )
    items = list(
        RemediationItem.objects.order_by("id").values_list(
            "title", "side", "owner", "due_date", "blocking", "source"
        )
    )
    assert items == [
        ("Sign the BAA", "buyer", reviewer.pk, due, True, "condition"),
        ("Train staff", "buyer", None, None, True, "condition"),
    ]


# ---- The vendor's answer and the officer's actions ---------------------------------------------


def test_the_vendor_answers_with_a_document_and_the_buyers_hear_of_it(setup, officer):
    item = _item(setup, officer)
    upload = SimpleUploadedFile("subgroups.pdf", PDF, content_type="application/pdf")
    message = services.remediation_vendor_respond(
        item=item, contact=setup.invite.contact, body="Attached: metrics by subgroup.", uploaded_file=upload
    )
    item.refresh_from_db()
    assert item.status == R.VENDOR_RESPONDED
    assert (message.author_contact, message.internal, message.file_name, message.status) == (
        setup.invite.contact,
        False,
        "subgroups.pdf",
        R.VENDOR_RESPONDED,
    )
    assert message.sha256
    assert message.size == len(PDF)
    assert kinds(setup.evaluation)[-2:] == [
        AuditEvent.Kind.REMEDIATION_MESSAGE,
        AuditEvent.Kind.REMEDIATION_UPDATED,
    ]
    assert list(Notification.objects.values_list("recipient", "kind")) == [(officer.pk, "remediation")]


def test_a_document_is_checked_by_its_content(setup, officer):
    item = _item(setup, officer)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.remediation_vendor_respond(
            item=item, contact=setup.invite.contact, body="", uploaded_file=fake
        )
    assert RemediationMessage.objects.count() == 0
    item.refresh_from_db()
    assert item.status == R.OPEN


def test_the_vendor_cannot_answer_a_closed_item_or_one_on_our_side(setup, officer):
    item = _item(setup, officer)
    services.remediation_decide(item=item, to_status=R.ACCEPTED, user=officer)
    with pytest.raises(ValidationError):
        services.remediation_vendor_respond(item=item, contact=setup.invite.contact, body="More")
    ours = RemediationItem.objects.create(
        organization=setup.evaluation.organization,
        evaluation=setup.evaluation,
        product=setup.evaluation.product,
        source="condition",
        title="Ours",
        side="buyer",
    )
    with pytest.raises(ValidationError):
        services.remediation_vendor_respond(item=ours, contact=setup.invite.contact, body="Hi")


def test_reject_needs_a_note_waive_a_justification(setup, officer):
    item = _item(setup, officer)
    services.remediation_vendor_respond(item=item, contact=setup.invite.contact, body="Done.")
    with pytest.raises(ValidationError) as rejected:
        services.remediation_decide(item=item, to_status=R.REJECTED, user=officer)
    assert rejected.value.message_dict == {"note": ["Tell the vendor what is still missing."]}
    services.remediation_decide(item=item, to_status=R.REJECTED, user=officer, note="Ethnicity is missing.")
    with pytest.raises(ValidationError):
        services.remediation_decide(item=item, to_status=R.WAIVED, user=officer)
    services.remediation_decide(
        item=item, to_status=R.WAIVED, user=officer, justification="Not collected locally."
    )
    item.refresh_from_db()
    assert (item.status, item.waive_justification) == (R.WAIVED, "Not collected locally.")
    assert item.closed_at is not None
    services.remediation_decide(item=item, to_status=R.OPEN, user=officer)
    item.refresh_from_db()
    assert (item.status, item.waive_justification, item.closed_at) == (R.OPEN, "", None)


def test_internal_notes_are_buyers_only(setup, officer):
    item = _item(setup, officer)
    note = services.remediation_message_post(
        item=item, body="Legal thinks this is weak.", user=officer, internal=True
    )
    assert note.internal is True
    with pytest.raises(IntegrityError), transaction.atomic():
        RemediationMessage.objects.create(
            organization=item.organization,
            item=item,
            author_contact=setup.invite.contact,
            internal=True,
            author_label="x",
        )


# ---- Lifting a conditional approval ------------------------------------------------------------


def _decide_with_conditions(setup, officer):
    decision_record(
        evaluation=setup.evaluation,
        decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS,
        rationale="Approved once subgroup metrics arrive.",
        user=officer,
        conditions=[{"description": "Sign the BAA"}],
    )


def test_closing_the_last_blocking_item_lifts_the_conditional_approval(setup, officer):
    _decide_with_conditions(setup, officer)
    finding_item = _item(setup, officer)
    [condition_item] = RemediationItem.objects.filter(source="condition")
    optional = RemediationItem.objects.create(
        organization=setup.evaluation.organization,
        evaluation=setup.evaluation,
        product=setup.evaluation.product,
        source="finding",
        finding_code="x",
        title="Nice to have",
        blocking=False,
    )

    services.remediation_decide(item=condition_item, to_status=R.ACCEPTED, user=officer)
    setup.evaluation.refresh_from_db()
    assert setup.evaluation.decision == Evaluation.Decision.APPROVED_WITH_CONDITIONS
    assert DecisionCondition.objects.get().completed_at is not None

    services.remediation_vendor_respond(item=finding_item, contact=setup.invite.contact, body="Here.")
    services.remediation_decide(item=finding_item, to_status=R.ACCEPTED, user=officer)
    setup.evaluation.refresh_from_db()
    assert setup.evaluation.decision == Evaluation.Decision.APPROVED
    assert setup.evaluation.decision_rationale == "Approved once subgroup metrics arrive."
    decisions = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.DECISION_RECORDED).values_list("summary", flat=True)
    )
    assert decisions == [
        "Decision: Approved with conditions (1 condition(s))",
        "Decision: Approved with conditions → Approved (every blocking remediation item closed)",
    ]
    assert services.lifted_at(setup.evaluation) is not None
    assert optional.status == R.OPEN  # a non-blocking item does not hold the lift back


def test_marking_a_condition_met_accepts_its_item_and_may_lift(setup, officer):
    _decide_with_conditions(setup, officer)
    condition = DecisionCondition.objects.get()
    condition_complete(condition=condition, user=officer)
    assert RemediationItem.objects.get().status == R.ACCEPTED
    setup.evaluation.refresh_from_db()
    assert setup.evaluation.decision == Evaluation.Decision.APPROVED


def test_an_open_condition_without_item_holds_the_lift(setup, officer):
    _decide_with_conditions(setup, officer)
    DecisionConditionFactory(evaluation=setup.evaluation, description="Older condition")
    [item] = RemediationItem.objects.all()
    services.remediation_decide(item=item, to_status=R.ACCEPTED, user=officer)
    setup.evaluation.refresh_from_db()
    assert setup.evaluation.decision == Evaluation.Decision.APPROVED_WITH_CONDITIONS


# ---- Reminders -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "kind"),
    [
        (10, None),
        (7, "due_7"),
        (3, "due_7"),
        (1, "due_1"),
        (0, "due_1"),
        (-1, "overdue"),
        (-6, "overdue"),
        (-7, "overdue_1"),
        (-15, "overdue_2"),
    ],
)
def test_reminder_thresholds(offset, kind):
    today = datetime.date(2026, 3, 10)
    assert services.remediation_reminder_kind(today + datetime.timedelta(days=offset), today) == kind


def test_reminders_go_once_per_threshold_to_the_right_people(setup, officer, reviewer, monkeypatch):
    today = timezone.localdate()
    vendor_item = _item(setup, officer, due_date=today + datetime.timedelta(days=7))
    ours = RemediationItem.objects.create(
        organization=setup.evaluation.organization,
        evaluation=setup.evaluation,
        product=setup.evaluation.product,
        source="condition",
        title="Sign the BAA",
        side="buyer",
        owner=reviewer,
        due_date=today - datetime.timedelta(days=1),
    )
    events = []
    monkeypatch.setattr(services, "remediation_overdue_event", lambda *, item: events.append(item.pk))
    mail.outbox.clear()

    assert services.remediation_send_reminders(today=today) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["vendor@acme.example", reviewer.email])
    assert services.remediation_send_reminders(today=today) == 0
    assert events == [ours.pk]
    # A day later nothing new; six days later the vendor's item is due tomorrow and ours is a week late.
    assert services.remediation_send_reminders(today=today + datetime.timedelta(days=1)) == 0
    assert services.remediation_send_reminders(today=today + datetime.timedelta(days=6)) == 2
    assert sorted(ours.reminders.values_list("kind", flat=True)) == ["overdue", "overdue", "overdue_1"]
    assert sorted(vendor_item.reminders.values_list("kind", flat=True)) == ["due_1", "due_7"]
    assert events == [ours.pk]
    # An answered item waits on us: no reminder to the vendor.
    services.remediation_vendor_respond(item=vendor_item, contact=setup.invite.contact, body="Done")
    assert services.remediation_send_reminders(today=today + datetime.timedelta(days=8)) == 0
