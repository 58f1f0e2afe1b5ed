"""Evidence in an S3-compatible bucket (a real moto server): stored privately, verified on download."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import AuditEvent, EvidenceFile
from procurement.services.evidence import evidence_storage_name
from tests.factories import evidence_file_path, stored_evidence
from tests.procurement.conftest import portal_url

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
REFUSAL = "no longer matches the fingerprint (SHA-256) recorded when it was stored"


def _upload(client, invite, question, name: str, content: bytes):
    data = {f"q{question.pk}-file": SimpleUploadedFile(name, content)}
    return client.post(portal_url(invite, f"q/{question.key}/upload/"), data)


def _org_download(client, evidence):
    return client.get(f"/evaluations/{evidence.evaluation.public_id}/evidence/{evidence.public_id}/")


def _object(s3_server, bucket, key) -> bytes:
    return s3_server.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def test_an_upload_is_written_to_the_bucket_and_downloaded_through_the_app(
    s3_storage, s3_server, invite, questions, client, reviewer_client, settings
):
    assert _upload(client, invite, questions.report, "SOC 2 report.pdf", PDF).status_code == 302
    evidence = EvidenceFile.objects.get()
    key = evidence_storage_name(evidence.stored_name)
    assert _object(s3_server, s3_storage, key) == PDF
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    # Nothing went to the local folder the embedded default uses.
    assert not (settings.PRIVATE_STORAGE_ROOT / "evidence").exists()

    response = _org_download(reviewer_client, evidence)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="SOC 2 report.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.FILE_DOWNLOADED).count() == 1


def test_the_object_is_private_to_the_bucket_owner(s3_storage, s3_server, invite, questions, client):
    _upload(client, invite, questions.report, "report.pdf", PDF)
    key = evidence_storage_name(EvidenceFile.objects.get().stored_name)
    grants = s3_server.client().get_object_acl(Bucket=s3_storage, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert "URI" not in grants[0]["Grantee"]  # no AllUsers / AuthenticatedUsers group


def test_an_object_overwritten_in_the_bucket_is_refused_with_a_clear_message(
    s3_storage, s3_server, invite, questions, client, reviewer_client
):
    _upload(client, invite, questions.report, "report.pdf", PDF)
    evidence = EvidenceFile.objects.get()
    s3_server.client().put_object(
        Bucket=s3_storage, Key=evidence_storage_name(evidence.stored_name), Body=b"%PDF-1.7 forged\n%%EOF\n"
    )

    response = _org_download(reviewer_client, evidence)
    assert response.status_code == 409
    assert REFUSAL in response.content.decode()
    assert "Content-Disposition" not in response
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.FILE_DOWNLOADED).exists()

    portal = client.get(portal_url(invite, f"evidence/{evidence.public_id}/"))
    assert portal.status_code == 409
    assert REFUSAL in portal.content.decode()


def test_an_object_missing_from_the_bucket_is_not_found(
    s3_storage, s3_server, reviewer_client, invite, questions
):
    evidence = stored_evidence(PDF, evaluation=invite.evaluation, question=questions.report)
    s3_server.client().delete_object(Bucket=s3_storage, Key=evidence_storage_name(evidence.stored_name))
    assert _org_download(reviewer_client, evidence).status_code == 404


def test_an_upload_that_fails_to_be_recorded_leaves_no_object(
    s3_storage, s3_server, invite, questions, client, monkeypatch
):
    from procurement.services import evidence as service

    def refuse(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(service, "audit_record", refuse)
    with pytest.raises(RuntimeError):
        _upload(client, invite, questions.report, "report.pdf", PDF)
    assert not EvidenceFile.objects.exists()
    assert s3_server.client().list_objects_v2(Bucket=s3_storage)["KeyCount"] == 0


def test_a_file_changed_on_the_local_disk_is_refused_too(invite, questions, reviewer_client):
    evidence = stored_evidence(PDF, evaluation=invite.evaluation, question=questions.report)
    evidence_file_path(evidence.stored_name).write_bytes(PDF.replace(b"Catalog", b"Cat4log"))
    response = _org_download(reviewer_client, evidence)
    assert response.status_code == 409
    assert REFUSAL in response.content.decode()
