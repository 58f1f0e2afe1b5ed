"""HTTP responses shared by the organization's screens and the vendor portal."""

from __future__ import annotations

from django.http import FileResponse, Http404

from procurement.models import EvidenceFile
from procurement.services.evidence import evidence_path


def evidence_file_response(evidence: EvidenceFile) -> FileResponse:
    path = evidence_path(evidence.stored_name)
    if not path.is_file():
        raise Http404("The document is missing from storage.")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
