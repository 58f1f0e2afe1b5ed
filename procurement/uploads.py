"""Checks on uploaded evidence: what the file really is, whether it is safe to keep, and its shown name.

The type is decided from the content, never from the name or the browser's claimed content type:
a renamed executable must not become a "PDF" that a reviewer opens. Pure functions over a file
object; storing the file is the caller's business.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

import puremagic
from django.core.exceptions import ValidationError

# extension -> content type served on download
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
    "txt": "text/plain",
}
NAME_ALIASES = {"jpeg": "jpg", "text": "txt"}
ALLOWED_LABEL = "PDF, DOCX, XLSX, CSV, PNG, JPEG or TXT"

# Office files are zip archives; a small archive that inflates to gigabytes ("zip bomb") would
# exhaust memory or disk wherever it is opened later, so its declared sizes are bounded and the
# archive is test-read to prove the declarations true.
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_MAX_ENTRIES = 5000


@dataclass(frozen=True)
class EvidenceType:
    extension: str
    content_type: str


# The binary types accepted by their signature, by the content type puremagic reports for it.
SIGNATURE_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _signature_type(head: bytes) -> str | None:
    """pdf, png or jpg when the file starts with that type's signature; None for anything else."""
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return None
    # Only a signature at the very start counts: one found further in (or in a footer) is not
    # what a viewer would open the file as.
    starts = [m for m in matches if m.offset == 0 and m.mime_type in SIGNATURE_TYPES]
    return SIGNATURE_TYPES[starts[0].mime_type] if starts else None


def _read_head(fileobj: IO[bytes], size: int = 8192) -> bytes:
    fileobj.seek(0)
    head = fileobj.read(size)
    fileobj.seek(0)
    return head


def _office_type(fileobj: IO[bytes]) -> str:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                raise ValidationError(
                    "The document has too many parts to be checked safely.", code="zip_bomb"
                )
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos)
            if total > ZIP_MAX_UNCOMPRESSED or total > ZIP_MAX_RATIO * max(packed, 1):
                raise ValidationError(
                    "The document expands to far more data than its size suggests and was refused "
                    "as a possible zip bomb.",
                    code="zip_bomb",
                )
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise ValidationError(f"Only {ALLOWED_LABEL} files are accepted.", code="type")
            if any(n.startswith("word/") for n in names):
                kind = "docx"
            elif any(n.startswith("xl/") for n in names):
                kind = "xlsx"
            else:
                raise ValidationError(f"Only {ALLOWED_LABEL} files are accepted.", code="type")
            # Reads every part (bounded by the totals checked above) and verifies its checksum,
            # which catches archives whose declared sizes lie.
            if archive.testzip() is not None:
                raise ValidationError("The document is damaged and could not be read.", code="corrupt")
            return kind
    # zlib.error: a part whose compressed data is broken (the archive's directory may still be fine).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError, zlib.error):
        raise ValidationError("The document is damaged and could not be read.", code="corrupt") from None
    finally:
        fileobj.seek(0)


def _text_type(fileobj: IO[bytes], name: str) -> str:
    fileobj.seek(0)
    data = fileobj.read()
    fileobj.seek(0)
    if b"\x00" in data:
        raise ValidationError(f"Only {ALLOWED_LABEL} files are accepted.", code="type")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            f"Only {ALLOWED_LABEL} files are accepted (text files must be UTF-8).", code="type"
        ) from None
    return "csv" if name_extension(name) == "csv" else "txt"


def name_extension(name: str) -> str:
    ext = os.path.splitext(name or "")[1].lower().lstrip(".")
    return NAME_ALIASES.get(ext, ext)


def detect_type(fileobj: IO[bytes], *, name: str, size: int, max_bytes: int) -> EvidenceType:
    """The type of an uploaded file from its content, or ValidationError saying why it is refused."""
    if size <= 0:
        raise ValidationError("The file is empty.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"The file is {size / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.0f} MB.",
            code="too_large",
        )
    head = _read_head(fileobj)
    if head.startswith(b"PK\x03\x04"):
        kind = _office_type(fileobj)
    else:
        # Anything without an accepted signature must be UTF-8 text: other binary formats (and
        # executables) have bytes that are not, and are refused there.
        kind = _signature_type(head) or _text_type(fileobj, name)
    claimed = name_extension(name)
    # A name that claims another accepted type is a disguise (or a mistake the reviewer would trip on).
    compatible = {kind} | ({"csv", "txt"} if kind in ("csv", "txt") else set())
    if claimed in ALLOWED_TYPES and claimed not in compatible:
        raise ValidationError(
            f"The file's name ends in .{claimed} but its content is {kind.upper()}; "
            "rename it or upload the right file.",
            code="type_mismatch",
        )
    return EvidenceType(extension=kind, content_type=ALLOWED_TYPES[kind])


# Control characters, characters that Windows refuses in names, and bidirectional overrides and
# marks (which can make "invoice\u202efdp.exe" display as "invoiceexe.pdf").
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*;\u200e\u200f\u202a-\u202e\u2066-\u2069]')
# Names that may end a file of each detected type.
_COMPATIBLE_EXTENSIONS = {"txt": {"txt", "csv"}, "csv": {"csv", "txt"}, "jpg": {"jpg"}}


def display_name(name: str, *, extension: str) -> str:
    """The uploaded name made safe to show and to offer as a download name.

    Directory parts (with either slash), control characters and leading dots are dropped, so a
    name like '../../etc/passwd' or 'C:\\x\\..\\evil' can never be read as a path.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_CHARS.sub("", name).strip().lstrip(".").strip()
    if not name:
        name = f"evidence.{extension}"
    if name_extension(name) not in _COMPATIBLE_EXTENSIONS.get(extension, {extension}):
        # The download name tells the truth about the content: a text file named "run.bat" or
        # "page.html" is offered as "run.bat.txt", never as something a computer would execute.
        name = f"{name}.{extension}"
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name
