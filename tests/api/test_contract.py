"""The API keeps what its schema and README promise: statuses, refused filters, text as text, JSON
errors even on a crash, and no cached copies."""

from __future__ import annotations

import logging

import pytest

from procurement.models import Evaluation
from tests.api.conftest import api_client
from tests.factories import EvaluationFactory, VendorFactory
from vendors.models import Product, Vendor

# ---------------------------------------------------------------------------------------------
# In use: 409
# ---------------------------------------------------------------------------------------------


def test_deleting_an_evaluated_product_is_a_conflict(officer_api, org):
    evaluation = EvaluationFactory(organization=org)
    response = officer_api.delete(f"/api/v1/products/{evaluation.product.public_id}/")
    assert response.status_code == 409
    assert response.json() == {
        "errors": [
            {
                "path": "",
                "message": (
                    "This product has evaluations, which are kept for the record; it cannot be deleted."
                ),
                "code": "in_use",
            }
        ]
    }
    assert Product.objects.filter(pk=evaluation.product.pk).exists()


def test_the_schema_documents_409_on_directory_deletes(officer_api):
    paths = officer_api.get("/api/schema/?format=json").json()["paths"]
    for resource in ("vendors", "products", "contacts"):
        assert "409" in paths[f"/api/v1/{resource}/{{id}}/"]["delete"]["responses"], resource


# ---------------------------------------------------------------------------------------------
# Filters: an unreadable value is refused with its name as path
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/v1/evaluations/?vendor=not-a-uuid", "vendor"),
        ("/api/v1/evaluations/?vendor=", "vendor"),
        ("/api/v1/evaluations/?overdue=2", "overdue"),
        ("/api/v1/evaluations/?overdue=maybe", "overdue"),
        ("/api/v1/evaluations/?status=archivedd", "status"),
        ("/api/v1/evaluations/?ordering=evidence", "ordering"),
        ("/api/v1/evaluations/?ordering=created_at,,status", "ordering"),
        ("/api/v1/products/?vendor=", "vendor"),
        ("/api/v1/contacts/?vendor=12", "vendor"),
        ("/api/v1/templates/?status=AAA", "status"),
        ("/api/v1/vendors/?page_size=null", "page_size"),
        ("/api/v1/vendors/?page_size=0", "page_size"),
    ],
)
def test_an_unreadable_filter_value_is_refused(officer_api, org, officer, url, path):
    EvaluationFactory(organization=org, owner=officer)
    response = officer_api.get(url)
    assert response.status_code == 400, response.json()
    assert [e["path"] for e in response.json()["errors"]] == [path]


def test_readable_filters_still_filter(officer_api, org, officer):
    overdue = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    overdue.due_date = overdue.created_at.date().replace(year=2000)
    overdue.save()
    EvaluationFactory(organization=org, owner=officer)
    ids = [e["id"] for e in officer_api.get("/api/v1/evaluations/?overdue=true").json()["results"]]
    assert ids == [str(overdue.public_id)]
    assert officer_api.get("/api/v1/evaluations/?overdue=false").json()["count"] == 1
    assert officer_api.get("/api/v1/evaluations/?ordering=-due_date,status").status_code == 200
    # Text filters take any text: the empty search term lists everything.
    VendorFactory(organization=org, legal_name="Acme AI")
    assert (
        officer_api.get("/api/v1/vendors/?q=").json()["count"]
        == Vendor.objects.filter(organization=org).count()
    )


# ---------------------------------------------------------------------------------------------
# Text fields take text only
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("notes", [0, 12.5, True, ["a"], {"a": 1}])
def test_a_number_is_not_taken_as_text(officer_api, org, notes):
    response = officer_api.post("/api/v1/vendors/", {"legal_name": "Acme AI", "notes": notes}, format="json")
    assert response.status_code == 400
    [entry] = response.json()["errors"]
    assert entry["path"] == "notes"
    assert entry["code"] == "not_a_string"
    assert not Vendor.objects.filter(organization=org).exists()


def test_a_numeric_name_is_refused_but_the_same_digits_as_text_are_kept(officer_api, org):
    assert officer_api.post("/api/v1/vendors/", {"legal_name": 42}, format="json").status_code == 400
    response = officer_api.post("/api/v1/vendors/", {"legal_name": "42"}, format="json")
    assert response.status_code == 201
    assert Vendor.objects.get(organization=org).legal_name == "42"


def test_a_number_as_decision_rationale_is_refused(officer_api, org, officer):
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.UNDER_REVIEW)
    response = officer_api.post(
        f"/api/v1/evaluations/{evaluation.public_id}/decision/",
        {"decision": "approved", "rationale": 7},
        format="json",
    )
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["rationale"]


# ---------------------------------------------------------------------------------------------
# 409 on an unanswered question: body and schema agree
# ---------------------------------------------------------------------------------------------


def test_a_stale_version_on_an_unanswered_question_answers_409_with_null(vendor_api, questions):
    response = vendor_api.put(
        f"/api/v1/vendor/answers/{questions.phi.key}/", {"value": "yes", "version": 3}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["answer"] is None
    assert response.json()["errors"][0]["code"] == "conflict"


def test_the_schema_lets_the_conflict_answer_be_null(officer_api):
    schemas = officer_api.get("/api/schema/?format=json").json()["components"]["schemas"]
    answer = schemas["ConflictResponse"]["properties"]["answer"]
    assert answer.get("nullable") is True


# ---------------------------------------------------------------------------------------------
# A crash under /api/ answers JSON
# ---------------------------------------------------------------------------------------------


def test_a_server_error_answers_in_the_api_error_format(officer_api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("api.views.vendors.org_queryset", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = officer_api.get("/api/v1/vendors/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "errors": [
            {
                "path": "",
                "message": "Something went wrong on our side; please try again later.",
                "code": "server_error",
            }
        ]
    }
    assert "database on fire" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert record.exc_info[0] is RuntimeError


# ---------------------------------------------------------------------------------------------
# No cached copies
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "url", "status"),
    [
        ("org", "/api/v1/vendors/", 200),
        ("org", "/api/v1/me/", 200),
        ("org", "/api/v1/evaluations/00000000-0000-0000-0000-000000000000/", 404),
        ("org", "/api/v1/no-such-endpoint/", 404),
        ("org", "/api/schema/?format=json", 200),
        ("anonymous", "/api/v1/vendors/", 401),
        ("vendor", "/api/v1/vendor/questionnaire/", 200),
    ],
)
def test_every_api_answer_forbids_caching(officer_api, vendor_api, side, url, status):
    client = {"org": officer_api, "vendor": vendor_api, "anonymous": api_client()}[side]
    response = client.get(url)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


def test_the_schema_says_a_template_import_needs_its_file(officer_api):
    schema = officer_api.get("/api/schema/?format=json").json()
    body = schema["paths"]["/api/v1/templates/import/"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TemplateFile"}
