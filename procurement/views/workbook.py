"""The officer's copy of an evaluation's questionnaire workbook (the same file the vendor gets)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.access import get_for_org, member_required
from accounts.roles import Perm
from procurement.models import Evaluation
from procurement.selectors import evaluation_snapshot
from procurement.workbook import CONTENT_TYPE, workbook_build, workbook_filename


@require_GET
@member_required(Perm.VIEW)
def evaluation_workbook(request: HttpRequest, public_id) -> HttpResponse:
    evaluation = get_for_org(
        request,
        Evaluation.objects.select_related("product__vendor", "template", "organization"),
        public_id=public_id,
    )
    data = evaluation_snapshot(evaluation, include={"clarifications"})
    response = HttpResponse(workbook_build(data), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{workbook_filename(data)}"'
    response["Cache-Control"] = "private, no-store"
    return response
