"""OpenAPI details drf-spectacular cannot infer: the two token schemes and the common error responses."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from api.serializers import ErrorResponseSerializer

ERROR_STATUSES = ("400", "401", "403", "404", "405", "406", "415", "429")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from the 'API tokens' page: `Authorization: Bearer dd_…`",
        }


class InviteTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.InviteAuthentication"
    name = "inviteToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The vendor's invite token (end of the link): `Authorization: Invite <token>`",
        }


class ApiAutoSchema(AutoSchema):
    """Every operation documents the shared error body for the statuses it can answer with."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in ERROR_STATUSES:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorResponseSerializer, code, direction=direction
                )
        return responses
