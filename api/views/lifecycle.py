"""Model versions of a product, its next review, the review policy; and the vendor's version report."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_for_org
from accounts.roles import Perm
from api.errors import ApiError, error, flatten_django
from api.lifecycle_serializers import (
    ModelVersionInSerializer,
    ModelVersionSerializer,
    ProductVersionsSerializer,
    ReviewPolicySerializer,
    VendorModelVersionSerializer,
)
from api.serializers import ErrorResponseSerializer
from api.views.base import OrgApiMixin, VendorApiMixin
from procurement.selectors import product_lifecycle
from procurement.services.reassessment import (
    model_version_report,
    review_policy_for,
    review_policy_update,
    versions_of,
)
from vendors.models import Product


def _report(**kwargs):
    try:
        return model_version_report(**kwargs)
    except DjangoValidationError as exc:
        raise ApiError(flatten_django(exc)) from exc


class ProductVersionsView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.VIEW, "post": Perm.RUN_EVALUATIONS}

    def _product(self, request, id):
        return get_for_org(request, Product.objects.select_related("vendor"), public_id=id)

    @extend_schema(
        summary="A product's model version history and its next review date",
        responses={200: ProductVersionsSerializer, 404: ErrorResponseSerializer},
    )
    def get(self, request, id):
        data = product_lifecycle(self._product(request, id))
        product = data["product"]
        return Response(
            ProductVersionsSerializer(
                {
                    "product": product.public_id,
                    "current_version": product.version,
                    "next_review": data["cycle"],
                    "versions": data["versions"],
                }
            ).data
        )

    @extend_schema(
        summary="Record a new model version of a product (outside the PCCP or new intended use: re-assessed)",
        request=ModelVersionInSerializer,
        responses={201: ModelVersionSerializer, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request, id):
        product = self._product(request, id)
        serializer = ModelVersionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = _report(product=product, user=request.user, request=request, **serializer.validated_data)
        return Response(ModelVersionSerializer(report).data, status=status.HTTP_201_CREATED)


class ReviewPolicyView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.VIEW, "put": Perm.MANAGE_MEMBERS, "patch": Perm.MANAGE_MEMBERS}

    @extend_schema(
        summary="The organization's review intervals per risk tier", responses=ReviewPolicySerializer
    )
    def get(self, request):
        policy = review_policy_for(request.organization)
        return Response(ReviewPolicySerializer(policy if policy.pk else _unsaved(policy)).data)

    def _save(self, request, partial: bool):
        serializer = ReviewPolicySerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            policy = review_policy_update(
                organization=request.organization,
                user=request.user,
                request=request,
                **serializer.validated_data,
            )
        except DjangoValidationError as exc:
            raise ApiError(flatten_django(exc)) from exc
        return Response(ReviewPolicySerializer(policy).data)

    @extend_schema(
        summary="Replace the review policy (administrators); pending review dates follow it",
        request=ReviewPolicySerializer,
        responses={200: ReviewPolicySerializer, 400: ErrorResponseSerializer},
    )
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(
        summary="Change some review intervals (administrators); pending review dates follow them",
        request=ReviewPolicySerializer,
        responses={200: ReviewPolicySerializer, 400: ErrorResponseSerializer},
    )
    def patch(self, request):
        return self._save(request, partial=True)


def _unsaved(policy):
    policy.updated_at = None
    return policy


class VendorModelVersionView(VendorApiMixin, APIView):
    @extend_schema(
        summary="The model versions your company reported for this product",
        responses={200: VendorModelVersionSerializer(many=True)},
    )
    def get(self, request):
        invite = request.auth
        versions = versions_of(invite.evaluation.product).filter(
            reported_by_contact__vendor_id=invite.contact.vendor_id
        )
        return Response(VendorModelVersionSerializer(versions, many=True).data)

    @extend_schema(
        summary="Report a new version of the product's model",
        description=(
            "A change outside the authorized PCCP (`within_pccp`: `no`) or one that changes the intended "
            "use opens a re-assessment at once; others are recorded for the next scheduled review. "
            "`action` in the answer says which. Only the invited contact reports (not a delegate)."
        ),
        request=ModelVersionInSerializer,
        responses={
            201: VendorModelVersionSerializer,
            400: ErrorResponseSerializer,
            403: ErrorResponseSerializer,
        },
    )
    def post(self, request):
        invite = request.auth
        if invite.delegated_from_id:
            raise ApiError(
                [error("", "Only the invited contact reports model versions.", "not_delegated")],
                status_code=status.HTTP_403_FORBIDDEN,
            )
        serializer = ModelVersionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = _report(
            product=invite.evaluation.product,
            contact=invite.contact,
            request=request,
            **serializer.validated_data,
        )
        return Response(VendorModelVersionSerializer(report).data, status=status.HTTP_201_CREATED)
