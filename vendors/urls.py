from __future__ import annotations

from django.urls import path

from vendors import views

urlpatterns = [
    path("", views.vendor_list, name="vendor_list"),
    path("new/", views.vendor_create, name="vendor_create"),
    path("<uuid:public_id>/", views.vendor_detail, name="vendor_detail"),
    path("<uuid:public_id>/edit/", views.vendor_edit, name="vendor_edit"),
    path("<uuid:public_id>/products/new/", views.product_create, name="product_create"),
    path("products/<uuid:public_id>/edit/", views.product_edit, name="product_edit"),
    path("<uuid:public_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<uuid:public_id>/edit/", views.contact_edit, name="contact_edit"),
]
