"""Shapes of the webhooks API. The secret appears in one response only: creation (or rotation)."""

from __future__ import annotations

from rest_framework import serializers

from api.fields import StrictCharField
from procurement.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from procurement.models.webhooks import SUBSCRIBABLE_EVENTS


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    url = StrictCharField(
        max_length=500, help_text="https address (http only to loopback outside production)."
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    event_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[k.value for k in SUBSCRIBABLE_EVENTS]),
        allow_empty=False,
        help_text="The events sent to this endpoint.",
    )
    active = serializers.BooleanField(required=False, default=True)
    secret_prefix = serializers.CharField(read_only=True, help_text="The first characters of the secret.")
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_kinds",
            "active",
            "secret_prefix",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "secret_prefix", "created_by", "created_at", "updated_at"]

    def get_created_by(self, obj) -> str:
        return obj.created_by.get_username() if obj.created_by_id else ""


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret. Shown in this response only: store it now."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret. Shown in this response only.")
    secret_prefix = serializers.CharField()


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "attempted_at", "status_code", "response_body", "error", "duration_ms"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "kind",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_response_body",
            "last_error",
            "created_at",
            "delivered_at",
            "payload",
            "attempt_log",
        ]
        read_only_fields = fields
