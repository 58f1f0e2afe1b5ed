"""One member's own work: the "My tasks" page and the in-app notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import get_for_org, member_required
from accounts.roles import Perm
from procurement.models import Notification
from procurement.services import notifications as notification_services
from procurement.worklist import my_tasks as my_tasks_for

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

PAGE_SIZE = 25


PANEL_SIZE = 5


def worklist_of(request: HttpRequest, *, first: int | None = None):
    return my_tasks_for(
        user=request.user, organization=request.organization, role=request.membership.role, first=first
    )


@member_required(Perm.VIEW)
def my_tasks(request: HttpRequest) -> HttpResponse:
    return render(request, "procurement/my_tasks.html", {"worklist": worklist_of(request)})


@member_required(Perm.VIEW)
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.for_recipient(request.user, request.organization).select_related(
        "evaluation__product__vendor"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procurement/notification_list.html", {"page": page})


def _own_notification(request: HttpRequest, public_id) -> Notification:
    # Someone else's notification is as unknown as another organization's: 404.
    return get_for_org(request, Notification.objects.filter(recipient=request.user), public_id=public_id)


@require_POST
@member_required(Perm.VIEW)
def notification_read(request: HttpRequest, public_id) -> HttpResponse:
    notification = notification_services.notification_mark_read(
        notification=_own_notification(request, public_id)
    )
    if request.htmx:
        template = "procurement/notification_list.html#notification_read_response"
        return render(request, template, {"notification": notification})
    return redirect("notification_list")


@require_POST
@member_required(Perm.VIEW)
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notification_services.notifications_mark_all_read(user=request.user, organization=request.organization)
    return redirect("notification_list")
