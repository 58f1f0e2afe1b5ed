"""The template upgrade through the API: the plan, applying it, and refusals as JSON errors."""

from __future__ import annotations

import pytest

from procurement.models import Answer, AuditEvent, Evaluation
from tests.procurement.upgrade_setup import evaluation_on_v1

pytestmark = pytest.mark.django_db
COUNTS = {"keep": 2, "confirm": 1, "archive": 2, "choice_removed": 1, "empty": 2, "new": 1}


def url(q):
    return f"/api/v1/evaluations/{q.evaluation.public_id}/template-upgrade/"


def test_plan_defaults_to_the_latest_newer_version(officer_api, org, officer):
    q = evaluation_on_v1(org, officer)
    response = officer_api.get(url(q))
    assert response.status_code == 200
    body = response.json()
    assert body["applied"] is False
    assert (body["from_template"]["version"], body["to_template"]["id"]) == (1, str(q.v2.public_id))
    assert body["counts"] == COUNTS
    hosting = next(i for i in body["items"] if i["key"] == "sec.hosting")
    assert hosting == {
        "key": "sec.hosting",
        "old_key": "sec.hosting",
        "new_key": "sec.hosting",
        "change": "changed",
        "action": "choice_removed",
        "reason": "No longer an option: b.",
        "answer": "Option B",
    }
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1


def test_apply_with_the_counts_read(officer_api, org, officer):
    q = evaluation_on_v1(org, officer)
    response = officer_api.post(
        url(q), {"target": str(q.v2.public_id), "expected_counts": COUNTS}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["applied"] is True
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v2
    assert Answer.objects.filter(evaluation=q.evaluation, archived_at__isnull=False).count() == 3
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.TEMPLATE_UPGRADED).data["counts"] == COUNTS


def test_stale_counts_are_refused(officer_api, org, officer):
    q = evaluation_on_v1(org, officer)
    response = officer_api.post(url(q), {"expected_counts": {**COUNTS, "keep": 5}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "stale_plan"
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1


def test_refusals_are_json_errors(officer_api, org, officer):
    q = evaluation_on_v1(org, officer, status=Evaluation.Status.SUBMITTED)
    response = officer_api.get(url(q), {"target": str(q.v2.public_id)})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "path": "",
            "message": (
                "The evaluation is submitted; its template can be upgraded only before the vendor submits."
            ),
            "code": "locked",
        }
    ]
    assert officer_api.get(url(q)).json()["errors"][0] == {
        "path": "target",
        "message": "No newer published version of this template to move to.",
        "code": "no_newer_version",
    }
    bad = officer_api.get(url(q), {"target": "not-a-uuid"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "target"
    missing = officer_api.post(url(q), {"target": "00000000-0000-0000-0000-000000000000"}, format="json")
    assert missing.json()["errors"][0] == {
        "path": "target",
        "message": "Not found.",
        "code": "does_not_exist",
    }


def test_reviewers_and_other_organizations_may_not(reviewer_api, outsider_api, org, officer):
    q = evaluation_on_v1(org, officer)
    assert reviewer_api.get(url(q)).status_code == 403
    assert reviewer_api.post(url(q), {}, format="json").status_code == 403
    assert outsider_api.get(url(q)).status_code == 404


def test_schema_documents_the_endpoint(officer_api):
    schema = officer_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = schema["paths"]["/api/v1/evaluations/{id}/template-upgrade/"]
    assert {"get", "post"} <= set(operations)
    assert any(p["name"] == "target" for p in operations["get"]["parameters"])
