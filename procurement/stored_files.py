"""Private files (evidence, rendered reports) written to and read back from Django's default storage.

The default storage is the local file system in the embedded default and an S3-compatible bucket
in production (config.settings.base). Nothing here hands out a URL to the store: every download is
read by the app, checked against the SHA-256 recorded when the file was written, and only then
streamed to a caller whose access a view has already checked. A copy that was changed in the store
(or damaged on the way) is refused rather than served as the document a reviewer relied on.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from typing import IO

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import FileResponse

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
# A verified copy is held in memory up to this size, then in a temporary file of the web process.
SPOOL_MAX_MEMORY = 4 * 1024 * 1024


class StoredFileError(Exception):
    """A stored file that cannot be served; `message` is written for the person downloading it."""

    message = ""


class StoredFileMissing(StoredFileError):
    message = "The document is missing from storage."


class StoredFileAltered(StoredFileError):
    message = (
        "The stored copy of this document no longer matches the fingerprint (SHA-256) recorded when "
        "it was stored, so it was not served. Ask an administrator to restore it from a backup."
    )


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int


def file_digest(fileobj: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of a file object read from its start; leaves it at its start again."""
    digest = hashlib.sha256()
    size = 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(CHUNK_BYTES), b""):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), size


def store_file(name: str, fileobj: IO[bytes]) -> StoredFile:
    """Writes a new private file under exactly this name and returns its fingerprint.

    The names are random, so finding one taken means something is wrong: it is refused rather than
    stored under another name the record would not know.
    """
    sha256, size = file_digest(fileobj)
    if default_storage.exists(name):
        raise FileExistsError(name)
    saved = default_storage.save(name, File(fileobj, name=name))
    if saved != name:
        default_storage.delete(saved)
        raise FileExistsError(name)
    return StoredFile(name=name, sha256=sha256, size=size)


def delete_file(name: str) -> None:
    """Removes a file written by a step that was then rolled back; a missing file is no error."""
    try:
        default_storage.delete(name)
    except Exception:  # the original failure matters more than a leftover file
        logger.warning("Could not remove %s from storage after a failed write", name, exc_info=True)


def open_verified(name: str, *, sha256: str) -> IO[bytes]:
    """A private copy of the stored file, read in full and checked against its recorded SHA-256.

    The copy is taken before the check, so what is served is exactly what was checked even if the
    store changes meanwhile.
    """
    try:
        source = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise StoredFileMissing() from None
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_MEMORY)  # noqa: SIM115 - handed to the response
    digest = hashlib.sha256()
    with source:
        for chunk in source.chunks(CHUNK_BYTES):
            digest.update(chunk)
            copy.write(chunk)
    if not sha256 or digest.hexdigest() != sha256:
        copy.close()
        logger.error(
            "Refused to serve %s: its SHA-256 is %s, %s was recorded",
            name,
            digest.hexdigest(),
            sha256 or "none",
        )
        raise StoredFileAltered()
    copy.seek(0)
    return copy


def verified_file_response(name: str, *, sha256: str, filename: str, content_type: str) -> FileResponse:
    """An attachment response with the verified stored file; StoredFileError if it cannot be served."""
    response = FileResponse(
        open_verified(name, sha256=sha256),
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
