"""The re-assessment API: a product's versions and next review, the review policy, the vendor's report."""

from __future__ import annotations

import pytest

from procurement.models import Evaluation, ModelVersion, ReviewPolicy
from tests.api.conftest import api_client, token_for
from tests.factories import InviteFactory
from tests.procurement.reassessment_setup import approved, vendor_invite

pytestmark = pytest.mark.django_db


def versions_url(product) -> str:
    return f"/api/v1/products/{product.public_id}/versions/"


def test_officer_lists_versions_and_the_next_review(org, officer, officer_api):
    evaluation, _ = approved(org, officer, tier="high")
    response = officer_api.get(versions_url(evaluation.product))
    assert response.status_code == 200
    body = response.json()
    assert body["current_version"] == "2.1"
    assert body["next_review"]["risk_tier"] == "high"
    assert body["next_review"]["approved_evaluation"] == str(evaluation.public_id)
    assert body["next_review"]["reassessment"] is None
    assert [(v["version"], v["action"], v["covered_by"]["id"]) for v in body["versions"]] == [
        ("2.1", "evaluated", str(evaluation.public_id))
    ]


def test_officer_records_an_outside_pccp_version(org, officer, officer_api):
    evaluation, _ = approved(org, officer)
    response = officer_api.post(
        versions_url(evaluation.product),
        {"version": "3.0", "within_pccp": "no", "release_notes": "Retrained on 2026 data."},
        format="json",
    )
    assert response.status_code == 201
    reassessment = Evaluation.objects.get(purpose=Evaluation.Purpose.REASSESSMENT)
    assert response.json()["action"] == "reassessment_opened"
    assert response.json()["covered_by"]["id"] == str(reassessment.public_id)
    body = officer_api.get(versions_url(evaluation.product)).json()
    assert body["next_review"]["reassessment"]["id"] == str(reassessment.public_id)


def test_bad_version_reports_answer_with_the_field_path(org, officer, officer_api):
    evaluation, _ = approved(org, officer)
    response = officer_api.post(
        versions_url(evaluation.product), {"version": 3, "within_pccp": "perhaps"}, format="json"
    )
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {"version", "within_pccp"}
    same = officer_api.post(
        versions_url(evaluation.product), {"version": "2.1", "within_pccp": "yes"}, format="json"
    )
    assert same.status_code == 400
    assert same.json()["errors"][0]["path"] == "version"
    assert ModelVersion.objects.count() == 1


def test_another_organization_gets_404(org, officer, outsider):
    evaluation, _ = approved(org, officer)
    client = api_client(token_for(outsider))
    assert client.get(versions_url(evaluation.product)).status_code == 404
    posted = client.post(
        versions_url(evaluation.product), {"version": "9", "within_pccp": "no"}, format="json"
    )
    assert posted.status_code == 404
    assert not ModelVersion.objects.filter(version="9").exists()


def test_review_policy_read_by_members_changed_by_administrators(org, officer_api, admin_api):
    got = officer_api.get("/api/v1/review-policy/")
    assert got.status_code == 200
    assert got.json() == {
        "critical_months": 6,
        "high_months": 12,
        "moderate_months": 18,
        "low_months": 24,
        "lead_days": 30,
        "updated_at": None,
    }
    assert officer_api.patch("/api/v1/review-policy/", {"lead_days": 7}, format="json").status_code == 403
    changed = admin_api.patch("/api/v1/review-policy/", {"lead_days": 7, "high_months": 9}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["lead_days"], changed.json()["high_months"]) == (7, 9)
    bad = admin_api.put("/api/v1/review-policy/", {"critical_months": 0}, format="json")
    assert bad.status_code == 400
    assert {e["path"] for e in bad.json()["errors"]} == {
        "critical_months",
        "high_months",
        "moderate_months",
        "low_months",
        "lead_days",
    }
    assert ReviewPolicy.objects.get(organization=org).lead_days == 7


def test_vendor_reports_a_version_with_the_invite_token(org, officer):
    evaluation, _ = approved(org, officer)
    invite = vendor_invite(evaluation)
    client = api_client(invite.token, scheme="Invite")
    inside = client.post(
        "/api/v1/vendor/model-versions/", {"version": "2.2", "within_pccp": "yes"}, format="json"
    )
    assert inside.status_code == 201
    assert inside.json()["action"] == "recorded"
    assert "covered_by" not in inside.json()
    use = client.post(
        "/api/v1/vendor/model-versions/",
        {"version": "3.0", "within_pccp": "yes", "changes_intended_use": True},
        format="json",
    )
    assert use.json()["action"] == "reassessment_opened"
    assert (
        Evaluation.objects.filter(purpose=Evaluation.Purpose.REASSESSMENT, previous=evaluation).count() == 1
    )
    listed = client.get("/api/v1/vendor/model-versions/").json()
    assert [v["version"] for v in listed] == ["3.0", "2.2"]


def test_a_delegated_link_cannot_report(org, officer):
    evaluation, _ = approved(org, officer)
    invite = vendor_invite(evaluation)
    delegate = InviteFactory(evaluation=evaluation, delegated_from=invite, sections=["evidence"])
    client = api_client(delegate.token, scheme="Invite")
    response = client.post(
        "/api/v1/vendor/model-versions/", {"version": "3", "within_pccp": "no"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "not_delegated"


def test_the_schema_describes_the_new_endpoints(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/products/{id}/versions/"])
    assert {"get", "put", "patch"} <= set(paths["/api/v1/review-policy/"])
    assert "post" in paths["/api/v1/vendor/model-versions/"]
