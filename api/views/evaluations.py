"""Evaluations: create, list and filter, read, and the workflow actions an organization takes."""

from __future__ import annotations

import json

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_for_org, org_queryset, require_perm
from accounts.roles import ROLE_PERMISSIONS, Perm
from api.errors import ApiError, error, flatten_django
from api.filters import StrictFilterBackend, StrictOrderingFilter
from api.serializers import (
    AuditEventSerializer,
    CarryForwardResultSerializer,
    CarryForwardSerializer,
    ClarificationCreateSerializer,
    ClarificationSerializer,
    DecisionSerializer,
    EvaluationCreateSerializer,
    EvaluationDetailSerializer,
    EvaluationSerializer,
    IntakeSerializer,
    IntakeUpdateSerializer,
    InviteCreateSerializer,
    InviteSerializer,
    TemplateUpgradeApplySerializer,
    TemplateUpgradePlanSerializer,
    TemplateUpgradeQuerySerializer,
    TransitionSerializer,
)
from api.views.base import OrgApiMixin
from procurement.model_card.export import build_card, card_filename
from procurement.models import AuditEvent, Evaluation
from procurement.selectors import scope_summary
from procurement.services import evaluations as evaluation_services
from procurement.services.intake import evaluation_intake_record
from procurement.services.invites import invite_send
from procurement.services.prefill import answers_carry_forward, carry_forward_source
from procurement.services.reviews import clarification_request, decision_record
from procurement.services.template_upgrade import (
    evaluation_template_upgrade_apply,
    evaluation_template_upgrade_plan,
    upgrade_target,
)
from questionnaires.models import Question


