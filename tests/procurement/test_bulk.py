"""Acting on several evaluations from the list: the confirmation, each action, the summary, refusals."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import ROLE_PERMISSIONS, Role
from procurement.models import AuditEvent, Evaluation, Invite
from procurement.services.bulk import bulk_apply, bulk_plan
from tests.factories import EvaluationFactory, InviteFactory

pytestmark = pytest.mark.django_db
S = Evaluation.Status
OFFICER_PERMS = ROLE_PERMISSIONS[Role.OFFICER]
URL = "/evaluations/bulk/"


def _evaluation(org, name, status, **kwargs):
    return EvaluationFactory(
        organization=org, status=status, product__name=name, product__version="", **kwargs
    )


def _plan(org, action, evaluations, **kwargs):
    items = bulk_plan(
        organization=org,
        action=action,
        public_ids=[e.public_id for e in evaluations],
        perms=OFFICER_PERMS,
        **kwargs,
    )
    return [(i.evaluation.product.name, i.done, i.detail) for i in items]


def test_reminders_go_to_open_vendor_links_only_and_say_why_others_are_skipped(
    org, officer, django_capture_on_commit_callbacks
):
    sent = _evaluation(org, "Alpha", S.SENT, due_date=timezone.localdate() + datetime.timedelta(days=3))
    InviteFactory(evaluation=sent, contact__name="Dana", contact__email="dana@acme.example")
    InviteFactory(evaluation=sent, contact__name="Lee", revoked_at=timezone.now())
    submitted = _evaluation(org, "Bravo", S.SUBMITTED)
    InviteFactory(evaluation=submitted)
    draft = _evaluation(org, "Charlie", S.DRAFT)
    unlinked = _evaluation(org, "Delta", S.IN_PROGRESS)
    InviteFactory(evaluation=unlinked, expires_at=timezone.now() - datetime.timedelta(days=1))
    chosen = [sent, submitted, draft, unlinked]
    assert _plan(org, "remind", chosen) == [
        ("Alpha", True, "e-mail a reminder to Dana"),
        ("Bravo", False, "submitted: the vendor has nothing left to answer, no reminder"),
        ("Charlie", False, "not sent to the vendor yet: no reminder"),
        ("Delta", False, "no open vendor link: re-send the invites instead"),
    ]
    assert mail.outbox == []  # planning writes and sends nothing
    results = bulk_apply(
        organization=org,
        action="remind",
        public_ids=[e.public_id for e in chosen],
        user=officer,
        perms=OFFICER_PERMS,
    )
    assert next((r.evaluation.product.name, r.done, r.detail) for r in results) == (
        "Alpha",
        True,
        "reminder e-mailed to 1 contact",
    )
    assert [m.to for m in mail.outbox] == [["dana@acme.example"]]
    assert mail.outbox[0].subject.startswith("Reminder: due-diligence questionnaire for Alpha (due ")
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REMINDER_SENT)
    assert (event.evaluation, event.actor_user, event.summary) == (
        sent,
        officer,
        "Reminder e-mailed to 1 vendor contact",
    )


def test_resending_invites_replaces_every_live_link_of_each_evaluation(
    org, officer, django_capture_on_commit_callbacks
):
    sent = _evaluation(org, "Alpha", S.SENT)
    first, second = InviteFactory(evaluation=sent), InviteFactory(evaluation=sent)
    revoked = InviteFactory(evaluation=sent, revoked_at=timezone.now())
    decided = _evaluation(org, "Bravo", S.DECIDED)
    InviteFactory(evaluation=decided)
    never = _evaluation(org, "Charlie", S.DRAFT)
    assert _plan(org, "resend", [sent, decided, never]) == [
        ("Alpha", True, "e-mail 2 new links; the previous links stop working"),
        ("Bravo", False, "decided: closed to the vendor, no invite re-sent"),
        ("Charlie", False, "no invite to re-send (none sent, or all revoked)"),
    ]
    old = {i.pk: i.token_hash for i in (first, second, revoked)}
    with django_capture_on_commit_callbacks(execute=True):
        results = bulk_apply(
            organization=org,
            action="resend",
            public_ids=[sent.public_id, decided.public_id, never.public_id],
            user=officer,
            perms=OFFICER_PERMS,
        )
    assert [(r.done, r.detail) for r in results] == [
        (True, "2 new links e-mailed"),
        (False, "decided: closed to the vendor, no invite re-sent"),
        (False, "no invite to re-send (none sent, or all revoked)"),
    ]
    hashes = {i.pk: i.token_hash for i in Invite.objects.filter(pk__in=old)}
    assert hashes[first.pk] != old[first.pk]
    assert hashes[second.pk] != old[second.pk]
    assert hashes[revoked.pk] == old[revoked.pk]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.contact.email, second.contact.email])
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITE_SENT, evaluation=sent).count() == 2


def test_extending_due_dates_moves_each_date_and_its_open_links_and_never_shortens(org, officer):
    today = timezone.localdate()
    new_date = today + datetime.timedelta(days=60)
    early = _evaluation(org, "Alpha", S.SENT, due_date=today + datetime.timedelta(days=5))
    link = InviteFactory(evaluation=early, expires_at=timezone.now() + datetime.timedelta(days=10))
    later = _evaluation(org, "Bravo", S.SENT, due_date=today + datetime.timedelta(days=90))
    undated = _evaluation(org, "Charlie", S.DRAFT)
    decided = _evaluation(org, "Delta", S.DECIDED, due_date=today)
    chosen = [early, later, undated, decided]
    assert _plan(org, "extend", chosen, due_date=new_date) == [
        (
            "Alpha",
            True,
            f"move the due date from {early.due_date:%Y-%m-%d} to {new_date:%Y-%m-%d} "
            "and extend the open vendor links",
        ),
        ("Bravo", False, f"already due on {later.due_date:%Y-%m-%d}: due dates are only extended"),
        (
            "Charlie",
            True,
            f"move the due date from none to {new_date:%Y-%m-%d} and extend the open vendor links",
        ),
        ("Delta", False, "decided: the due date no longer matters"),
    ]
    bulk_apply(
        organization=org,
        action="extend",
        public_ids=[e.public_id for e in chosen],
        user=officer,
        perms=OFFICER_PERMS,
        due_date=new_date,
    )
    for evaluation in chosen:
        evaluation.refresh_from_db()
    assert [e.due_date for e in chosen] == [new_date, later.due_date, new_date, today]
    link.refresh_from_db()
    assert timezone.localtime(link.expires_at).date() > new_date
    assert AuditEvent.objects.filter(evaluation=early, summary__startswith="Due date changed").count() == 1


def test_archiving_moves_what_the_workflow_allows(org, officer):
    draft = _evaluation(org, "Alpha", S.DRAFT)
    submitted = _evaluation(org, "Bravo", S.SUBMITTED)
    archived = _evaluation(org, "Charlie", S.ARCHIVED)
    assert _plan(org, "archive", [draft, submitted, archived]) == [
        ("Alpha", True, "move from draft to archived"),
        ("Bravo", False, "submitted: only drafts, open and decided evaluations can be archived"),
        ("Charlie", False, "already archived"),
    ]
    bulk_apply(
        organization=org,
        action="archive",
        public_ids=[draft.public_id, submitted.public_id],
        user=officer,
        perms=OFFICER_PERMS,
    )
    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert (draft.status, submitted.status) == (S.ARCHIVED, S.SUBMITTED)
    assert draft.status_changes.get().actor == officer


def test_an_evaluation_that_changed_after_the_confirmation_is_skipped_with_the_reason(org, officer):
    draft = _evaluation(org, "Alpha", S.DRAFT)
    other = _evaluation(org, "Bravo", S.DRAFT)
    assert [done for _n, done, _d in _plan(org, "archive", [draft, other])] == [True, True]
    Evaluation.objects.filter(pk=other.pk).update(status=S.SUBMITTED)  # meanwhile, elsewhere
    results = bulk_apply(
        organization=org,
        action="archive",
        public_ids=[draft.public_id, other.public_id],
        user=officer,
        perms=OFFICER_PERMS,
    )
    assert [(r.done, r.detail) for r in results] == [
        (True, "archived"),
        (False, "submitted: only drafts, open and decided evaluations can be archived"),
    ]


def test_another_organizations_ids_are_ignored(org, other_org, officer):
    mine = _evaluation(org, "Alpha", S.DRAFT)
    theirs = _evaluation(other_org, "Bravo", S.DRAFT)
    results = bulk_apply(
        organization=org,
        action="archive",
        public_ids=[mine.public_id, theirs.public_id],
        user=officer,
        perms=OFFICER_PERMS,
    )
    assert [r.evaluation for r in results] == [mine]
    theirs.refresh_from_db()
    assert theirs.status == S.DRAFT


# Through the list -----------------------------------------------------------------------------


def test_officer_confirms_then_sees_the_summary(officer_client, org):
    draft = _evaluation(org, "Alpha", S.DRAFT)
    submitted = _evaluation(org, "Bravo", S.SUBMITTED)
    data = {
        "action": "archive",
        "evaluations": [draft.public_id, submitted.public_id],
        "query": "status=draft",
    }
    confirmation = officer_client.post(URL, data)
    body = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "Of the 2 selected evaluations, 1 will be changed and 1 skipped." in body
    assert "Move from draft to archived" in body
    assert "Submitted: only drafts, open and decided evaluations can be archived" in body
    draft.refresh_from_db()
    assert draft.status == S.DRAFT  # nothing happens before the confirmation
    summary = officer_client.post(URL, {**data, "confirmed": "on"})
    body = summary.content.decode()
    assert "1 done, 1 skipped." in body
    assert 'href="/evaluations/?status=draft">Back to the list' in body
    draft.refresh_from_db()
    assert draft.status == S.ARCHIVED


def test_nothing_selected_or_no_date_is_shown_on_the_list_with_the_selection_kept(officer_client, org):
    evaluation = _evaluation(org, "Alpha", S.SENT)
    response = officer_client.post(
        URL, {"action": "extend", "evaluations": [evaluation.public_id], "due_date": ""}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        '<div class="invalid-feedback" id="bulk-due-date-error">Enter the new due date as YYYY-MM-DD.</div>'
        in body
    )
    assert f'value="{evaluation.public_id}" id="select-{evaluation.public_id}"' in body
    assert f'aria-label="Select Alpha ({evaluation.product.vendor.legal_name})" checked' in body
    response = officer_client.post(URL, {"action": "archive"})
    assert "Select at least one evaluation." in response.content.decode()
    past = officer_client.post(
        URL, {"action": "extend", "evaluations": [evaluation.public_id], "due_date": "2001-01-01"}
    )
    assert "The new due date cannot be in the past." in past.content.decode()


def test_reviewers_may_not_act_in_bulk_nor_see_the_checkboxes(reviewer_client, org):
    draft = _evaluation(org, "Alpha", S.DRAFT)
    response = reviewer_client.post(
        URL, {"action": "archive", "evaluations": [draft.public_id], "confirmed": "on"}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert 'name="evaluations"' not in reviewer_client.get(reverse("evaluation_list")).content.decode()


def test_bulk_refuses_get_and_anonymous(client, officer_client):
    assert officer_client.get(URL).status_code == 405
    response = client.post(URL, {"action": "archive"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_export_of_the_selection_as_csv_and_xlsx(officer_client, org, other_org):
    mine = _evaluation(org, "=Alpha", S.SUBMITTED, risk_tier="high", overall_score=62.5)
    theirs = _evaluation(other_org, "Bravo", S.DRAFT)
    data = {"evaluations": [mine.public_id, theirs.public_id], "format": "csv"}
    response = officer_client.post(reverse("evaluations_export"), data)
    assert response["Content-Disposition"].startswith('attachment; filename="evaluations-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Product", "Version", "Vendor", "Questionnaire", "Status"]
    assert len(rows) == 2  # the other organization's evaluation is not exported
    assert rows[1][0] == "'=Alpha"  # never evaluated as a formula
    assert rows[1][4] == "Submitted"
    assert rows[1][8] == "62.5"
    assert rows[1][9] == "High"
    xlsx = officer_client.post(reverse("evaluations_export"), {**data, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][:5] == [
        "'=Alpha",
        None,
        mine.product.vendor.legal_name,
        f"{mine.template.name} v{mine.template.version}",
        "Submitted",
    ]


def test_export_with_nothing_selected_goes_back_with_a_message(officer_client, reviewer_client, org):
    response = officer_client.post(
        reverse("evaluations_export"), {"format": "csv", "query": "status=sent"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/evaluations/?status=sent"
    assert "Select at least one evaluation to export." in response.content.decode()
    assert reviewer_client.post(reverse("evaluations_export"), {"format": "csv"}).status_code == 403
