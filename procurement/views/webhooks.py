"""The organization's webhooks: endpoints, their secrets (shown once), test events and delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import get_for_org, member_required, org_queryset
from accounts.roles import Perm
from procurement.models import WebhookDelivery, WebhookEndpoint
from procurement.models.webhooks import SUBSCRIBABLE_EVENTS
from procurement.services.webhooks import (
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_secret_rotate,
    webhook_test_send,
)

DELIVERY_LOG_SIZE = 50


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=500,
        help_text="Where events are POSTed, e.g. https://grc.example.org/hooks/due-diligence.",
    )
    description = forms.CharField(max_length=200, required=False, help_text="What receives them.")
    event_kinds = forms.MultipleChoiceField(
        label="Events",
        choices=[(k.value, f"{k.label} ({k.value})") for k in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(required=False, initial=True, help_text="Inactive endpoints get no events.")


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)


def _endpoints(request: HttpRequest):
    pending = Q(deliveries__status=WebhookDelivery.Status.PENDING)
    failed = Q(deliveries__status=WebhookDelivery.Status.FAILED)
    return (
        org_queryset(request, WebhookEndpoint)
        .annotate(
            pending_count=Count("deliveries", filter=pending), failed_count=Count("deliveries", filter=failed)
        )
        .order_by("created_at", "id")
    )


@never_cache
@member_required(Perm.MANAGE_WEBHOOKS)
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    secret = created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = webhook_endpoint_create(
                organization=request.organization, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Webhook added. Copy its secret now: it will not be shown again.")
            form = WebhookEndpointForm()
    context = {"form": form, "endpoints": _endpoints(request), "secret": secret, "created": created}
    return render(request, "procurement/webhooks/list.html", context)


def _deliveries(endpoint: WebhookEndpoint):
    return list(
        endpoint.deliveries.prefetch_related("attempt_log").order_by("-created_at", "-id")[:DELIVERY_LOG_SIZE]
    )


def _detail(request, endpoint, *, form=None, secret=None, status=200) -> HttpResponse:
    if form is None:
        form = WebhookEndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "event_kinds": endpoint.event_kinds,
                "active": endpoint.active,
            }
        )
    context = {"endpoint": endpoint, "form": form, "secret": secret, "deliveries": _deliveries(endpoint)}
    return render(request, "procurement/webhooks/detail.html", context, status=status)


@never_cache
@member_required(Perm.MANAGE_WEBHOOKS)
def webhook_detail(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = get_for_org(request, WebhookEndpoint, public_id=public_id)
    if request.method != "POST":
        return _detail(request, endpoint)
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            webhook_endpoint_update(
                endpoint=endpoint, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("webhook_detail", public_id=endpoint.public_id)
    return _detail(request, endpoint, form=form, status=400)


@never_cache
@require_POST
@member_required(Perm.MANAGE_WEBHOOKS)
def webhook_rotate(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = get_for_org(request, WebhookEndpoint, public_id=public_id)
    secret = webhook_secret_rotate(endpoint=endpoint, user=request.user, request=request)
    messages.success(request, "New secret made. Copy it now: it will not be shown again.")
    return _detail(request, endpoint, secret=secret)


@require_POST
@member_required(Perm.MANAGE_WEBHOOKS)
def webhook_delete(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = get_for_org(request, WebhookEndpoint, public_id=public_id)
    webhook_endpoint_delete(endpoint=endpoint, user=request.user, request=request)
    messages.success(request, f"Webhook {endpoint.url} removed, with its delivery log.")
    return redirect("webhook_list")


def _log_response(request: HttpRequest, endpoint: WebhookEndpoint) -> HttpResponse:
    if request.htmx:
        endpoint.refresh_from_db()
        context = {"endpoint": endpoint, "deliveries": _deliveries(endpoint)}
        return render(request, "procurement/webhooks/_deliveries.html", context)
    return redirect("webhook_detail", public_id=endpoint.public_id)


@require_POST
@member_required(Perm.MANAGE_WEBHOOKS)
def webhook_test(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = get_for_org(request, WebhookEndpoint, public_id=public_id)
    webhook_test_send(endpoint=endpoint, user=request.user, request=request)
    if not request.htmx:
        messages.success(request, "Test event queued; its delivery shows in the log below.")
    return _log_response(request, endpoint)


@require_POST
@member_required(Perm.MANAGE_WEBHOOKS)
def webhook_log(request: HttpRequest, public_id) -> HttpResponse:
    """The delivery log alone (the "Refresh" button)."""
    return _log_response(request, get_for_org(request, WebhookEndpoint, public_id=public_id))


@require_POST
@member_required(Perm.MANAGE_WEBHOOKS)
def webhook_delivery_retry_view(request: HttpRequest, public_id, delivery_id) -> HttpResponse:
    endpoint = get_for_org(request, WebhookEndpoint, public_id=public_id)
    delivery = get_for_org(request, WebhookDelivery.objects.filter(endpoint=endpoint), public_id=delivery_id)
    try:
        webhook_delivery_retry(delivery=delivery, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if not request.htmx:
            messages.success(request, "Delivery queued again.")
    return _log_response(request, endpoint)