class XmlRenderer(BaseRenderer):
    """Lets clients ask for application/xml; errors on such requests still carry the JSON error body."""

    media_type = "application/xml"
    format = "xml"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class EvaluationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Evaluation.Status.choices)
    vendor = django_filters.UUIDFilter(field_name="product__vendor__public_id", label="Vendor id")
    product = django_filters.UUIDFilter(field_name="product__public_id", label="Product id")
    risk_tier = django_filters.ChoiceFilter(choices=Evaluation.RiskTier.choices)
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner's username")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Only overdue (true) or not (false)"
    )

    class Meta:
        model = Evaluation
        fields = ["status", "vendor", "product", "risk_tier", "owner", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


@extend_schema_view(
    list=extend_schema(summary="List evaluations (filter by status, vendor, product, risk tier, owner)"),
    retrieve=extend_schema(summary="One evaluation", responses=EvaluationDetailSerializer),
    create=extend_schema(
        summary="Create a draft evaluation from a published template version",
        request=EvaluationCreateSerializer,
        responses={201: EvaluationDetailSerializer},
    ),
)
class EvaluationViewSet(
    OrgApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EvaluationSerializer
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]
    filterset_class = EvaluationFilter
    ordering_fields = ["created_at", "due_date", "overall_score", "status"]
    ordering = ["-created_at", "-id"]
    required_perms = {
        "list": Perm.VIEW,
        "retrieve": Perm.VIEW,
        "create": Perm.RUN_EVALUATIONS,
        # Each move needs its own permission (checked in the action, from the same table).
        "transition": Perm.VIEW,
        "invites": Perm.RUN_EVALUATIONS,
        "clarifications": Perm.REVIEW,
        "decision": Perm.DECIDE,
        "audit": Perm.VIEW,
        # Reading needs VIEW; recording it needs RUN_EVALUATIONS (checked in the action).
        "intake": Perm.VIEW,
        "carry_forward": Perm.RUN_EVALUATIONS,
        "template_upgrade": Perm.RUN_EVALUATIONS,
    }

    def get_queryset(self):
        return org_queryset(self.request, Evaluation).select_related(
            "product__vendor", "template", "owner", "organization"
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return EvaluationDetailSerializer
        return EvaluationSerializer

    def _detail(self, evaluation: Evaluation, status_code: int = status.HTTP_200_OK) -> Response:
        evaluation = self.get_queryset().prefetch_related("conditions__owner").get(pk=evaluation.pk)
        return Response(EvaluationDetailSerializer(evaluation).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = EvaluationCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evaluation = evaluation_services.evaluation_create(
            organization=request.organization,
            product=data["product"],
            template=data["template"],
            owner=data.get("owner") or request.user,
            created_by=request.user,
            purpose=data["purpose"],
            due_date=data.get("due_date"),
            reviewers=data.get("reviewers", []),
            previous=data.get("previous"),
            carry_forward=data["carry_forward"],
            request=request,
        )
        return self._detail(evaluation, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Carry the product's last submitted answers and evidence into this evaluation",
        description=(
            "Only questions without an answer are filled; each carried answer is marked with its "
            "source and counts as unanswered until the vendor confirms or changes it. Allowed until "
            "the vendor submits."
        ),
        request=CarryForwardSerializer,
        responses={200: CarryForwardResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="carry-forward")
    def carry_forward(self, request, id=None):
        evaluation = self.get_object()
        serializer = CarryForwardSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        source = serializer.validated_data.get("from_evaluation") or carry_forward_source(
            evaluation=evaluation
        )
        if source is None:
            raise ApiError(
                [
                    error(
                        "from_evaluation",
                        "This product has no evaluation with submitted answers.",
                        "no_source",
                    )
                ]
            )
        result = answers_carry_forward(
            evaluation=evaluation, source=source, user=request.user, request=request
        )
        return Response(
            CarryForwardResultSerializer(
                {
                    "from_evaluation": source.public_id,
                    "answers": result.answers,
                    "files": result.files,
                    "skipped": [{"question": k, "reason": why} for k, why in result.skipped],
                }
            ).data
        )

    @extend_schema(
        summary="Move the evaluation along the workflow (send, start review, archive)",
        request=TransitionSerializer,
        responses=EvaluationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, id=None):
        evaluation = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to_status = serializer.validated_data["to_status"]
        move = evaluation_services.MANUAL_MOVES.get(to_status)
        if move is not None:
            require_perm(request, move[1])
        evaluation_services.evaluation_move(
            evaluation=evaluation,
            to_status=to_status,
            user=request.user,
            perms=ROLE_PERMISSIONS.get(request.membership.role, frozenset()),
            request=request,
        )
        return self._detail(evaluation)

    @extend_schema(
        summary="Invite vendor contacts (each gets a personal link by e-mail)",
        request=InviteCreateSerializer,
        responses={201: InviteSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def invites(self, request, id=None):
        evaluation = self.get_object()
        serializer = InviteCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        invites = invite_send(
            evaluation=evaluation,
            contacts=serializer.validated_data["contacts"],
            invited_by=request.user,
            message=serializer.validated_data["message"],
        )
        return Response(InviteSerializer(invites, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Request clarification on chosen questions (sends the evaluation back to the vendor)",
        request=ClarificationCreateSerializer,
        responses={201: ClarificationSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def clarifications(self, request, id=None):
        evaluation = self.get_object()
        serializer = ClarificationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keys = serializer.validated_data["questions"]
        ids = dict(
            Question.objects.filter(template_id=evaluation.template_id, key__in=keys).values_list("key", "pk")
        )
        unknown = [
            error(f"questions[{i}]", "No question of this questionnaire has this key.", "does_not_exist")
            for i, key in enumerate(keys)
            if key not in ids
        ]
        if unknown:
            raise ApiError(unknown)
        created = clarification_request(
            evaluation=evaluation,
            question_ids=[ids[key] for key in dict.fromkeys(keys)],
            message=serializer.validated_data["message"],
            user=request.user,
            request=request,
        )
        return Response(ClarificationSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the decision (approve, approve with conditions, reject)",
        request=DecisionSerializer,
        responses=EvaluationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, id=None):
        evaluation = self.get_object()
        serializer = DecisionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision_record(
            evaluation=evaluation,
            decision=data["decision"],
            rationale=data["rationale"],
            user=request.user,
            conditions=data.get("conditions", []),
            request=request,
        )
        return self._detail(evaluation)

    @extend_schema(
        summary="The evaluation's audit trail, oldest first (read-only)",
        responses=AuditEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def audit(self, request, id=None):
        evaluation = self.get_object()
        events = (
            AuditEvent.objects.for_org(request.organization)
            .filter(evaluation=evaluation)
            .order_by("created_at", "id")
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The buyer's inherent-risk intake: items, answers, inherent tier and the scope it sets",
        responses=IntakeSerializer,
    )
    @extend_schema(
        methods=["PUT"],
        summary="Record the intake answers (until the vendor submits); the scope follows the tier",
        request=IntakeUpdateSerializer,
        responses=IntakeSerializer,
    )
    @action(detail=True, methods=["get", "put"], filter_backends=[])
    def intake(self, request, id=None):
        evaluation = self.get_object()
        if request.method == "PUT":
            require_perm(request, Perm.RUN_EVALUATIONS)
            serializer = IntakeUpdateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                evaluation = evaluation_intake_record(
                    evaluation=evaluation,
                    answers=serializer.validated_data["answers"],
                    user=request.user,
                    request=request,
                )
            except DjangoValidationError as exc:
                raise ApiError(flatten_django(exc, "answers")) from exc
        summary = scope_summary(evaluation)
        spec = evaluation.template.intake or {"items": []}
        return Response(
            IntakeSerializer(
                {
                    "items": spec["items"],
                    "answers": evaluation.intake_answers,
                    "inherent_tier": evaluation.inherent_tier,
                    "reasons": list(summary.reasons),
                    "asked_sections": [s.key for s in summary.asked],
                    "left_out_sections": [s.key for s in summary.left_out],
                    "asked_questions": summary.asked_questions,
                    "total_questions": summary.total_questions,
                }
            ).data
        )

    @extend_schema(
        methods=["GET"],
        summary="Plan moving the evaluation to a newer version of its template (changes nothing)",
        description=(
            "Each question's fate: answers to unchanged questions are kept, answers to changed ones "
            "are kept for the vendor to confirm, answers to removed or retyped questions (or whose "
            "chosen option is gone) are archived; new questions start empty. Allowed until the vendor "
            "submits (draft, sent, in progress)."
        ),
        parameters=[TemplateUpgradeQuerySerializer],
        responses=TemplateUpgradePlanSerializer,
    )
    @extend_schema(
        methods=["POST"],
        summary="Apply the template upgrade in one audited transaction",
        request=TemplateUpgradeApplySerializer,
        responses=TemplateUpgradePlanSerializer,
    )
    @action(detail=True, methods=["get", "post"], url_path="template-upgrade", filter_backends=[])
    def template_upgrade(self, request, id=None):
        evaluation = self.get_object()
        serializer_class = (
            TemplateUpgradeApplySerializer if request.method == "POST" else TemplateUpgradeQuerySerializer
        )
        serializer = serializer_class(
            data=request.data if request.method == "POST" else request.query_params,
            context={"request": request},
        )
        serializer.is_valid(raise_exception=True)
        target = serializer.validated_data.get("target") or upgrade_target(evaluation)
        if target is None:
            raise ApiError(
                [
                    error(
                        "target",
                        "No newer published version of this template to move to.",
                        "no_newer_version",
                    )
                ]
            )
        if request.method == "POST":
            result = evaluation_template_upgrade_apply(
                evaluation=evaluation,
                target=target,
                actor=request.user,
                expected_counts=serializer.validated_data.get("expected_counts"),
                request=request,
            )
        else:
            result = evaluation_template_upgrade_plan(evaluation=evaluation, target=target)
        return Response(
            TemplateUpgradePlanSerializer(
                {
                    "from_template": result.source,
                    "to_template": result.target,
                    "applied": request.method == "POST",
                    "counts": result.counts,
                    "items": [
                        {
                            "key": row.key,
                            "old_key": row.item.old_key,
                            "new_key": row.item.new_key,
                            "change": row.item.change,
                            "action": row.item.action,
                            "reason": row.item.reason,
                            "answer": row.answer_text,
                        }
                        for row in result.rows
                    ],
                }
            ).data
        )


class EvaluationModelCardView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.VIEW_REPORTS}
    renderer_classes = [JSONRenderer, XmlRenderer]

    @extend_schema(
        summary="The evaluation's answers as a CHAI Applied Model Card (XML, schema v0.2)",
        description=(
            "Validates against the CHAI v0.2 schema. Only confirmed answers are written; elements no "
            "answer covers read 'Not stated in this evaluation.'"
        ),
        responses={(200, "application/xml"): OpenApiTypes.BINARY},
    )
    def get(self, request, id):
        evaluation = get_for_org(request, Evaluation.objects.select_related("product__vendor"), public_id=id)
        response = HttpResponse(build_card(evaluation), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{card_filename(evaluation)}"'
        return response
