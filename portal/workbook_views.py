"""Working offline: the questionnaire as a workbook to download, and a filled one uploaded back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from portal.forms import WorkbookUploadForm
from portal.views import invite_required
from procurement.selectors import vendor_snapshot
from procurement.services.workbook import workbook_import
from procurement.workbook import CONTENT_TYPE, workbook_build, workbook_filename

if TYPE_CHECKING:
    from procurement.models import Invite


@require_GET
@invite_required
def portal_workbook_download(request: HttpRequest, invite: Invite) -> HttpResponse:
    data = vendor_snapshot(invite.evaluation, sections=invite.sections)
    response = HttpResponse(workbook_build(data, invite=invite), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{workbook_filename(data)}"'
    return response


@require_http_methods(["GET", "POST"])
@invite_required
def portal_workbook(request: HttpRequest, invite: Invite) -> HttpResponse:
    """The offline page: download, upload, and after an upload what happened to each answer."""
    posted = request.method == "POST"
    form = WorkbookUploadForm(request.POST if posted else None, request.FILES if posted else None)
    outcome = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = workbook_import(invite=invite, uploaded_file=upload, size=upload.size, request=request)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, f"Workbook read: {outcome.counts['saved']} answers saved.")
    context = {
        "invite": invite,
        "evaluation": invite.evaluation,
        "token": invite._token,
        "form": form,
        "outcome": outcome,
        "read_only": not invite.evaluation.is_vendor_editable,
    }
    return render(request, "portal/portal_workbook.html", context)
