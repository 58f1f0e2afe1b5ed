"""Due-diligence reports: ask for one, poll it, download the PDF."""

from __future__ import annotations

import json

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.access import get_for_org
from accounts.roles import Perm
from api.errors import ApiError, error
from api.serializers import ErrorResponseSerializer
from api.views.base import OrgApiMixin
from procurement.models import Evaluation
from procurement.stored_files import StoredFileError, StoredFileMissing
from reports import services
from reports.models import Report


class ReportSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    # Lets a client check its download: the same fingerprint the app checks before serving it.
    sha256 = serializers.CharField(read_only=True, help_text="SHA-256 of the PDF; empty until rendered.")
    evaluation = serializers.UUIDField(source="evaluation.public_id", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "evaluation",
            "kind",
            "status",
            "size",
            "sha256",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, report: Report) -> str | None:
        if report.status != Report.Status.DONE:
            return None
        return reverse("api-report-download", args=[report.public_id], request=self.context.get("request"))


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[Report.Kind.DUE_DILIGENCE, Report.Kind.VENDOR_ANSWERS], default=Report.Kind.DUE_DILIGENCE
    )


class PdfRenderer(BaseRenderer):
    """Lets clients ask for application/pdf; errors on such requests still carry the JSON error body."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class EvaluationReportView(OrgApiMixin, APIView):
    required_perms = {"post": Perm.VIEW_REPORTS}

    @extend_schema(
        summary="Ask for the report of the evaluation as it stands now (reused while nothing changed)",
        request=ReportRequestSerializer,
        responses={200: ReportSerializer, 202: ReportSerializer},
    )
    def post(self, request, id):
        evaluation = get_for_org(request, Evaluation, public_id=id)
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_request(
            evaluation=evaluation, kind=serializer.validated_data["kind"], user=request.user
        )
        report.refresh_from_db()
        code = status.HTTP_200_OK if report.status == Report.Status.DONE else status.HTTP_202_ACCEPTED
        return Response(ReportSerializer(report, context={"request": request}).data, status=code)


class ReportView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.VIEW_REPORTS}

    @extend_schema(summary="A report's rendering status", responses=ReportSerializer)
    def get(self, request, id):
        report = get_for_org(request, Report.objects.select_related("evaluation"), public_id=id)
        return Response(ReportSerializer(report, context={"request": request}).data)


class ReportDownloadView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.VIEW_REPORTS}
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        summary="Download the PDF (recorded in the audit trail)",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            409: OpenApiResponse(
                ErrorResponseSerializer,
                description=(
                    "Not rendered yet (poll the report), or the stored copy is missing or no longer "
                    "matches its SHA-256 (code `altered`)."
                ),
            ),
        },
    )
    def get(self, request, id):
        report = get_for_org(
            request,
            Report.objects.select_related("evaluation__product__vendor", "organization"),
            public_id=id,
        )
        if report.status != Report.Status.DONE or not report.file:
            raise ApiError(
                [error("", "The report is not ready yet; poll its status.", "not_ready")],
                status_code=status.HTTP_409_CONFLICT,
            )
        try:
            pdf = services.report_file(report)
        except StoredFileError as exc:
            raise ApiError(
                [error("", exc.message, "missing" if isinstance(exc, StoredFileMissing) else "altered")],
                status_code=status.HTTP_409_CONFLICT,
            ) from None
        services.report_download(report=report, user=request.user, request=request)
        response = FileResponse(
            pdf,
            as_attachment=True,
            filename=f"{report.kind}-{report.public_id}.pdf",
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response
