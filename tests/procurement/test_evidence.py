from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import AuditEvent, EvidenceFile
from procurement.uploads import display_name
from tests.factories import (
    EvaluationFactory,
    InviteFactory,
    evidence_file_path,
    stored_evidence,
)
from tests.procurement.conftest import portal_url

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _office(kind: str, *, extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<doc/>")
        if extra:
            archive.writestr("word/media/blob.bin", extra)
    return buffer.getvalue()


def _upload(client, invite, question, name: str, content: bytes, **extra):
    data = {f"q{question.pk}-file": SimpleUploadedFile(name, content), **extra}
    return client.post(portal_url(invite, f"q/{question.key}/upload/"), data)


def test_a_pdf_is_stored_privately_under_a_random_name_with_its_hash(invite, questions, client, settings):
    response = _upload(
        client,
        invite,
        questions.report,
        "SOC 2 report.pdf",
        PDF,
        **{f"q{questions.report.pk}-expires_on": "2030-01-31"},
    )
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.original_name == "SOC 2 report.pdf"
    assert "SOC" not in evidence.stored_name
    assert evidence.stored_name.endswith(".pdf")
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.content_type == "application/pdf"
    assert str(evidence.expires_on) == "2030-01-31"
    path = evidence_file_path(evidence.stored_name)
    assert path.read_bytes() == PDF
    assert str(path).startswith(str(settings.PRIVATE_STORAGE_ROOT))
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.FILE_UPLOADED)
    assert event.data["sha256"] == evidence.sha256
    assert event.actor_contact == invite.contact


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "Only PDF, DOCX"),  # an executable renamed
        ("report.pdf", b"plain text pretending", "content is TXT"),
        ("scan.pdf", PNG, "content is PNG"),
        ("notes.txt", b"abc\x00def", "Only PDF, DOCX"),
        ("latin.csv", "café".encode("latin-1"), "UTF-8"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 50, "damaged"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_files_whose_content_is_not_an_allowed_type_are_refused(
    invite, questions, client, name, content, message
):
    response = _upload(client, invite, questions.report, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_an_oversized_file_is_refused(invite, questions, client, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = _upload(client, invite, questions.report, "big.pdf", PDF + b"0" * 2048)
    assert "the limit is" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_a_zip_bomb_docx_is_refused(invite, questions, client):
    bomb = _office("docx", extra=b"\x00" * (30 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    response = _upload(client, invite, questions.report, "policy.docx", bomb)
    assert "zip bomb" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_real_docx_and_xlsx_are_accepted(invite, questions, client):
    assert _upload(client, invite, questions.report, "policy.docx", _office("docx")).status_code == 302
    assert _upload(client, invite, questions.report, "data.xlsx", _office("xlsx")).status_code == 302
    types = set(EvidenceFile.objects.values_list("content_type", flat=True))
    assert any("wordprocessingml" in t for t in types)
    assert any("spreadsheetml" in t for t in types)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\..\\evil.pdf", "evil.pdf"),
        ("..\\..\\.htaccess", "htaccess.pdf"),
        ("\x00\x1b[31mred.pdf", "[31mred.pdf"),
        ("", "evidence.pdf"),
    ],
)
def test_path_tricks_in_names_are_neutralised(name, expected):
    assert display_name(name, extension="pdf") == expected


def test_a_tricky_name_is_stored_safely(invite, questions, client):
    _upload(client, invite, questions.report, "../../../etc/report.pdf", PDF)
    evidence = EvidenceFile.objects.get()
    assert evidence.original_name == "report.pdf"
    assert "/" not in evidence.stored_name


# --- downloads ------------------------------------------------------------------------------


@pytest.fixture
def stored(invite, questions):
    return stored_evidence(PDF, evaluation=invite.evaluation, question=questions.report)


def test_organization_users_download_evidence_as_an_attachment(stored, reviewer_client):
    response = reviewer_client.get(f"/evaluations/{stored.evaluation.public_id}/evidence/{stored.public_id}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.FILE_DOWNLOADED)
    assert event.actor_user is not None


def test_another_organization_gets_404_for_evidence(stored, outsider_client):
    response = outsider_client.get(f"/evaluations/{stored.evaluation.public_id}/evidence/{stored.public_id}/")
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_login_for_evidence(stored, client):
    response = client.get(f"/evaluations/{stored.evaluation.public_id}/evidence/{stored.public_id}/")
    assert response.status_code == 302


def test_the_link_holder_downloads_evidence_of_their_evaluation(stored, invite, client):
    response = client.get(portal_url(invite, f"evidence/{stored.public_id}/"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.FILE_DOWNLOADED).actor_contact == invite.contact


def test_a_link_to_another_evaluation_cannot_download_this_evidence(stored, client):
    other = InviteFactory(evaluation=EvaluationFactory(organization=stored.organization, status="sent"))
    assert client.get(portal_url(other, f"evidence/{stored.public_id}/")).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.FILE_DOWNLOADED).exists()


def test_a_vendor_can_withdraw_a_document(stored, invite, client):
    response = client.post(portal_url(invite, f"evidence/{stored.public_id}/remove/"))
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.removed_at is not None
