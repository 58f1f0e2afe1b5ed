"""Templates and the vendor directory through the API."""

from __future__ import annotations

import copy

from procurement.models import AuditEvent, Evaluation
from procurement.services.audit import audit_record
from questionnaires.models import Template
from questionnaires.transfer import template_export
from tests.factories import (
    ContactFactory,
    EvaluationFactory,
    InviteFactory,
    ProductFactory,
    QuestionFactory,
    SectionFactory,
    TemplateFactory,
    VendorFactory,
)
from vendors.models import Contact, Product, Vendor


def _template_with_question(org):
    template = TemplateFactory(organization=org, name="Due diligence", slug="dd")
    section = SectionFactory(template=template, key="use", title="Use")
    QuestionFactory(section=section, key="use.processes_phi", prompt="Does it process PHI?")
    return template


def test_templates_list_own_and_library_but_not_other_organizations(officer_api, org, other_org):
    own = TemplateFactory(organization=org, name="Ours")
    library = TemplateFactory(organization=None, name="Library one")
    TemplateFactory(organization=other_org, name="Theirs")
    response = officer_api.get("/api/v1/templates/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {str(own.public_id), str(library.public_id)}
    assert response.json()["count"] == 2


def test_template_detail_has_sections_and_questions(officer_api, org):
    template = _template_with_question(org)
    body = officer_api.get(f"/api/v1/templates/{template.public_id}/").json()
    assert body["name"] == "Due diligence"
    assert body["sections"][0]["key"] == "use"
    assert body["sections"][0]["questions"][0]["key"] == "use.processes_phi"


def test_other_organizations_template_is_404(officer_api, other_org):
    theirs = TemplateFactory(organization=other_org)
    response = officer_api.get(f"/api/v1/templates/{theirs.public_id}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_export_is_the_exchange_format(officer_api, org):
    template = _template_with_question(org)
    body = officer_api.get(f"/api/v1/templates/{template.public_id}/export/").json()
    assert body == template_export(template)
    assert body["format"] == "clinical-ai-dd-template/1"


def test_import_creates_a_draft_and_round_trips(officer_api, org):
    data = template_export(_template_with_question(org))
    data["version"] = 2
    response = officer_api.post("/api/v1/templates/import/", data, format="json")
    assert response.status_code == 201, response.json()
    created = Template.objects.get(public_id=response.json()["id"])
    assert created.status == Template.Status.DRAFT
    assert created.organization == org
    assert template_export(created) == data


def test_import_errors_carry_their_paths(officer_api, org):
    data = template_export(_template_with_question(org))
    bad = copy.deepcopy(data)
    bad["version"] = 3
    bad["sections"][0]["questions"][0]["prompt"] = 12
    response = officer_api.post("/api/v1/templates/import/", bad, format="json")
    assert response.status_code == 400
    paths = [e["path"] for e in response.json()["errors"]]
    assert "sections[0].questions[0].prompt" in paths
    assert Template.objects.filter(version=3).count() == 0


def test_import_of_a_non_object_is_a_400(officer_api):
    response = officer_api.post("/api/v1/templates/import/", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == ""


def test_import_of_malformed_json_is_a_400(officer_api):
    response = officer_api.generic(
        "POST", "/api/v1/templates/import/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_vendor_crud(officer_api, org):
    response = officer_api.post(
        "/api/v1/vendors/", {"legal_name": "Acme AI", "website": "https://acme.example"}, format="json"
    )
    assert response.status_code == 201
    vendor = Vendor.objects.get(public_id=response.json()["id"])
    assert vendor.organization == org
    url = f"/api/v1/vendors/{vendor.public_id}/"
    assert officer_api.patch(url, {"notes": "Preferred"}, format="json").status_code == 200
    vendor.refresh_from_db()
    assert vendor.notes == "Preferred"
    assert officer_api.get(url).json()["legal_name"] == "Acme AI"
    assert officer_api.delete(url).status_code == 204
    assert not Vendor.objects.filter(pk=vendor.pk).exists()


def test_duplicate_vendor_name_is_a_field_error(officer_api, org):
    VendorFactory(organization=org, legal_name="Acme AI")
    response = officer_api.post("/api/v1/vendors/", {"legal_name": "acme ai"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "legal_name", "message": "A vendor with this name already exists.", "code": "duplicate"}
    ]


def test_invalid_website_is_a_field_error(officer_api):
    response = officer_api.post(
        "/api/v1/vendors/", {"legal_name": "X", "website": "not a url"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "website"


def test_vendor_search_filter(officer_api, org):
    VendorFactory(organization=org, legal_name="Acme AI")
    VendorFactory(organization=org, legal_name="Zeta Health")
    names = [v["legal_name"] for v in officer_api.get("/api/v1/vendors/?q=acme").json()["results"]]
    assert names == ["Acme AI"]


def test_a_vendor_whose_product_was_evaluated_cannot_be_deleted(officer_api, org):
    evaluation = EvaluationFactory(organization=org)
    vendor = evaluation.product.vendor
    response = officer_api.delete(f"/api/v1/vendors/{vendor.public_id}/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "in_use"
    assert Vendor.objects.filter(pk=vendor.pk).exists()


def test_product_crud_and_filter_by_vendor(officer_api, org):
    vendor = VendorFactory(organization=org)
    other = VendorFactory(organization=org)
    ProductFactory(vendor=other)
    response = officer_api.post(
        "/api/v1/products/",
        {"vendor": str(vendor.public_id), "name": "SepsisWatch", "deployment": "saas"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    product = Product.objects.get(public_id=response.json()["id"])
    assert product.vendor == vendor
    listed = officer_api.get(f"/api/v1/products/?vendor={vendor.public_id}").json()["results"]
    assert [p["id"] for p in listed] == [str(product.public_id)]
    url = f"/api/v1/products/{product.public_id}/"
    assert (
        officer_api.put(
            url, {"vendor": str(vendor.public_id), "name": "SepsisWatch", "version": "4"}, format="json"
        ).json()["version"]
        == "4"
    )
    assert officer_api.delete(url).status_code == 204


def test_a_product_cannot_name_another_organizations_vendor(officer_api, other_org):
    theirs = VendorFactory(organization=other_org)
    response = officer_api.post(
        "/api/v1/products/", {"vendor": str(theirs.public_id), "name": "X"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "vendor"
    assert not Product.objects.exists()


def test_invalid_deployment_and_bad_filter_are_400(officer_api, org):
    vendor = VendorFactory(organization=org)
    response = officer_api.post(
        "/api/v1/products/",
        {"vendor": str(vendor.public_id), "name": "X", "deployment": "moon"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "deployment"
    assert officer_api.get("/api/v1/products/?vendor=not-a-uuid").status_code == 400


def test_contact_crud(officer_api, org):
    vendor = VendorFactory(organization=org)
    response = officer_api.post(
        "/api/v1/contacts/",
        {"vendor": str(vendor.public_id), "name": "Dana", "email": "dana@acme.example"},
        format="json",
    )
    assert response.status_code == 201
    contact = Contact.objects.get(public_id=response.json()["id"])
    url = f"/api/v1/contacts/{contact.public_id}/"
    assert officer_api.patch(url, {"role": "CISO"}, format="json").json()["role"] == "CISO"
    assert officer_api.patch(url, {"email": "nope"}, format="json").status_code == 400
    assert officer_api.delete(url).status_code == 204


def test_a_contact_email_already_used_at_the_vendor_is_refused_with_its_path(officer_api, org):
    vendor = VendorFactory(organization=org, legal_name="Acme")
    ContactFactory(vendor=vendor, email="dana@acme.example")
    lee = ContactFactory(vendor=vendor, email="lee@acme.example")
    body = {"vendor": str(vendor.public_id), "name": "Dan", "email": "DANA@acme.example"}
    response = officer_api.post("/api/v1/contacts/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "email",
            "message": "Another contact of Acme already uses DANA@acme.example.",
            "code": "duplicate",
        }
    ]
    response = officer_api.patch(
        f"/api/v1/contacts/{lee.public_id}/", {"email": "Dana@acme.example"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "email"
    lee.refresh_from_db()
    assert (lee.email, Contact.objects.count()) == ("lee@acme.example", 2)


def test_an_invited_contact_cannot_be_deleted(officer_api, org):
    invite = InviteFactory(evaluation=EvaluationFactory(organization=org, status=Evaluation.Status.SENT))
    response = officer_api.delete(f"/api/v1/contacts/{invite.contact.public_id}/")
    assert response.status_code == 409
    assert Contact.objects.filter(pk=invite.contact.pk).exists()


def test_a_contact_named_in_the_audit_log_cannot_be_deleted_through_the_api(officer_api, org):
    contact = ContactFactory(vendor=VendorFactory(organization=org))
    audit_record(organization=org, kind=AuditEvent.Kind.COMMENT_ADDED, summary="Wrote", contact=contact)
    response = officer_api.delete(f"/api/v1/contacts/{contact.public_id}/")
    assert response.status_code == 409
    assert "kept for the record" in response.text
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_vendor_whose_contact_is_named_in_the_audit_log_cannot_be_deleted(officer_api, org):
    contact = ContactFactory(vendor=VendorFactory(organization=org))
    audit_record(organization=org, kind=AuditEvent.Kind.COMMENT_ADDED, summary="Wrote", contact=contact)
    response = officer_api.delete(f"/api/v1/vendors/{contact.vendor.public_id}/")
    assert response.status_code == 409
    assert "its contacts are named in the audit log" in response.text
    assert Vendor.objects.filter(pk=contact.vendor_id).exists()


def test_lists_are_paginated_with_a_maximum_page_size(officer_api, org):
    for _ in range(3):
        ContactFactory(vendor=VendorFactory(organization=org))
    body = officer_api.get("/api/v1/contacts/?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    assert len(officer_api.get("/api/v1/contacts/?page_size=1000").json()["results"]) == 3
    response = officer_api.get("/api/v1/contacts/?page=99")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_directory_list_query_count_does_not_grow(officer_api, org, django_assert_max_num_queries):
    for _ in range(20):
        ProductFactory(vendor=VendorFactory(organization=org))
    with django_assert_max_num_queries(8):
        assert officer_api.get("/api/v1/products/").status_code == 200


def test_unknown_paths_answer_in_the_error_format(officer_api):
    response = officer_api.get("/api/v1/vendors/not-a-uuid/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
