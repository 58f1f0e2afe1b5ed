"""Remediation over the API: officers open, change and write; the vendor reads and answers, never a note."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import AuditEvent, RemediationItem
from procurement.services import remediation as services
from tests.api.conftest import api_client, token_for
from tests.procurement.remediation_setup import remediation_setup

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def setup(org, officer):
    return remediation_setup(org, officer)


@pytest.fixture
def vendor_client(setup):
    return api_client(setup.invite.token, scheme="Invite")


def _base(setup):
    return f"/api/v1/evaluations/{setup.evaluation.public_id}/remediation/"


def test_the_officer_opens_an_item_by_finding_code_and_changes_it(setup, officer_api, reviewer):
    created = officer_api.post(
        _base(setup), {"findings": ["bias.no_subgroup_metrics"], "due_date": "2027-02-01"}, format="json"
    )
    assert created.status_code == 201, created.json()
    [body] = created.json()
    assert (body["title"], body["side"], body["status"], body["due_date"], body["blocking"]) == (
        "No subgroup performance reported",
        "vendor",
        "open",
        "2027-02-01",
        True,
    )
    item_url = f"{_base(setup)}{body['id']}/"
    patched = officer_api.patch(item_url, {"side": "buyer", "owner": reviewer.username}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["side"], patched.json()["owner"]) == ("buyer", reviewer.username)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REMEDIATION_UPDATED).count() == 1
    listed = officer_api.get(_base(setup)).json()
    assert [i["id"] for i in listed] == [body["id"]]


def test_bad_input_answers_with_the_field_path(setup, officer_api):
    response = officer_api.post(_base(setup), {"findings": ["nope"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "findings[0]", "message": "No such finding in the latest scoring.", "code": "invalid"}
    ]
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=setup.evaluation.owner
    )
    waived = officer_api.post(f"{_base(setup)}{item.public_id}/status/", {"status": "waived"}, format="json")
    assert waived.status_code == 400
    assert waived.json()["errors"][0]["path"] == "justification"


def test_the_vendor_lists_and_answers_without_ever_seeing_internal_notes(
    setup, officer_api, vendor_client, officer
):
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer
    )
    officer_api.post(
        f"{_base(setup)}{item.public_id}/messages/",
        {"body": "SECRET internal", "internal": True},
        format="json",
    )
    officer_api.post(
        f"{_base(setup)}{item.public_id}/messages/", {"body": "Send the table please."}, format="json"
    )

    listed = vendor_client.get("/api/v1/vendor/remediation/")
    assert listed.status_code == 200
    assert "SECRET" not in listed.content.decode()
    assert "internal" not in listed.content.decode()
    [row] = listed.json()
    assert [m["body"] for m in row["messages"]] == ["Send the table please."]

    reply = vendor_client.post(
        f"/api/v1/vendor/remediation/{item.public_id}/reply/",
        {"body": "Attached.", "file": SimpleUploadedFile("table.pdf", PDF)},
        format="multipart",
    )
    assert reply.status_code == 201, reply.json()
    assert reply.json()["file"]["name"] == "table.pdf"
    item.refresh_from_db()
    assert item.status == RemediationItem.Status.VENDOR_RESPONDED

    thread = officer_api.get(f"{_base(setup)}{item.public_id}/messages/").json()
    assert [(m["body"], m["internal"], m["from_vendor"]) for m in thread] == [
        ("SECRET internal", True, False),
        ("Send the table please.", False, False),
        ("Attached.", False, True),
    ]
    accepted = officer_api.post(
        f"{_base(setup)}{item.public_id}/status/", {"status": "accepted"}, format="json"
    )
    assert accepted.json()["status"] == "accepted"
    closed = vendor_client.post(
        f"/api/v1/vendor/remediation/{item.public_id}/reply/", {"body": "More"}, format="json"
    )
    assert closed.status_code == 400
    assert closed.json()["errors"][0]["path"] == ""


def test_another_organization_gets_404(setup, officer, outsider):
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer
    )
    client = api_client(token_for(outsider))
    assert client.get(_base(setup)).status_code == 404
    assert client.get(f"{_base(setup)}{item.public_id}/").status_code == 404
    assert (
        client.post(
            f"{_base(setup)}{item.public_id}/status/", {"status": "accepted"}, format="json"
        ).status_code
        == 404
    )


def test_a_vendor_token_of_another_evaluation_cannot_answer(setup, officer, org):
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer
    )
    other = remediation_setup(org, officer)
    client = api_client(other.invite.token, scheme="Invite")
    assert client.get("/api/v1/vendor/remediation/").json() == []
    response = client.post(
        f"/api/v1/vendor/remediation/{item.public_id}/reply/", {"body": "x"}, format="json"
    )
    assert response.status_code == 404


def test_the_compliance_lead_may_write_but_not_change_the_status(setup, officer, compliance_lead):
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer
    )
    client = api_client(token_for(compliance_lead))
    assert (
        client.post(
            f"{_base(setup)}{item.public_id}/status/", {"status": "accepted"}, format="json"
        ).status_code
        == 403
    )
    note = client.post(
        f"{_base(setup)}{item.public_id}/messages/", {"body": "Looks fine", "internal": True}, format="json"
    )
    assert note.status_code == 201
