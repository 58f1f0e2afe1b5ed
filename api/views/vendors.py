"""The vendor directory: vendors, their AI products and their contacts."""

from __future__ import annotations

import django_filters
from django.db.models import F
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import org_queryset
from accounts.roles import Perm
from api.filters import StrictFilterBackend
from api.serializers import (
    ContactSerializer,
    ErrorResponseSerializer,
    ProductFindingSerializer,
    ProductSerializer,
    VendorSerializer,
)
from api.views.base import OrgApiMixin
from procurement.models import ProductFinding
from vendors import services
from vendors.models import Contact, Product, Vendor

CRUD_PERMS = {
    "list": Perm.VIEW,
    "retrieve": Perm.VIEW,
    "create": Perm.MANAGE_VENDORS,
    "update": Perm.MANAGE_VENDORS,
    "partial_update": Perm.MANAGE_VENDORS,
    "destroy": Perm.MANAGE_VENDORS,
}


class VendorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="legal_name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Vendor
        fields = ["q"]


class ByVendorFilter(django_filters.FilterSet):
    vendor = django_filters.UUIDFilter(field_name="vendor__public_id", label="Vendor id")


class ProductFilter(ByVendorFilter):
    class Meta:
        model = Product
        fields = ["vendor", "deployment"]


class ContactFilter(ByVendorFilter):
    class Meta:
        model = Contact
        fields = ["vendor"]


class _DirectoryViewSet(OrgApiMixin, viewsets.ModelViewSet):
    required_perms = CRUD_PERMS
    filter_backends = [StrictFilterBackend]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]


@extend_schema_view(
    list=extend_schema(summary="List vendors"),
    create=extend_schema(summary="Create a vendor"),
    destroy=extend_schema(
        summary="Delete a vendor (refused once any of its products was evaluated)",
        responses={204: None, 409: ErrorResponseSerializer},
    ),
)
class VendorViewSet(_DirectoryViewSet):
    serializer_class = VendorSerializer
    filterset_class = VendorFilter

    def get_queryset(self):
        return org_queryset(self.request, Vendor).order_by("legal_name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.vendor_create(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.vendor_update(vendor=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.vendor_delete(vendor=instance)


@extend_schema_view(
    list=extend_schema(summary="List products"),
    create=extend_schema(summary="Create a product of a vendor"),
    destroy=extend_schema(
        summary="Delete a product (refused once it was evaluated)",
        responses={204: None, 409: ErrorResponseSerializer},
    ),
)
class ProductViewSet(_DirectoryViewSet):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    required_perms = {**CRUD_PERMS, "findings": Perm.VIEW}

    @extend_schema(
        summary="Findings on the product after approval (open first), e.g. expired evidence",
        responses=ProductFindingSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def findings(self, request, id=None):
        product = self.get_object()
        findings = (
            org_queryset(request, ProductFinding)
            .filter(product=product)
            .select_related("evaluation", "evidence", "resolved_by")
            .order_by(F("resolved_at").asc(nulls_first=True), "-raised_at", "-id")
        )
        return Response(ProductFindingSerializer(findings, many=True).data)

    def get_queryset(self):
        return org_queryset(self.request, Product).select_related("vendor").order_by("name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.product_create(**serializer.validated_data)

    def perform_update(self, serializer):
        # The vendor is fixed once the product exists; other fields go through the service.
        serializer.validated_data.pop("vendor", None)
        services.product_update(product=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.product_delete(product=instance)


@extend_schema_view(
    list=extend_schema(summary="List vendor contacts"),
    create=extend_schema(summary="Create a contact of a vendor"),
    destroy=extend_schema(
        summary="Delete a contact (refused once it was invited)",
        responses={204: None, 409: ErrorResponseSerializer},
    ),
)
class ContactViewSet(_DirectoryViewSet):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    def get_queryset(self):
        return org_queryset(self.request, Contact).select_related("vendor").order_by("name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.contact_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.validated_data.pop("vendor", None)
        services.contact_update(contact=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.contact_delete(contact=instance)
