"""HTTP responses shared by the organization's screens and the vendor portal."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from procurement.models import EvidenceFile
from procurement.services.evidence import evidence_storage_name
from procurement.stored_files import StoredFileAltered, StoredFileMissing, verified_file_response


def stored_file_refused(request: HttpRequest, error: StoredFileAltered) -> HttpResponse:
    """The page shown instead of a document whose stored copy failed its SHA-256 check."""
    return render(request, "procurement/stored_file_refused.html", {"message": error.message}, status=409)


def evidence_file_response(request: HttpRequest, evidence: EvidenceFile) -> FileResponse | HttpResponse:
    """The document as uploaded, verified against its recorded SHA-256, or a page saying why not."""
    try:
        response = verified_file_response(
            evidence_storage_name(evidence.stored_name),
            sha256=evidence.sha256,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
    except StoredFileMissing as exc:
        raise Http404(exc.message) from None
    except StoredFileAltered as exc:
        return stored_file_refused(request, exc)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
