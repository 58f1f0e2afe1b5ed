"""The organization's webhook endpoints, their test events and delivery log (administrators)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.access import get_for_org, org_queryset
from accounts.roles import Perm
from api.serializers import ErrorResponseSerializer
from api.views.base import OrgApiMixin
from api.webhook_serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookSecretSerializer,
)
from procurement.models import WebhookDelivery, WebhookEndpoint
from procurement.services import webhooks as services

ALL = Perm.MANAGE_WEBHOOKS
WEBHOOK_ACTIONS = ("list", "retrieve", "create", "update", "partial_update", "destroy")
WEBHOOK_PERMS = dict.fromkeys((*WEBHOOK_ACTIONS, "test", "rotate_secret", "deliveries"), ALL)


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints"),
    retrieve=extend_schema(summary="One webhook endpoint"),
    create=extend_schema(
        summary="Add a webhook endpoint (the response holds its secret, shown once)",
        responses={201: WebhookEndpointCreatedSerializer, 400: ErrorResponseSerializer},
    ),
    update=extend_schema(summary="Change a webhook endpoint"),
    partial_update=extend_schema(summary="Change some fields of a webhook endpoint (e.g. active)"),
    destroy=extend_schema(summary="Delete a webhook endpoint and its delivery log"),
)
class WebhookEndpointViewSet(OrgApiMixin, viewsets.ModelViewSet):
    serializer_class = WebhookEndpointSerializer
    required_perms = WEBHOOK_PERMS
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            org_queryset(self.request, WebhookEndpoint)
            .select_related("created_by")
            .order_by("created_at", "id")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            organization=request.organization,
            user=request.user,
            request=request._request,
            **serializer.validated_data,
        )
        endpoint.secret = secret
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        services.webhook_endpoint_update(
            endpoint=serializer.instance,
            user=self.request.user,
            request=self.request._request,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(
            endpoint=instance, user=self.request.user, request=self.request._request
        )

    @extend_schema(
        summary="Send a webhook.test event to this endpoint",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, id=None):
        delivery = services.webhook_test_send(
            endpoint=self.get_object(), user=request.user, request=request._request
        )
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Replace the signing secret (the response holds the new one, shown once)",
        request=None,
        responses={200: WebhookSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, id=None):
        endpoint = self.get_object()
        secret = services.webhook_secret_rotate(
            endpoint=endpoint, user=request.user, request=request._request
        )
        return Response({"secret": secret, "secret_prefix": endpoint.secret_prefix})

    @extend_schema(
        summary="The delivery log of this endpoint, newest first",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, id=None):
        endpoint = self.get_object()
        queryset = endpoint.deliveries.prefetch_related("attempt_log").order_by("-created_at", "-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryRetryView(OrgApiMixin, GenericAPIView):
    required_perms = {"post": ALL}
    serializer_class = WebhookDeliverySerializer

    @extend_schema(
        summary="Try a failed delivery once more, now",
        request=None,
        responses={202: WebhookDeliverySerializer, 400: OpenApiResponse(ErrorResponseSerializer)},
    )
    def post(self, request, id, delivery_id):
        endpoint = get_for_org(request, WebhookEndpoint, public_id=id)
        delivery = get_for_org(
            request, WebhookDelivery.objects.filter(endpoint=endpoint), public_id=delivery_id
        )
        delivery = services.webhook_delivery_retry(delivery=delivery, user=request.user)
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
