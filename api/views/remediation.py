"""Remediation items over the API: officers list, open, change and write; vendors read and answer.

Internal notes appear only on the organization side; the vendor endpoints never load them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_for_org
from accounts.models import User
from accounts.roles import Perm
from api.errors import ApiError, flatten_django
from api.fields import StrictCharField
from api.serializers import ErrorResponseSerializer
from api.views.base import OrgApiMixin, VendorApiMixin
from procurement.models import DecisionCondition, Evaluation, RemediationItem, RemediationMessage
from procurement.remediation_panel import latest_findings
from procurement.services import remediation as services

R = RemediationItem.Status


class MessageOutSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    author = serializers.CharField(source="author_label")
    from_vendor = serializers.SerializerMethodField()
    file = serializers.SerializerMethodField()

    class Meta:
        model = RemediationMessage
        fields = ["id", "author", "from_vendor", "body", "internal", "status", "file", "created_at"]

    def get_from_vendor(self, obj) -> bool:
        return obj.author_contact_id is not None

    def get_file(self, obj) -> dict | None:
        if not obj.has_file:
            return None
        return {
            "name": obj.file_name,
            "size": obj.size,
            "sha256": obj.sha256,
            "content_type": obj.content_type,
        }


class VendorMessageOutSerializer(MessageOutSerializer):
    class Meta(MessageOutSerializer.Meta):
        fields = ["id", "author", "from_vendor", "body", "status", "file", "created_at"]


class ItemOutSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    evaluation = serializers.UUIDField(source="evaluation.public_id")
    owner = serializers.CharField(source="owner.username", default=None)
    condition = serializers.IntegerField(source="condition_id", allow_null=True)

    class Meta:
        model = RemediationItem
        fields = [
            "id",
            "evaluation",
            "source",
            "finding_code",
            "finding_snapshot",
            "condition",
            "title",
            "description",
            "side",
            "owner",
            "due_date",
            "blocking",
            "status",
            "waive_justification",
            "created_at",
            "updated_at",
            "closed_at",
        ]


class ItemWithThreadSerializer(ItemOutSerializer):
    messages = MessageOutSerializer(many=True, source="messages.all")

    class Meta(ItemOutSerializer.Meta):
        fields = [*ItemOutSerializer.Meta.fields, "messages"]


class VendorItemSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    messages = serializers.SerializerMethodField()

    class Meta:
        model = RemediationItem
        fields = ["id", "title", "description", "due_date", "status", "waive_justification", "messages"]

    def get_messages(self, obj) -> list[dict]:
        thread = obj.messages.filter(internal=False).order_by("created_at", "id")
        return VendorMessageOutSerializer(thread, many=True).data


class ItemCreateSerializer(serializers.Serializer):
    findings = serializers.ListField(child=StrictCharField(max_length=80), required=False, default=list)
    conditions = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    side = serializers.ChoiceField(choices=RemediationItem.Side.choices, default=RemediationItem.Side.VENDOR)
    owner = StrictCharField(required=False, allow_null=True, default=None, help_text="Username (our side)")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    blocking = serializers.BooleanField(default=True)

    def validate(self, attrs):
        if not attrs["findings"] and not attrs["conditions"]:
            raise serializers.ValidationError({"findings": "Name at least one finding code or condition id."})
        return attrs


class ItemPatchSerializer(serializers.Serializer):
    title = StrictCharField(required=False, max_length=300)
    description = StrictCharField(required=False, allow_blank=True, max_length=10000)
    side = serializers.ChoiceField(choices=RemediationItem.Side.choices, required=False)
    owner = StrictCharField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    blocking = serializers.BooleanField(required=False)


class StatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[R.ACCEPTED, R.REJECTED, R.WAIVED, R.OPEN])
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=5000)
    justification = StrictCharField(required=False, allow_blank=True, default="", max_length=5000)


class MessageInSerializer(serializers.Serializer):
    body = StrictCharField(required=False, allow_blank=True, default="", max_length=10000)
    internal = serializers.BooleanField(default=False)
    file = serializers.FileField(required=False)


class VendorReplySerializer(serializers.Serializer):
    body = StrictCharField(required=False, allow_blank=True, default="", max_length=10000)
    file = serializers.FileField(required=False)


def _member(request, username):
    if username is None:
        return None
    user = User.objects.filter(username=username, memberships__organization=request.organization).first()
    if user is None:
        raise ApiError(
            [
                {
                    "path": "owner",
                    "message": "No member of this organization has that username.",
                    "code": "invalid",
                }
            ]
        )
    return user


def _service(call):
    try:
        return call()
    except DjangoValidationError as exc:
        raise ApiError(flatten_django(exc)) from exc


class _ItemMixin(OrgApiMixin):
    def _evaluation(self, request, id) -> Evaluation:
        return get_for_org(
            request, Evaluation.objects.select_related("organization", "product"), public_id=id
        )

    def _item(self, request, id, item_id) -> RemediationItem:
        evaluation = self._evaluation(request, id)
        qs = RemediationItem.objects.filter(evaluation=evaluation).select_related("evaluation", "owner")
        return get_for_org(request, qs, public_id=item_id)


class RemediationListView(_ItemMixin, APIView):
    required_perms = {"get": Perm.VIEW, "post": Perm.RUN_EVALUATIONS}
    parser_classes = [JSONParser]

    @extend_schema(summary="The evaluation's remediation items", responses=ItemOutSerializer(many=True))
    def get(self, request, id):
        evaluation = self._evaluation(request, id)
        items = RemediationItem.objects.filter(evaluation=evaluation).select_related("evaluation", "owner")
        return Response(ItemOutSerializer(items, many=True).data)

    @extend_schema(
        summary="Open items from findings of the latest scoring (by code) and from conditions (by id)",
        request=ItemCreateSerializer,
        responses={201: ItemOutSerializer(many=True), 400: ErrorResponseSerializer},
    )
    def post(self, request, id):
        evaluation = self._evaluation(request, id)
        serializer = ItemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        findings = {f.code: f for f in latest_findings(evaluation)}
        unknown = [c for c in data["findings"] if c not in findings]
        conditions = list(DecisionCondition.objects.filter(evaluation=evaluation, pk__in=data["conditions"]))
        errors = [
            {
                "path": f"findings[{data['findings'].index(c)}]",
                "message": "No such finding in the latest scoring.",
                "code": "invalid",
            }
            for c in unknown
        ]
        found = {c.pk for c in conditions}
        errors += [
            {
                "path": f"conditions[{i}]",
                "message": "No such condition of this evaluation.",
                "code": "invalid",
            }
            for i, pk in enumerate(data["conditions"])
            if pk not in found
        ]
        if errors:
            raise ApiError(errors)
        owner = _member(request, data["owner"])
        created = []
        if data["findings"]:
            created += _service(
                lambda: services.remediation_from_findings(
                    evaluation=evaluation,
                    findings=[findings[c] for c in data["findings"]],
                    user=request.user,
                    side=data["side"],
                    owner=owner,
                    due_date=data["due_date"],
                    blocking=data["blocking"],
                    request=request,
                )
            )
        if conditions:
            created += _service(
                lambda: services.remediation_from_conditions(
                    evaluation=evaluation, conditions=conditions, user=request.user, request=request
                )
            )
        return Response(ItemOutSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class RemediationItemView(_ItemMixin, APIView):
    required_perms = {"get": Perm.VIEW, "patch": Perm.RUN_EVALUATIONS}
    parser_classes = [JSONParser]

    @extend_schema(
        summary="One remediation item with its whole thread, internal notes included",
        responses=ItemWithThreadSerializer,
    )
    def get(self, request, id, item_id):
        return Response(ItemWithThreadSerializer(self._item(request, id, item_id)).data)

    @extend_schema(
        summary="Change the item's title, description, side, owner, due date or blocking flag",
        request=ItemPatchSerializer,
        responses={200: ItemOutSerializer, 400: ErrorResponseSerializer},
    )
    def patch(self, request, id, item_id):
        item = self._item(request, id, item_id)
        serializer = ItemPatchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "owner" in changes:
            changes["owner"] = _member(request, changes["owner"])
        item = _service(
            lambda: services.remediation_edit(item=item, user=request.user, request=request, **changes)
        )
        return Response(ItemOutSerializer(item).data)


class RemediationStatusView(_ItemMixin, APIView):
    required_perms = {"post": Perm.RUN_EVALUATIONS}
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Accept, reject (with a note), waive (with a justification) or reopen the item",
        request=StatusInSerializer,
        responses={200: ItemOutSerializer, 400: ErrorResponseSerializer},
    )
    def post(self, request, id, item_id):
        item = self._item(request, id, item_id)
        serializer = StatusInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = _service(
            lambda: services.remediation_decide(
                item=item,
                to_status=data["status"],
                note=data["note"],
                justification=data["justification"],
                user=request.user,
                request=request,
            )
        )
        return Response(ItemOutSerializer(item).data)


class RemediationMessagesView(_ItemMixin, APIView):
    required_perms = {"get": Perm.VIEW, "post": Perm.REVIEW}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="The item's thread, internal notes included", responses=MessageOutSerializer(many=True)
    )
    def get(self, request, id, item_id):
        item = self._item(request, id, item_id)
        return Response(MessageOutSerializer(item.messages.all(), many=True).data)

    @extend_schema(
        summary="Write in the thread (internal: a note the vendor never sees); a document is optional",
        request={"application/json": MessageInSerializer, "multipart/form-data": MessageInSerializer},
        responses={201: MessageOutSerializer, 400: ErrorResponseSerializer},
    )
    def post(self, request, id, item_id):
        item = self._item(request, id, item_id)
        serializer = MessageInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        message = _service(
            lambda: services.remediation_message_post(
                item=item,
                body=data["body"],
                internal=data["internal"],
                uploaded_file=data.get("file"),
                user=request.user,
                request=request,
            )
        )
        return Response(MessageOutSerializer(message).data, status=status.HTTP_201_CREATED)


def _vendor_items(invite):
    return RemediationItem.objects.filter(
        evaluation_id=invite.evaluation_id, side=RemediationItem.Side.VENDOR
    )


class VendorRemediationView(VendorApiMixin, APIView):
    @extend_schema(
        summary="Your remediation items for this evaluation, with their threads",
        responses=VendorItemSerializer(many=True),
    )
    def get(self, request):
        return Response(
            VendorItemSerializer(_vendor_items(request.auth).order_by("due_date", "id"), many=True).data
        )


class VendorRemediationReplyView(VendorApiMixin, APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Answer a remediation item (text, a document or both); it becomes 'vendor responded'",
        request={"application/json": VendorReplySerializer, "multipart/form-data": VendorReplySerializer},
        responses={201: VendorMessageOutSerializer, 400: ErrorResponseSerializer},
    )
    def post(self, request, item_id):
        invite = request.auth
        item = _vendor_items(invite).filter(public_id=item_id).first()
        if item is None:
            raise NotFound("Not found.")
        serializer = VendorReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            message = services.remediation_vendor_respond(
                item=item,
                contact=invite.contact,
                body=data["body"],
                uploaded_file=data.get("file"),
                request=request,
            )
        except DjangoValidationError as exc:
            codes = {getattr(e, "code", None) for e in getattr(exc, "error_list", [])}
            path = "" if codes & {"closed", "not_vendor", "archived"} else "file"
            raise ApiError(flatten_django(exc, "" if hasattr(exc, "error_dict") else path)) from exc
        return Response(VendorMessageOutSerializer(message).data, status=status.HTTP_201_CREATED)
