"""The questionnaire workbook through the vendor API: download it, upload it filled (invite token)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ApiError, flatten_django
from api.serializers import ErrorResponseSerializer
from api.views.base import VendorApiMixin
from procurement.selectors import vendor_snapshot
from procurement.services.workbook import workbook_import
from procurement.workbook import CONTENT_TYPE, workbook_build, workbook_filename


class XlsxRenderer(BaseRenderer):
    """Lets clients ask for the workbook's media type; errors still carry the JSON error body."""

    media_type = CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class WorkbookUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="The workbook downloaded from this endpoint, filled in (.xlsx, at most 5 MB).",
    )


class CellResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["saved", "unchanged", "kept_online", "invalid", "conflict"],
        help_text=(
            "saved; unchanged (same as stored); kept_online (left as downloaded while changed online: "
            "not overwritten); invalid (see message); conflict (changed online since the download)."
        ),
    )
    sheet = serializers.CharField()
    cell = serializers.CharField(help_text="Where the answer is in the sheet, e.g. E7.")
    question = serializers.CharField(source="key")
    prompt = serializers.CharField()
    message = serializers.CharField()
    yours = serializers.CharField(help_text="Conflicts: the workbook's answer in words.")
    stored = serializers.CharField(help_text="Conflicts: the stored answer in words.")


class WorkbookCountsSerializer(serializers.Serializer):
    saved = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    kept_online = serializers.IntegerField()
    invalid = serializers.IntegerField()
    conflict = serializers.IntegerField()


class WorkbookImportSerializer(serializers.Serializer):
    counts = WorkbookCountsSerializer()
    results = CellResultSerializer(many=True)


class VendorWorkbookView(VendorApiMixin, APIView):
    renderer_classes = [JSONRenderer, XlsxRenderer]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="The questionnaire as an XLSX workbook with the current answers, to fill in offline",
        responses={(200, CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request):
        invite = request.auth
        data = vendor_snapshot(invite.evaluation, sections=invite.sections)
        response = HttpResponse(workbook_build(data, invite=invite), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{workbook_filename(data)}"'
        return response

    @extend_schema(
        summary="Upload the filled workbook: valid changed answers are saved, each answer's result listed",
        description=(
            "A workbook refused as a whole (not an .xlsx, macros, too large, damaged, changed hidden "
            "identification, another questionnaire, link or template version, questionnaire locked) "
            "answers 400 with the reason at path `file` and saves nothing."
        ),
        request={"multipart/form-data": WorkbookUploadSerializer},
        responses={200: WorkbookImportSerializer, 400: ErrorResponseSerializer},
    )
    def post(self, request):
        invite = request.auth
        serializer = WorkbookUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            outcome = workbook_import(invite=invite, uploaded_file=upload, size=upload.size, request=request)
        except DjangoValidationError as exc:
            raise ApiError(flatten_django(exc, "file")) from exc
        return Response(WorkbookImportSerializer({"counts": outcome.counts, "results": outcome.results}).data)
