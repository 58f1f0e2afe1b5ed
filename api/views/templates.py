"""Questionnaire templates: the organization's own and the shipped library; export and import."""

from __future__ import annotations

import json
from functools import cache

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from jsonschema import Draft202012Validator
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.roles import Perm
from api.errors import ApiError, error
from api.filters import StrictFilterBackend
from api.serializers import TemplateDetailSerializer, TemplateSerializer
from api.views.base import OrgApiMixin, get_or_404
from questionnaires.models import Template
from questionnaires.transfer import SCHEMA_PATH, template_export, template_import


@cache
def _file_format() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def import_errors(exc: DjangoValidationError, data) -> list[dict[str, str]]:
    """The import's 'path: message' lines as error entries; '(top level)' is the whole file.

    A file of the published shape can still break a rule across fields (a condition on a later
    question, a choice question without choices): code "rule". A version already imported: "duplicate".
    """
    shaped = _file_format().is_valid(data)
    entries = []
    for line in exc.messages:
        path, sep, message = line.partition(": ")
        if not sep:
            path, message = "", line
        path = "" if path in ("(top level)", "(file)") else path
        code = "invalid"
        if shaped:
            code = "duplicate" if "already has version" in message else "rule"
        entries.append(error(path, message, code))
    return entries


class TemplateFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Template.Status.choices)
    slug = django_filters.CharFilter(label="Slug")

    class Meta:
        model = Template
        fields = ["status", "slug"]


@extend_schema_view(
    list=extend_schema(summary="List templates (own and library)"),
    retrieve=extend_schema(summary="A template version with its sections and questions"),
)
class TemplateViewSet(OrgApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TemplateSerializer
    filter_backends = [StrictFilterBackend]
    queryset = Template.objects.none()  # the model, for the schema; get_queryset picks the rows
    filterset_class = TemplateFilter
    required_perms = {
        "list": Perm.VIEW,
        "retrieve": Perm.VIEW,
        "export": Perm.VIEW,
        "import_template": Perm.MANAGE_TEMPLATES,
    }

    def get_queryset(self):
        return Template.objects.visible_to(self.request.organization).order_by("name", "slug", "-version")

    def get_object(self):
        # The library (organization = None) is shared, so the lookup is "visible to", not "owned by".
        return get_or_404(self.get_queryset(), public_id=self.kwargs["id"])

    def retrieve(self, request, *args, **kwargs):
        template = self.get_object()
        serializer = TemplateDetailSerializer(template, context={"export": template_export(template)})
        return Response(serializer.data)

    @extend_schema(
        summary="Export in the exchange format (clinical-ai-dd-template/1)",
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, id=None):
        return Response(template_export(self.get_object()))

    @extend_schema(
        summary="Import a file in the exchange format as a new draft of your organization",
        request={"application/json": {"$ref": "#/components/schemas/TemplateFile"}},
        responses={201: TemplateDetailSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[JSONParser])
    def import_template(self, request):
        try:
            template = template_import(data=request.data, organization=request.organization)
        except DjangoValidationError as exc:
            raise ApiError(import_errors(exc, request.data)) from exc
        serializer = TemplateDetailSerializer(template, context={"export": template_export(template)})
        return Response(serializer.data, status=status.HTTP_201_CREATED)
