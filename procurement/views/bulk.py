"""Acting on several evaluations of the list at once: confirm what will happen, then do it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.access import member_required, require_perm
from accounts.context_processors import organization as org_context
from accounts.roles import Perm
from procurement.forms import BulkActionForm
from procurement.services import bulk
from procurement.views.evaluations import evaluation_list_page

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@require_POST
@member_required(Perm.VIEW)
def evaluation_bulk(request: HttpRequest) -> HttpResponse:
    """First POST: the confirmation, per evaluation. POST with `confirmed`: apply, then the summary.

    Bad input goes back to the list as it was (filters, page and ticked rows kept) with the message
    beside the field.
    """
    form = BulkActionForm(request.POST)
    back = QueryDict(request.POST.get("query", "")[:2000])
    if not form.is_valid():
        return evaluation_list_page(request, back, bulk_form=form)
    data = form.cleaned_data
    require_perm(request, bulk.ACTIONS[data["action"]].perm)
    params = {
        "organization": request.organization,
        "action": data["action"],
        "public_ids": data["evaluations"],
        "perms": org_context(request)["org_perms"],
        "due_date": data["due_date"],
    }
    try:
        if data["confirmed"]:
            items = bulk.bulk_apply(user=request.user, request=request, **params)
            template = "procurement/evaluation_bulk_result.html"
        else:
            items = bulk.bulk_plan(**params)
            template = "procurement/evaluation_bulk.html"
    except ValidationError as exc:
        form.add_error(None, exc)
        return evaluation_list_page(request, back, bulk_form=form)
    context = {
        "form": form,
        "action": bulk.ACTIONS[data["action"]],
        "items": items,
        "done": [i for i in items if i.done],
        "skipped": [i for i in items if not i.done],
        "query": back.urlencode(),
    }
    return render(request, template, context)
