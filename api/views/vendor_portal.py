"""What a vendor contact does through the API with their invite token: read, answer, upload, submit.

The token opens exactly one evaluation, so no endpoint here takes an evaluation id: whatever the
request says, it acts on the invite's evaluation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ApiError, error, flatten_django
from api.serializers import ErrorResponseSerializer
from api.vendor_serializers import (
    AnswerOutSerializer,
    AnswerPutSerializer,
    ConfirmedSerializer,
    ConflictResponseSerializer,
    EvidenceDescriptionSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    ModelCardImportSerializer,
    ModelCardUploadSerializer,
    QuestionnaireSerializer,
    SubmittedSerializer,
)
from api.views.base import VendorApiMixin, get_or_404
from procurement.models import EvidenceFile
from procurement.selectors import EvaluationSnapshot, vendor_snapshot
from procurement.services.answers import answer_save
from procurement.services.evidence import METADATA_FIELDS, evidence_describe, evidence_upload
from procurement.services.prefill import answer_confirm, model_card_import, section_confirm
from procurement.services.submission import evaluation_submit
from questionnaires.engine.answers import AnswerConflict
from questionnaires.models import Question, Section

# Service error codes that concern the questionnaire's state rather than the submitted value.
STATE_CODES = {
    "locked",
    "not_reopened",
    "foreign_question",
    "not_submittable",
    "out_of_scope",
    "not_delegated",
    "not_prefilled",
}


def questionnaire(data: EvaluationSnapshot, evaluation) -> dict[str, Any]:
    answered, required = data.state.progress()
    sections = []
    for section in data.sections:
        questions = []
        for q in data.questions_of(section):
            answer = data.answers.get(q.pk)
            questions.append(
                {
                    "key": q.key,
                    "prompt": q.prompt,
                    "help_text": q.help_text,
                    "type": q.type,
                    "required": q.is_required,
                    "allows_na": q.allows_na,
                    "options": q.options or {},
                    "condition": q.condition,
                    "requires_evidence": q.requires_evidence,
                    "evidence_hint": q.evidence_hint,
                    "visible": data.state.is_visible(q),
                    "editable": data.is_editable(q),
                    "answered": data.state.is_answered(q),
                    "value": answer.value if answer else None,
                    "not_applicable": bool(answer and answer.is_not_applicable),
                    "version": answer.version if answer else 0,
                    # Instances: the nested EvidenceSerializer of QuestionnaireSerializer renders them.
                    "files": data.files.get(q.pk, []),
                    "clarifications": [c.message for c in data.clarifications.get(q.pk, [])],
                    "comments": [c.body for c in data.comments.get(q.pk, [])],
                    "prefill": _prefill(answer),
                }
            )
        sections.append(
            {
                "key": section.key,
                "title": section.title,
                "description": section.description,
                "questions": questions,
            }
        )
    return {
        "evaluation": {
            "id": evaluation.public_id,
            "organization": evaluation.organization.name,
            "vendor": evaluation.product.vendor.legal_name,
            "product": str(evaluation.product),
            "template": str(evaluation.template),
            "status": evaluation.status,
            "is_editable": evaluation.is_vendor_editable,
            "due_date": evaluation.due_date,
        },
        "progress": {
            "answered": answered,
            "required": required,
            "missing": [q.key for q in data.state.missing()],
        },
        "sections": sections,
    }


def _prefill(answer) -> dict[str, Any] | None:
    if answer is None or not answer.source:
        return None
    return {
        "source": answer.source,
        "state": answer.prefill_state,
        "from_evaluation_submitted_at": answer.prefilled_from.submitted_at if answer.prefilled_from else None,
        "prefilled_at": answer.prefilled_at,
        "prefilled_value": answer.prefilled_value,
        "confirmed_at": answer.confirmed_at,
    }


def _service_errors(exc: DjangoValidationError, field: str) -> list[dict[str, str]]:
    codes = {getattr(e, "code", None) for e in getattr(exc, "error_list", [])}
    return flatten_django(exc, "" if codes & STATE_CODES else field)


def _question(invite, key: str) -> Question:
    return get_or_404(Question.objects.filter(template_id=invite.evaluation.template_id), key=key)


class VendorQuestionnaireView(VendorApiMixin, APIView):
    @extend_schema(
        summary="The questionnaire with current answers, versions and visibility",
        responses=QuestionnaireSerializer,
    )
    def get(self, request):
        invite = request.auth
        snapshot = vendor_snapshot(invite.evaluation, sections=invite.sections)
        return Response(QuestionnaireSerializer(questionnaire(snapshot, invite.evaluation)).data)


class VendorAnswerView(VendorApiMixin, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Save one answer with the version you last saw",
        request=AnswerPutSerializer,
        responses={
            200: AnswerOutSerializer,
            409: OpenApiResponse(ConflictResponseSerializer, description="Someone saved in between."),
            400: ErrorResponseSerializer,
        },
    )
    def put(self, request, key: str):
        invite = request.auth
        question = _question(invite, key)
        serializer = AnswerPutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            answer = answer_save(
                evaluation=invite.evaluation,
                question=question,
                value=data.get("value"),
                is_not_applicable=data["not_applicable"],
                expected_version=data["version"],
                contact=invite.contact,
                request=request,
                invite=invite,
            )
        except AnswerConflict as exc:
            stored = AnswerOutSerializer(exc.answer).data if exc.answer is not None else None
            raise ApiError(
                [error("version", str(exc), "conflict")],
                status_code=status.HTTP_409_CONFLICT,
                extra={"answer": stored},
            ) from exc
        except DjangoValidationError as exc:
            field = "not_applicable" if getattr(exc, "code", None) == "na" else "value"
            raise ApiError(_service_errors(exc, field)) from exc
        answer.question = question
        return Response(AnswerOutSerializer(answer).data)


class VendorEvidenceView(VendorApiMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload an evidence document for a question (PDF, DOCX, XLSX, CSV, PNG, JPEG, TXT)",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
    )
    def post(self, request, key: str):
        invite = request.auth
        question = _question(invite, key)
        serializer = EvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            evidence = evidence_upload(
                evaluation=invite.evaluation,
                question=question,
                uploaded_file=serializer.validated_data["file"],
                expires_on=serializer.validated_data.get("expires_on"),
                contact=invite.contact,
                request=request,
                invite=invite,
                **{k: v for k, v in serializer.validated_data.items() if k in METADATA_FIELDS},
            )
        except DjangoValidationError as exc:
            raise ApiError(_service_errors(exc, "file")) from exc
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class VendorEvidenceDescribeView(VendorApiMixin, APIView):
    @extend_schema(
        summary="Describe an uploaded document: type, issuer, period covered, model version, dates",
        description="Fields left out keep their value. 400 names the field (e.g. period_end) in `path`.",
        request=EvidenceDescriptionSerializer,
        responses={200: EvidenceSerializer},
    )
    def patch(self, request, id):
        invite = request.auth
        evidence = get_or_404(
            EvidenceFile.objects.filter(
                evaluation_id=invite.evaluation_id, removed_at__isnull=True
            ).select_related("evaluation__organization", "question"),
            public_id=id,
        )
        current = {name: getattr(evidence, name) for name in (*METADATA_FIELDS, "expires_on")}
        serializer = EvidenceDescriptionSerializer(data=request.data)
        serializer.current = current
        serializer.is_valid(raise_exception=True)
        values = {**current, **serializer.validated_data}
        try:
            evidence = evidence_describe(
                evidence=evidence, contact=invite.contact, request=request, invite=invite, **values
            )
        except DjangoValidationError as exc:
            raise ApiError(_service_errors(exc, "")) from exc
        return Response(EvidenceSerializer(evidence).data)


class VendorSubmitView(VendorApiMixin, APIView):
    @extend_schema(
        summary="Submit the answers (locks them); 400 lists every required question still unanswered",
        request=None,
        responses={200: SubmittedSerializer},
    )
    def post(self, request):
        invite = request.auth
        try:
            evaluation = evaluation_submit(
                evaluation=invite.evaluation, contact=invite.contact, request=request, invite=invite
            )
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) == "incomplete":
                raise ApiError(
                    [
                        error(f"answers.{key}", "This required question is not answered.", "missing")
                        for key in exc.params["missing"]
                    ]
                ) from exc
            raise ApiError(flatten_django(exc)) from exc
        return Response({"status": evaluation.status, "submitted_at": evaluation.submitted_at})


class VendorAnswerConfirmView(VendorApiMixin, APIView):
    @extend_schema(
        summary="Confirm one prefilled answer as it stands (it then counts as answered)",
        request=None,
        responses={200: AnswerOutSerializer, 400: ErrorResponseSerializer},
    )
    def post(self, request, key: str):
        invite = request.auth
        question = _question(invite, key)
        try:
            answer = answer_confirm(
                evaluation=invite.evaluation,
                question=question,
                contact=invite.contact,
                request=request,
                invite=invite,
            )
        except DjangoValidationError as exc:
            raise ApiError(flatten_django(exc)) from exc
        return Response(AnswerOutSerializer(answer).data)


class VendorSectionConfirmView(VendorApiMixin, APIView):
    @extend_schema(
        summary="Confirm every prefilled answer shown in one section, in one action",
        request=None,
        responses={200: ConfirmedSerializer, 400: ErrorResponseSerializer},
    )
    def post(self, request, key: str):
        invite = request.auth
        section = get_or_404(Section.objects.filter(template_id=invite.evaluation.template_id), key=key)
        try:
            confirmed = section_confirm(
                evaluation=invite.evaluation,
                section=section,
                contact=invite.contact,
                request=request,
                invite=invite,
            )
        except DjangoValidationError as exc:
            raise ApiError(flatten_django(exc)) from exc
        return Response({"confirmed": [a.question.key for a in confirmed]})


class VendorModelCardView(VendorApiMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import a CHAI Applied Model Card (XML, schema v0.2): prefills the questions it answers",
        description=(
            "The card is checked before anything is written: too large, not XML, a DOCTYPE or entity "
            "declaration, another schema version or a card that does not validate is refused with 400 "
            "and the reason at path `file`. The answers it prefills count as unanswered until confirmed; "
            "answers already typed or confirmed are never replaced."
        ),
        request={"multipart/form-data": ModelCardUploadSerializer},
        responses={200: ModelCardImportSerializer, 400: ErrorResponseSerializer},
    )
    def post(self, request):
        invite = request.auth
        serializer = ModelCardUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        limit = settings.MODEL_CARD_MAX_BYTES
        if upload.size > limit:
            raise ApiError([error("file", f"The model card is larger than {limit // 1024} KB.", "too_large")])
        try:
            result = model_card_import(
                evaluation=invite.evaluation, data=upload.read(), contact=invite.contact, request=request
            )
        except DjangoValidationError as exc:
            raise ApiError(flatten_django(exc)) from exc
        data = vendor_snapshot(invite.evaluation)
        filled = []
        for question, element in result.filled:
            answer = data.answers[question.pk]
            filled.append(
                {
                    "question": question.key,
                    "element": element,
                    "value": answer.value,
                    "version": answer.version,
                }
            )
        return Response(
            ModelCardImportSerializer(
                {
                    "filled": filled,
                    "skipped": [{"question": k, "reason": why} for k, why in result.skipped],
                    "hti_attributes": result.hti_attributes,
                }
            ).data
        )
