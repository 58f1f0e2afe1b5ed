"""A product's page (review date, model versions) and the organization's review policy."""

from __future__ import annotations

from django.urls import path

from procurement.views import products

urlpatterns = [
    path("products/<uuid:public_id>/", products.product_detail, name="product_detail"),
    path(
        "products/<uuid:public_id>/versions/", products.product_version_record, name="product_version_record"
    ),
    path("settings/review-policy/", products.review_policy, name="review_policy"),
]
