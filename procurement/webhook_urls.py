"""The organization's webhooks, for administrators. Mounted under /settings/webhooks/."""

from __future__ import annotations

from django.urls import path

from procurement.views import webhooks

urlpatterns = [
    path("", webhooks.webhook_list, name="webhook_list"),
    path("<uuid:public_id>/", webhooks.webhook_detail, name="webhook_detail"),
    path("<uuid:public_id>/rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("<uuid:public_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("<uuid:public_id>/test/", webhooks.webhook_test, name="webhook_test"),
    path("<uuid:public_id>/log/", webhooks.webhook_log, name="webhook_log"),
    path(
        "<uuid:public_id>/deliveries/<uuid:delivery_id>/retry/",
        webhooks.webhook_delivery_retry_view,
        name="webhook_delivery_retry",
    ),
]
