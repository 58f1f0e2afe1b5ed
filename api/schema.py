"""OpenAPI details drf-spectacular cannot infer: the two token schemes and the common error responses."""

from __future__ import annotations

import json

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from api.serializers import ErrorResponseSerializer
from questionnaires.transfer import SCHEMA_PATH

ERROR_STATUSES = ("400", "401", "403", "404", "405", "406", "415", "429", "500")


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


# PostgreSQL cannot store a NUL character, so every text input refuses it; the schema says so.
NO_NUL = "^[^\\x00]*$"
TEMPLATE_FILE_REF = {"$ref": "#/components/schemas/TemplateFile"}


def _no_nul(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and not ({"format", "enum", "pattern"} & node.keys()):
            node["pattern"] = NO_NUL
        for value in node.values():
            _no_nul(value)
    elif isinstance(node, list):
        for item in node:
            _no_nul(item)


def _openapi_30(node, prefix: str):
    """A JSON Schema 2020-12 node as OpenAPI 3.0 can say it: refs into components, nullable for null."""
    if isinstance(node, list):
        return [_openapi_30(item, prefix) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _openapi_30(v, prefix) for k, v in node.items() if k not in ("$schema", "$id", "$defs")}
    if "$ref" in node:
        return {"$ref": "#/components/schemas/" + prefix + node["$ref"].rsplit("/", 1)[-1].title()}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("type"), list):
        types = node["type"]
        node["type"] = next(t for t in types if t != "null")
        if "null" in types:
            node["nullable"] = True
    if "oneOf" in node and {"type": "null"} in node["oneOf"]:
        rest = [branch for branch in node.pop("oneOf") if branch != {"type": "null"}]
        node.update(rest[0] if len(rest) == 1 else {"oneOf": rest})
        node["nullable"] = True
    return node


def template_file_components() -> dict:
    """The template exchange format (questionnaires/schema/template.schema.json) as components."""
    source = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    components = {"TemplateFile": _openapi_30(source, "TemplateFile")}
    for name, definition in source.get("$defs", {}).items():
        components["TemplateFile" + name.title()] = _openapi_30(definition, "TemplateFile")
    return components


def postprocess(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in schemas.items():
        if name.endswith("Request"):
            _no_nul(component)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") or {}
            # A template file given as a raw schema: drf-spectacular cannot see that it is not optional.
            if body.get("content", {}).get("application/json", {}).get("schema") == TEMPLATE_FILE_REF:
                body["required"] = True
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    _no_nul(parameter.get("schema"))
    schemas.update(template_file_components())
    return result
