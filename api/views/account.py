"""Who the token belongs to, and what it may do."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import ROLE_PERMISSIONS, Perm
from api.views.base import OrgApiMixin


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    organization = serializers.CharField()
    organization_id = serializers.UUIDField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())
    token = serializers.CharField(help_text="The token's name.")
    token_expires_at = serializers.DateTimeField(allow_null=True)


class MeView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.VIEW}

    @extend_schema(summary="The token's owner, organization, role and permissions", responses=MeSerializer)
    def get(self, request):
        membership = request.membership
        return Response(
            MeSerializer(
                {
                    "username": request.user.get_username(),
                    "name": request.user.get_full_name(),
                    "organization": membership.organization.name,
                    "organization_id": membership.organization.public_id,
                    "role": membership.role,
                    "permissions": sorted(ROLE_PERMISSIONS.get(membership.role, ())),
                    "token": request.auth.name,
                    "token_expires_at": request.auth.expires_at,
                }
            ).data
        )
