"""The vendor side of the API: an invite token reads, answers, uploads evidence and submits."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from procurement.models import Answer, AuditEvent, Evaluation, EvidenceFile
from tests.api.conftest import api_client
from tests.factories import AnswerFactory, ClarificationRequestFactory, EvaluationFactory, InviteFactory
from tests.procurement.conftest import build_questionnaire

S = Evaluation.Status
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _put(client, key, value=None, *, version=0, na=False):
    return client.put(
        f"/api/v1/vendor/answers/{key}/",
        {"value": value, "version": version, "not_applicable": na},
        format="json",
    )


def test_questionnaire_shows_questions_answers_versions_and_visibility(vendor_api, evaluation, questions):
    AnswerFactory(evaluation=evaluation, question=questions.phi, value="yes", version=3)
    response = vendor_api.get("/api/v1/vendor/questionnaire/")
    assert response.status_code == 200
    body = response.json()
    assert body["evaluation"]["id"] == str(evaluation.public_id)
    first = body["sections"][0]["questions"]
    by_key = {q["key"]: q for q in first}
    assert by_key["use.processes_phi"]["value"] == "yes"
    assert by_key["use.processes_phi"]["version"] == 3
    assert by_key["deid.safe_harbor.full_zip"]["visible"] is False
    assert "guidance" not in by_key["use.processes_phi"]
    assert "scoring" not in by_key["use.processes_phi"]
    assert "use.processes_phi" not in body["progress"]["missing"]


def test_put_an_answer_then_a_stale_version_is_a_409_with_the_stored_answer(
    vendor_api, evaluation, questions
):
    response = _put(vendor_api, "use.processes_phi", "yes", version=0)
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 1
    evaluation.refresh_from_db()
    assert evaluation.status == S.IN_PROGRESS
    conflict = _put(vendor_api, "use.processes_phi", "no", version=0)
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["errors"][0]["code"] == "conflict"
    assert body["answer"]["value"] == "yes"
    assert body["answer"]["version"] == 1
    assert Answer.objects.get(question=questions.phi).value == "yes"
    assert _put(vendor_api, "use.processes_phi", "no", version=1).json()["version"] == 2


def test_an_answer_save_is_audited_with_the_contact(vendor_api, invite, questions):
    _put(vendor_api, "baa.breach_notice_days", 30)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ANSWER_CHANGED)
    assert event.actor_contact == invite.contact
    assert event.data["new"] == 30


def test_invalid_values_are_400_with_the_field(vendor_api, questions):
    response = _put(vendor_api, "baa.breach_notice_days", 9999)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "value", "message": "The answer must be between 0 and 365 days.", "code": "max"}
    ]
    table = _put(vendor_api, "bias.subgroup_table", [{"subgroup": "Women", "n": "many"}])
    assert table.status_code == 400
    assert table.json()["errors"][0]["path"] == "value"
    assert _put(vendor_api, "use.processes_phi", na=True).json()["errors"][0]["path"] == "not_applicable"
    missing_version = vendor_api.put(
        "/api/v1/vendor/answers/use.processes_phi/", {"value": "yes"}, format="json"
    )
    assert missing_version.json()["errors"][0]["path"] == "version"
    assert not Answer.objects.exists()


def test_unknown_question_key_is_404(vendor_api, questions):
    assert _put(vendor_api, "no.such.key", "yes").status_code == 404


def test_during_clarification_only_reopened_questions_change(vendor_api, evaluation, questions):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.CHANGES_REQUESTED)
    ClarificationRequestFactory(evaluation=evaluation, question=questions.days)
    response = _put(vendor_api, "use.processes_phi", "yes")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "path": "",
        "message": "Only the questions the reviewers asked about can be changed now.",
        "code": "not_reopened",
    }
    assert _put(vendor_api, "baa.breach_notice_days", 10).status_code == 200


def test_upload_evidence_with_the_portal_checks(vendor_api, questions):
    url = "/api/v1/vendor/answers/security.soc2_type2/evidence/"
    upload = SimpleUploadedFile("soc2.pdf", PDF, content_type="application/pdf")
    response = vendor_api.post(url, {"file": upload, "expires_on": "2031-01-01"}, format="multipart")
    assert response.status_code == 201, response.json()
    evidence = EvidenceFile.objects.get()
    assert response.json()["sha256"] == evidence.sha256
    assert evidence.expires_on == datetime.date(2031, 1, 1)
    fake = SimpleUploadedFile("soc2.pdf", b"MZ\x90\x00 definitely not a pdf", content_type="application/pdf")
    refused = vendor_api.post(url, {"file": fake}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["path"] == "file"
    assert EvidenceFile.objects.count() == 1
    no_docs = vendor_api.post(
        "/api/v1/vendor/answers/use.processes_phi/evidence/",
        {"file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )
    assert no_docs.status_code == 400


def test_submit_lists_missing_keys_then_submits(vendor_api, evaluation, questions):
    response = vendor_api.post("/api/v1/vendor/submit/")
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert "answers.use.processes_phi" in paths
    assert all(e["code"] == "missing" for e in response.json()["errors"])
    _put(vendor_api, "use.processes_phi", "no")
    _put(vendor_api, "deid.method_training", "unknown")
    _put(vendor_api, "baa.breach_notice_days", 30)
    _put(vendor_api, "bias.subgroup_table", [{"subgroup": "Women", "n": "120"}])
    vendor_api.post(
        "/api/v1/vendor/answers/security.soc2_type2/evidence/",
        {"file": SimpleUploadedFile("soc2.pdf", PDF)},
        format="multipart",
    )
    response = vendor_api.post("/api/v1/vendor/submit/")
    assert response.status_code == 200, response.json()
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED
    locked = _put(vendor_api, "baa.breach_notice_days", 31, version=1)
    assert locked.status_code == 400
    assert locked.json()["errors"][0]["code"] == "locked"


def test_a_token_opens_its_own_evaluation_only(vendor_api, invite, org, questions):
    other = EvaluationFactory(organization=org, status=S.SENT)
    other_questions = build_questionnaire(other)
    other_invite = InviteFactory(evaluation=other)
    assert vendor_api.get("/api/v1/vendor/questionnaire/").json()["evaluation"]["id"] == str(
        invite.evaluation.public_id
    )
    _put(vendor_api, "use.processes_phi", "yes")
    assert not Answer.objects.filter(evaluation=other).exists()
    other_client = api_client(other_invite.token, scheme="Invite")
    assert other_client.get("/api/v1/vendor/questionnaire/").json()["evaluation"]["id"] == str(
        other.public_id
    )
    assert Answer.objects.filter(question=other_questions.phi).count() == 0


def test_revoked_and_expired_invites_are_refused(invite, questions):
    client = api_client(invite.token, scheme="Invite")
    invite.revoked_at = timezone.now()
    invite.save()
    assert client.get("/api/v1/vendor/questionnaire/").status_code == 401
    fresh = InviteFactory(
        evaluation=invite.evaluation, expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert api_client(fresh.token, scheme="Invite").get("/api/v1/vendor/questionnaire/").status_code == 401


def test_vendor_endpoints_are_throttled_per_address(vendor_api, settings, questions):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "vendor": "3/min"}
    codes = [vendor_api.get("/api/v1/vendor/questionnaire/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_every_use_of_the_invite_is_logged(vendor_api, invite):
    vendor_api.get("/api/v1/vendor/questionnaire/")
    assert invite.uses.count() == 1
    assert invite.token not in invite.uses.get().path


def test_the_questionnaire_lists_uploaded_evidence(vendor_api, questions):
    url = "/api/v1/vendor/answers/security.soc2_type2/evidence/"
    upload = SimpleUploadedFile("soc2.pdf", PDF, content_type="application/pdf")
    assert vendor_api.post(url, {"file": upload}, format="multipart").status_code == 201
    response = vendor_api.get("/api/v1/vendor/questionnaire/")
    assert response.status_code == 200
    files = [
        f
        for section in response.json()["sections"]
        for q in section["questions"]
        if q["key"] == "security.soc2_type2"
        for f in q["files"]
    ]
    assert [f["name"] for f in files] == ["soc2.pdf"]
    assert files[0]["sha256"] == EvidenceFile.objects.get().sha256
