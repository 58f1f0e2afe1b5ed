"""Remediation on the evaluation page and in the vendor portal: what each side sees and may do."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import Evaluation, RemediationItem, RemediationMessage
from procurement.services import remediation as services
from tests.procurement.remediation_setup import remediation_setup

R = RemediationItem.Status
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def setup(org, officer):
    return remediation_setup(org, officer)


@pytest.fixture
def item(setup, officer):
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer
    )
    services.remediation_message_post(
        item=item, body="Internal: legal doubts their claim.", user=officer, internal=True
    )
    services.remediation_message_post(item=item, body="Please send the subgroup table.", user=officer)
    return item


def test_the_officer_opens_an_item_from_a_finding_on_the_evaluation_page(setup, officer_client):
    page = officer_client.get(setup.evaluation.get_absolute_url())
    assert b"Open remediation items from findings or conditions" in page.content
    response = officer_client.post(
        reverse("remediation_create", args=[setup.evaluation.public_id]),
        {"findings": [str(setup.finding.pk)], "side": "vendor", "blocking": "on", "due_date": "2027-01-31"},
    )
    assert response.status_code == 302
    item = RemediationItem.objects.get()
    assert (item.title, str(item.due_date), item.side) == (
        "No subgroup performance reported",
        "2027-01-31",
        "vendor",
    )
    page = officer_client.get(setup.evaluation.get_absolute_url())
    assert b"No subgroup performance reported" in page.content


def test_choosing_nothing_says_so_beside_the_form(setup, officer_client):
    response = officer_client.post(
        reverse("remediation_create", args=[setup.evaluation.public_id]), {"side": "vendor"}
    )
    assert response.status_code == 200
    assert b"Choose at least one finding or condition." in response.content
    assert RemediationItem.objects.count() == 0


def test_the_item_page_shows_the_thread_with_internal_notes_and_the_actions(item, officer_client):
    page = officer_client.get(item.get_absolute_url())
    assert page.status_code == 200
    assert b"Internal: legal doubts their claim." in page.content
    assert b"Internal note" in page.content
    assert b'value="accepted"' in page.content


def test_the_officer_accepts_and_waiving_without_reason_is_refused_beside_the_field(item, officer_client):
    url = reverse("remediation_status", args=[item.evaluation.public_id, item.public_id])
    refused = officer_client.post(url, {"to_status": "waived"})
    assert refused.status_code == 200
    assert b"Say why the item is waived." in refused.content
    assert officer_client.post(url, {"to_status": "accepted", "note": "Thanks"}).status_code == 302
    item.refresh_from_db()
    assert item.status == R.ACCEPTED


def test_an_htmx_message_returns_the_thread(item, officer_client):
    url = reverse("remediation_message", args=[item.evaluation.public_id, item.public_id])
    response = officer_client.post(
        url, {"body": "Reminder sent by phone.", "internal": "on"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b'id="remediation-thread"' in response.content
    assert b"<html" not in response.content
    assert RemediationMessage.objects.filter(internal=True).count() == 2


def test_another_organization_gets_404(item, outsider_client):
    evaluation = item.evaluation
    assert outsider_client.get(item.get_absolute_url()).status_code == 404
    for url in (
        reverse("remediation_status", args=[evaluation.public_id, item.public_id]),
        reverse("remediation_message", args=[evaluation.public_id, item.public_id]),
        reverse("remediation_create", args=[evaluation.public_id]),
    ):
        assert outsider_client.post(url, {"to_status": "accepted", "body": "x"}).status_code == 404, url
    item.refresh_from_db()
    assert item.status == R.OPEN


def test_the_reviewer_may_write_but_not_decide(item, reviewer_client):
    url = reverse("remediation_status", args=[item.evaluation.public_id, item.public_id])
    assert reviewer_client.post(url, {"to_status": "accepted"}).status_code == 403


# ---- The vendor portal ----------------------------------------------------------------------------


def test_the_vendor_sees_its_items_without_internal_notes(client, setup, item):
    page = client.get(reverse("portal_remediation", args=[setup.invite.token]))
    assert page.status_code == 200
    assert b"No subgroup performance reported" in page.content
    assert b"Please send the subgroup table." in page.content
    assert b"legal doubts" not in page.content
    assert b"Internal" not in page.content
    questionnaire = client.get(reverse("portal_questionnaire", args=[setup.invite.token]))
    assert b"Remediation (1)" in questionnaire.content


def test_the_vendor_replies_with_a_file_after_the_decision(client, setup, item, officer):
    evaluation = setup.evaluation
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.DECIDED, decision="approved_with_conditions"
    )
    url = reverse("portal_remediation_reply", args=[setup.invite.token, item.public_id])
    response = client.post(
        url,
        {f"r{item.pk}-body": "Table attached.", f"r{item.pk}-file": SimpleUploadedFile("table.pdf", PDF)},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == R.VENDOR_RESPONDED
    message = item.messages.get(author_contact=setup.invite.contact)
    assert message.file_name == "table.pdf"
    download = client.get(
        reverse("portal_remediation_file", args=[setup.invite.token, item.public_id, message.public_id])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_an_empty_reply_is_refused_beside_the_item(client, setup, item):
    url = reverse("portal_remediation_reply", args=[setup.invite.token, item.public_id])
    response = client.post(url, {f"r{item.pk}-body": ""})
    assert response.status_code == 200
    assert b"Write your answer or attach a document." in response.content


def test_the_vendor_cannot_fetch_an_internal_note_file_or_another_evaluations_item(
    client, setup, item, org, officer
):
    note = services.remediation_message_post(
        item=item,
        body="Our own scan",
        user=officer,
        internal=True,
        uploaded_file=SimpleUploadedFile("scan.pdf", PDF),
    )
    url = reverse("portal_remediation_file", args=[setup.invite.token, item.public_id, note.public_id])
    assert client.get(url).status_code == 404
    other = remediation_setup(org, officer)
    [foreign] = services.remediation_from_findings(
        evaluation=other.evaluation, findings=[other.finding], user=officer
    )
    reply = reverse("portal_remediation_reply", args=[setup.invite.token, foreign.public_id])
    assert client.post(reply, {f"r{foreign.pk}-body": "hi"}).status_code == 404


def test_my_tasks_lists_the_items_i_own_and_those_the_vendor_answered(
    setup, item, officer, officer_client, reviewer
):
    ours = RemediationItem.objects.create(
        organization=setup.evaluation.organization,
        evaluation=setup.evaluation,
        product=setup.evaluation.product,
        source="condition",
        title="Sign the BAA",
        side="buyer",
        owner=officer,
    )
    RemediationItem.objects.create(
        organization=setup.evaluation.organization,
        evaluation=setup.evaluation,
        product=setup.evaluation.product,
        source="condition",
        title="Someone else's",
        side="buyer",
        owner=reviewer,
    )
    services.remediation_vendor_respond(item=item, contact=setup.invite.contact, body="Done.")
    response = officer_client.get(reverse("my_tasks"))
    tasks = [t for t in response.context["worklist"].tasks if t.kind == "remediation"]
    assert sorted((t.title, t.detail) for t in tasks) == [
        ("No subgroup performance reported", "The vendor responded: accept or reject"),
        ("Sign the BAA", "Remediation item you own"),
    ]
    assert ours.get_absolute_url() in response.content.decode()
