"""Hostile uploads: disguised types, active content, archives that explode, and names that try to
be paths. Each is refused, or stored as harmless data under a random name inside the evidence
folder, and a refusal writes no row and no file."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import EvidenceFile
from procurement.uploads import display_name
from tests.factories import evidence_file_path
from tests.procurement.conftest import portal_url

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def _upload(client, invite, question, name: str, content: bytes):
    data = {f"q{question.pk}-file": SimpleUploadedFile(name, content)}
    return client.post(portal_url(invite, f"q/{question.key}/upload/"), data)


def _zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _files_on_disk(settings) -> list:
    root = settings.PRIVATE_STORAGE_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _assert_refused(response, settings, message: str) -> None:
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert _files_on_disk(settings) == []


WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
HTML = b"<!doctype html><html><body><script>fetch('/evaluations/')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", WINDOWS_EXE, "Only PDF, DOCX"),
        ("report.pdf", HTML, "content is TXT"),
        ("logo.png", SVG, "content is TXT"),
        ("policy.docx", PNG, "content is PNG"),
        ("data.xlsx", PDF, "content is PDF"),
        ("scan.jpg", PDF, "content is PDF"),
        # A ZIP that is neither a Word nor an Excel document.
        ("policy.docx", _zip({"evil.exe": WINDOWS_EXE}), "Only PDF, DOCX"),
    ],
)
def test_disguised_files_are_refused(invite, questions, client, settings, name, content, message):
    _assert_refused(_upload(client, invite, questions.report, name, content), settings, message)


@pytest.mark.parametrize(("name", "content"), [("page.html", HTML), ("logo.svg", SVG), ("run.bat", b"del *")])
def test_active_text_is_kept_only_as_plain_text_with_a_txt_name(invite, questions, client, name, content):
    assert _upload(client, invite, questions.report, name, content).status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.content_type.startswith("text/plain")
    assert evidence.stored_name.endswith(".txt")
    assert evidence.original_name == f"{name}.txt"
    download = client.get(portal_url(invite, f"evidence/{evidence.public_id}/"))
    assert download["Content-Disposition"].startswith("attachment;")
    assert f"{name}.txt" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_an_oversized_file_is_refused_before_anything_is_written(invite, questions, client, settings):
    settings.EVIDENCE_MAX_BYTES = 2048
    response = _upload(client, invite, questions.report, "big.pdf", PDF + b"0" * 4096)
    _assert_refused(response, settings, "the limit is")


def test_an_xlsx_zip_bomb_is_refused(invite, questions, client, settings):
    bomb = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\x00" * (40 * 1024 * 1024),
        }
    )
    assert len(bomb) < 100 * 1024
    _assert_refused(_upload(client, invite, questions.report, "data.xlsx", bomb), settings, "zip bomb")


def test_a_docx_with_too_many_parts_is_refused(invite, questions, client, settings):
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<doc/>"}
    members.update({f"word/media/p{i}.xml": b"" for i in range(5001)})
    archive = _zip(members, compression=zipfile.ZIP_STORED)
    _assert_refused(
        _upload(client, invite, questions.report, "policy.docx", archive), settings, "too many parts"
    )


def test_a_docx_whose_declared_sizes_lie_is_refused(invite, questions, client, settings):
    document = b"<doc>" + b"a" * 5000 + b"</doc>"
    archive = bytearray(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": document}))
    # Declare a tiny uncompressed size for the document part in the central directory: the part
    # then expands to far more than declared.
    central = archive.rfind(b"PK\x01\x02")
    archive[central + 24 : central + 28] = (10).to_bytes(4, "little")
    response = _upload(client, invite, questions.report, "policy.docx", bytes(archive))
    _assert_refused(response, settings, "damaged")


def test_a_docx_whose_compressed_data_is_broken_is_refused(invite, questions, client, settings):
    document = b"<doc>" + bytes(range(256)) * 40 + b"</doc>"
    archive = bytearray(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": document}))
    # Damage the deflate stream of the document part, leaving the headers intact.
    start = archive.find(b"word/document.xml") + len(b"word/document.xml")
    archive[start + 2 : start + 40] = b"\xff" * 38
    response = _upload(client, invite, questions.report, "policy.docx", bytes(archive))
    _assert_refused(response, settings, "damaged")


def test_a_nested_archive_inside_a_docx_is_stored_as_one_opaque_part(invite, questions, client, settings):
    inner_bomb = _zip({"huge.bin": b"\x00" * (20 * 1024 * 1024)})
    outer = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<doc/>",
            "word/embeddings/x.zip": inner_bomb,
        },
        compression=zipfile.ZIP_STORED,
    )
    # The inner archive is never opened: the outer one is checked on its own sizes, and accepted.
    assert _upload(client, invite, questions.report, "policy.docx", outer).status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence_file_path(evidence.stored_name).stat().st_size == len(outer)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\..\\x.pdf",
        "/etc/passwd.pdf",
        "C:\\Windows\\system32\\x.pdf",
        "report\x00.exe.pdf",
        "a" * 400 + ".pdf",
        "invoice\u202efdp.exe",
        "\u2067evil\u2069.pdf",
        "....pdf",
    ],
)
def test_names_that_try_to_be_paths_are_neutralised(invite, questions, client, settings, name):
    assert _upload(client, invite, questions.report, name, PDF).status_code == 302
    evidence = EvidenceFile.objects.get()
    assert "/" not in evidence.original_name
    assert "\\" not in evidence.original_name
    assert "\x00" not in evidence.original_name
    assert not any(c in evidence.original_name for c in "\u202e\u2067\u2069")
    assert evidence.original_name.endswith(".pdf")
    assert len(evidence.original_name) <= 200
    # The only file written is the random-named one inside the evidence folder.
    evidence_root = (settings.PRIVATE_STORAGE_ROOT / "evidence").resolve()
    assert _files_on_disk(settings) == [evidence_file_path(evidence.stored_name)]
    assert evidence_file_path(evidence.stored_name).resolve().parent == evidence_root


def test_the_rtl_override_cannot_disguise_an_extension():
    assert display_name("invoice\u202efdp.exe", extension="pdf") == "invoicefdp.exe.pdf"
    assert display_name("photo.jpeg", extension="jpg") == "photo.jpeg"
    assert display_name("table.csv", extension="txt") == "table.csv"
