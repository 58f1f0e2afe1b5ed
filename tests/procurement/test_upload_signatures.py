"""Evidence types decided by signature (puremagic) or as UTF-8 text; everything else refused."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError

from procurement.uploads import detect_type

MAX = 1024 * 1024


def _detect(content: bytes, name: str):
    return detect_type(io.BytesIO(content), name=name, size=len(content), max_bytes=MAX)


@pytest.mark.parametrize(
    ("content", "name", "extension", "content_type"),
    [
        (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
            "soc2.pdf",
            "pdf",
            "application/pdf",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32, "chart.png", "png", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 32, "scan.jpg", "jpg", "image/jpeg"),
        (b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00" + b"\x00" * 32, "photo.jpeg", "jpg", "image/jpeg"),
        (b"\xff\xd8\xff\xdb\x00\x43\x00" + b"\x01" * 32, "raw.jpg", "jpg", "image/jpeg"),
        (b"subgroup,auroc\nage 65+,0.81\n", "bias.csv", "csv", "text/csv"),
        (b"{\\rtf1\\ansi Policy}", "policy.rtf", "txt", "text/plain"),
    ],
)
def test_accepted_types_are_recognised_by_content(content, name, extension, content_type):
    detected = _detect(content, name)
    assert (detected.extension, detected.content_type) == (extension, content_type)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!", "logo.gif"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, "tool"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "setup.exe"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff", "logs.gz"),
    ],
)
def test_other_binary_formats_are_refused(content, name):
    with pytest.raises(ValidationError) as refused:
        _detect(content, name)
    assert refused.value.code == "type"
    assert refused.value.messages[0].startswith(
        "Only PDF, DOCX, XLSX, CSV, PNG, JPEG or TXT files are accepted"
    )


def test_a_pdf_signature_further_in_does_not_make_a_pdf():
    with pytest.raises(ValidationError) as refused:
        _detect(b"notes\n%PDF-1.7\n", "notes.pdf")
    assert refused.value.code == "type_mismatch"
    assert refused.value.messages == [
        "The file's name ends in .pdf but its content is TXT; rename it or upload the right file."
    ]
