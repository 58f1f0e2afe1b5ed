"""The vendor directory: list, search, detail, and creating and editing vendors, products, contacts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.factories import ContactFactory, EvaluationFactory, ProductFactory, VendorFactory
from vendors.models import Contact, Product, Vendor
from vendors.services import contact_create, contact_update, product_create, vendor_create, vendor_update

pytestmark = pytest.mark.django_db


# Services -----------------------------------------------------------------------------------


def test_vendor_create_stores_the_vendor(org):
    vendor = vendor_create(organization=org, legal_name="  Acme Clinical AI ", website="https://acme.example")
    assert vendor.organization == org
    assert vendor.legal_name == "Acme Clinical AI"


def test_vendor_create_refuses_a_duplicate_name_and_writes_nothing(org):
    VendorFactory(organization=org, legal_name="Acme")
    with pytest.raises(ValidationError, match="already exists"):
        vendor_create(organization=org, legal_name="acme")
    assert Vendor.objects.count() == 1


def test_the_same_vendor_name_is_fine_in_another_organization(org, other_org):
    VendorFactory(organization=other_org, legal_name="Acme")
    assert vendor_create(organization=org, legal_name="Acme").pk


def test_vendor_update_keeps_its_own_name(org):
    vendor = VendorFactory(organization=org, legal_name="Acme")
    vendor_update(vendor=vendor, legal_name="Acme", notes="Met at HIMSS")
    vendor.refresh_from_db()
    assert vendor.notes == "Met at HIMSS"


def test_product_and_contact_belong_to_the_vendors_organization(org):
    vendor = VendorFactory(organization=org)
    product = product_create(vendor=vendor, name="Scribe", deployment=Product.Deployment.EHR_EMBEDDED)
    contact = contact_create(vendor=vendor, name="Dana", email="dana@acme.example", role="CISO")
    assert product.organization == org
    assert contact.organization == org


def test_product_create_refuses_an_unknown_deployment(org):
    vendor = VendorFactory(organization=org)
    with pytest.raises(ValidationError, match="deployed"):
        product_create(vendor=vendor, name="Scribe", deployment="mainframe")
    assert not Product.objects.exists()


# List ---------------------------------------------------------------------------------------


def test_list_shows_only_own_vendors_and_searches_by_name(officer_client, org, other_org):
    VendorFactory(organization=org, legal_name="Acme Imaging")
    VendorFactory(organization=org, legal_name="Beacon Scribe")
    VendorFactory(organization=other_org, legal_name="Acme Elsewhere")
    response = officer_client.get(reverse("vendor_list"), {"q": "acme"})
    assert response.status_code == 200
    names = [v.legal_name for v in response.context["page"].object_list]
    assert names == ["Acme Imaging"]


def test_list_filters_by_deployment_and_open_evaluation(officer_client, org):
    on_prem = ProductFactory(vendor__organization=org, deployment=Product.Deployment.ON_PREMISES)
    ProductFactory(vendor__organization=org, deployment=Product.Deployment.SAAS)
    response = officer_client.get(reverse("vendor_list"), {"deployment": "on_premises"})
    assert [v.pk for v in response.context["page"].object_list] == [on_prem.vendor_id]
    response = officer_client.get(reverse("vendor_list"), {"has_open_evaluation": "on"})
    assert list(response.context["page"].object_list) == []
    EvaluationFactory(organization=org, product=on_prem)
    response = officer_client.get(reverse("vendor_list"), {"has_open_evaluation": "on"})
    assert [v.pk for v in response.context["page"].object_list] == [on_prem.vendor_id]


def test_list_is_paginated(officer_client, org):
    VendorFactory.create_batch(30, organization=org)
    response = officer_client.get(reverse("vendor_list"), {"page": 2})
    assert len(response.context["page"].object_list) == 5


def test_list_query_count_does_not_grow(officer_client, org, django_assert_max_num_queries):
    for _ in range(3):
        ProductFactory(vendor__organization=org)
    # 10: the navigation bar's unread notification count is one of them.
    with django_assert_max_num_queries(10) as first:
        officer_client.get(reverse("vendor_list"))
    for _ in range(20):
        ContactFactory(vendor=ProductFactory(vendor__organization=org).vendor)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert officer_client.get(reverse("vendor_list")).status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("vendor_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# Detail -------------------------------------------------------------------------------------


def test_detail_shows_products_contacts_and_evaluations(reviewer_client, org):
    product = ProductFactory(vendor__organization=org, name="Sepsis Watch")
    ContactFactory(vendor=product.vendor, name="Dana Lee")
    EvaluationFactory(organization=org, product=product)
    response = reviewer_client.get(product.vendor.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sepsis Watch" in body
    assert "Dana Lee" in body
    assert len(response.context["evaluations"]) == 1
    assert "Edit vendor" not in body  # a reviewer reads only


def test_detail_of_another_organizations_vendor_is_not_found(outsider_client, org):
    vendor = VendorFactory(organization=org)
    assert outsider_client.get(vendor.get_absolute_url()).status_code == 404


# Create and edit ----------------------------------------------------------------------------


def test_officer_creates_a_vendor(officer_client, org):
    response = officer_client.post(
        reverse("vendor_create"), {"legal_name": "Acme", "website": "https://acme.example", "notes": ""}
    )
    vendor = Vendor.objects.get()
    assert response.status_code == 302
    assert response.url == vendor.get_absolute_url()
    assert vendor.organization == org


def test_duplicate_name_is_shown_beside_the_field(officer_client, org):
    VendorFactory(organization=org, legal_name="Acme")
    response = officer_client.post(reverse("vendor_create"), {"legal_name": "Acme"})
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["legal_name"])


def test_reviewer_may_not_create_a_vendor(reviewer_client):
    assert reviewer_client.post(reverse("vendor_create"), {"legal_name": "Acme"}).status_code == 403
    assert not Vendor.objects.exists()


def test_officer_edits_a_vendor(officer_client, org):
    vendor = VendorFactory(organization=org, legal_name="Acme")
    url = reverse("vendor_edit", args=[vendor.public_id])
    response = officer_client.post(url, {"legal_name": "Acme Health AI", "website": "", "notes": "ok"})
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert (vendor.legal_name, vendor.notes) == ("Acme Health AI", "ok")


def test_editing_another_organizations_vendor_is_not_found(outsider_client, org):
    vendor = VendorFactory(organization=org, legal_name="Acme")
    url = reverse("vendor_edit", args=[vendor.public_id])
    assert outsider_client.post(url, {"legal_name": "Mine"}).status_code == 404
    vendor.refresh_from_db()
    assert vendor.legal_name == "Acme"


def test_officer_adds_and_edits_a_product(officer_client, org):
    vendor = VendorFactory(organization=org)
    data = {"name": "Ambient Scribe", "version": "3", "intended_use": "Notes", "deployment": "saas"}
    response = officer_client.post(reverse("product_create", args=[vendor.public_id]), data)
    assert response.status_code == 302
    product = vendor.products.get()
    data["version"] = "3.1"
    officer_client.post(reverse("product_edit", args=[product.public_id]), data)
    product.refresh_from_db()
    assert product.version == "3.1"


def test_officer_adds_and_edits_a_contact(officer_client, org):
    vendor = VendorFactory(organization=org)
    data = {"name": "Dana", "email": "dana@acme.example", "role": "CISO"}
    officer_client.post(reverse("contact_create", args=[vendor.public_id]), data)
    contact = Contact.objects.get()
    assert contact.organization == org
    data["role"] = "General counsel"
    officer_client.post(reverse("contact_edit", args=[contact.public_id]), data)
    contact.refresh_from_db()
    assert contact.role == "General counsel"


def test_invalid_contact_email_is_rejected_with_a_message(officer_client, org):
    vendor = VendorFactory(organization=org)
    response = officer_client.post(
        reverse("contact_create", args=[vendor.public_id]), {"name": "Dana", "email": "not-an-email"}
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Contact.objects.exists()


def test_a_second_contact_with_the_same_email_in_other_case_is_refused_next_to_the_field(officer_client, org):
    vendor = VendorFactory(organization=org, legal_name="Acme")
    ContactFactory(vendor=vendor, name="Dana", email="dana@acme.example")
    response = officer_client.post(
        reverse("contact_create", args=[vendor.public_id]), {"name": "Dan", "email": "Dana@ACME.example"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["Another contact of Acme already uses Dana@ACME.example."]
    }
    assert list(Contact.objects.values_list("name", flat=True)) == ["Dana"]


def test_editing_a_contact_onto_a_colleagues_email_is_refused_and_keeps_the_old_one(officer_client, org):
    vendor = VendorFactory(organization=org, legal_name="Acme")
    ContactFactory(vendor=vendor, email="dana@acme.example")
    lee = ContactFactory(vendor=vendor, name="Lee", email="lee@acme.example")
    response = officer_client.post(
        reverse("contact_edit", args=[lee.public_id]), {"name": "Lee", "email": " DANA@acme.example "}
    )
    assert response.context["form"].errors == {
        "email": ["Another contact of Acme already uses DANA@acme.example."]
    }
    lee.refresh_from_db()
    assert lee.email == "lee@acme.example"


def test_a_contact_keeps_its_own_email_on_edit_and_another_vendor_may_share_it(org):
    vendor = VendorFactory(organization=org)
    dana = contact_create(vendor=vendor, name="Dana", email="dana@acme.example")
    assert contact_update(contact=dana, email="DANA@acme.example").email == "DANA@acme.example"
    other = contact_create(vendor=VendorFactory(organization=org), name="Dana", email="dana@acme.example")
    assert other.email == "dana@acme.example"


def test_the_database_refuses_two_contacts_of_one_vendor_with_one_email_in_any_case(org):
    vendor = VendorFactory(organization=org)
    Contact.objects.create(organization=org, vendor=vendor, name="Dana", email="dana@acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(organization=org, vendor=vendor, name="Dan", email="DANA@Acme.Example")
    assert Contact.objects.count() == 1


@pytest.mark.parametrize("name", ["product_create", "contact_create"])
def test_children_of_another_organizations_vendor_cannot_be_added(outsider_client, org, name):
    vendor = VendorFactory(organization=org)
    assert outsider_client.get(reverse(name, args=[vendor.public_id])).status_code == 404


def test_compliance_lead_may_not_edit_a_contact(compliance_client, org):
    contact = ContactFactory(vendor__organization=org)
    url = reverse("contact_edit", args=[contact.public_id])
    assert compliance_client.post(url, {"name": "X", "email": "x@example.org"}).status_code == 403


@pytest.mark.parametrize("name", ["vendor_create", "vendor_edit", "product_create", "contact_create"])
def test_form_pages_render(officer_client, org, name):
    vendor = VendorFactory(organization=org)
    url = reverse(name) if name == "vendor_create" else reverse(name, args=[vendor.public_id])
    response = officer_client.get(url)
    assert response.status_code == 200
    assert "<form" in response.content.decode()
