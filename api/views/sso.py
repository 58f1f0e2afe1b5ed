"""The organization's single sign-on settings over the API (administrators), as on their page."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import IdentityProvider
from accounts.roles import Perm, Role
from accounts.services.sso import identity_provider_save
from api.errors import ApiError, flatten_django
from api.serializers import ErrorResponseSerializer
from api.views.base import OrgApiMixin


class SingleSignOnSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Members sign in through this identity provider.")
    issuer = serializers.URLField(max_length=300, help_text="Exactly as the provider publishes it.")
    client_id = serializers.CharField(max_length=200)
    client_secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Stored encrypted and never returned; leave it out to keep the stored one.",
    )
    has_client_secret = serializers.BooleanField(read_only=True)
    allowed_domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        help_text="E-mail domains of the staff, e.g. riverside.org.",
    )
    new_member_role = serializers.ChoiceField(choices=Role.choices)
    redirect_uri = serializers.CharField(read_only=True, help_text="Register this at the provider.")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


def _data(request, provider: IdentityProvider | None) -> dict:
    redirect_uri = request.build_absolute_uri(reverse("sso_callback"))
    if provider is None:
        return {
            "enabled": False,
            "issuer": "",
            "client_id": "",
            "has_client_secret": False,
            "allowed_domains": [],
            "new_member_role": Role.REVIEWER,
            "redirect_uri": redirect_uri,
            "updated_at": None,
        }
    return {
        "enabled": provider.enabled,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "has_client_secret": bool(provider.client_secret_encrypted),
        "allowed_domains": provider.allowed_domains,
        "new_member_role": provider.new_member_role,
        "redirect_uri": redirect_uri,
        "updated_at": provider.updated_at,
    }


class SingleSignOnView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.MANAGE_MEMBERS, "put": Perm.MANAGE_MEMBERS}

    @extend_schema(
        summary="The organization's OpenID Connect identity provider (administrators)",
        responses=SingleSignOnSerializer,
    )
    def get(self, request):
        provider = IdentityProvider.objects.for_org(request.organization).first()
        return Response(SingleSignOnSerializer(_data(request, provider)).data)

    @extend_schema(
        summary="Set the organization's identity provider (administrators); an enabled one must answer "
        "its discovery URL",
        request=SingleSignOnSerializer,
        responses={200: SingleSignOnSerializer, 400: ErrorResponseSerializer},
    )
    def put(self, request):
        serializer = SingleSignOnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            provider = identity_provider_save(
                organization=request.organization,
                changed_by=request.user,
                request=request,
                issuer=data["issuer"],
                client_id=data["client_id"],
                client_secret=data.get("client_secret", ""),
                allowed_domains=[d.strip().lower().removeprefix("@") for d in data["allowed_domains"]],
                new_member_role=data["new_member_role"],
                enabled=data["enabled"],
            )
        except DjangoValidationError as exc:
            raise ApiError(flatten_django(exc)) from exc
        return Response(SingleSignOnSerializer(_data(request, provider)).data)
