"""Evaluations through the API: create, list and filter, workflow, invites, clarification, decision, audit."""

from __future__ import annotations

from django.core import mail

from procurement.models import AuditEvent, ClarificationRequest, Evaluation, Invite
from tests.factories import EvaluationFactory, ProductFactory, TemplateFactory, VendorFactory

S = Evaluation.Status


def test_create_an_evaluation_from_a_published_template(officer_api, org, officer, reviewer, product):
    template = TemplateFactory(organization=None, name="Library DD")
    response = officer_api.post(
        "/api/v1/evaluations/",
        {
            "product": str(product.public_id),
            "template": str(template.public_id),
            "due_date": "2031-01-31",
            "reviewers": [reviewer.username],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    evaluation = Evaluation.objects.get(public_id=body["id"])
    assert evaluation.organization == org
    assert evaluation.owner == officer
    assert evaluation.status == S.DRAFT
    assert list(evaluation.assignments.values_list("reviewer", flat=True)) == [reviewer.pk]
    assert body["template"]["name"] == "Library DD"
    assert body["allowed_transitions"] == ["archived", "sent"]


def test_create_refuses_a_draft_template_with_a_field_error(officer_api, org, product):
    draft = TemplateFactory(organization=org, status="draft")
    response = officer_api.post(
        "/api/v1/evaluations/",
        {"product": str(product.public_id), "template": str(draft.public_id)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"path": "template", "message": "Choose a published questionnaire version.", "code": "invalid"}
    ]
    assert not Evaluation.objects.exists()


def test_create_refuses_other_organizations_objects(officer_api, other_org):
    theirs = ProductFactory(vendor=VendorFactory(organization=other_org))
    template = TemplateFactory(organization=other_org)
    response = officer_api.post(
        "/api/v1/evaluations/",
        {"product": str(theirs.public_id), "template": str(template.public_id), "owner": "nobody"},
        format="json",
    )
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {"product", "template", "owner"}


def test_a_name_with_a_nul_character_is_a_field_error_not_a_server_error(officer_api, org, product):
    template = TemplateFactory(organization=None)
    response = officer_api.post(
        "/api/v1/evaluations/",
        {
            "product": str(product.public_id),
            "template": str(template.public_id),
            "owner": "officer\x00",
            "reviewers": ["a\x00b"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {"owner", "reviewers[0]"}
    assert not Evaluation.objects.exists()


def test_list_filters_by_status_vendor_and_tier(officer_api, org, product):
    sent = EvaluationFactory(organization=org, product=product, status=S.SENT, risk_tier="high")
    EvaluationFactory(organization=org, status=S.DRAFT, risk_tier="low")
    EvaluationFactory(organization=org, status=S.SENT, risk_tier="low")

    def ids(query):
        return [e["id"] for e in officer_api.get(f"/api/v1/evaluations/?{query}").json()["results"]]

    assert ids(f"status=sent&vendor={product.vendor.public_id}") == [str(sent.public_id)]
    assert ids("risk_tier=high") == [str(sent.public_id)]
    assert len(ids("status=sent")) == 2
    bad = officer_api.get("/api/v1/evaluations/?status=flying")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "status"


def test_list_query_count_is_constant(officer_api, org, django_assert_max_num_queries):
    for _ in range(15):
        EvaluationFactory(organization=org)
    with django_assert_max_num_queries(6):
        assert officer_api.get("/api/v1/evaluations/").status_code == 200


def test_list_shows_only_own_organization(officer_api, org, other_org):
    EvaluationFactory(organization=other_org)
    assert officer_api.get("/api/v1/evaluations/").json()["count"] == 0


def test_transition_sends_and_refuses_illegal_moves(officer_api, org):
    evaluation = EvaluationFactory(organization=org, status=S.DRAFT)
    url = f"/api/v1/evaluations/{evaluation.public_id}/transition/"
    response = officer_api.post(url, {"to_status": "sent"}, format="json")
    assert response.status_code == 200
    evaluation.refresh_from_db()
    assert evaluation.status == S.SENT
    response = officer_api.post(url, {"to_status": "decided"}, format="json")
    assert response.status_code == 400
    assert (
        response.json()["errors"][0]["message"] == "That change of status is made elsewhere in the workflow."
    )


def test_a_reviewer_may_start_review_but_not_archive(reviewer_api, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    url = f"/api/v1/evaluations/{evaluation.public_id}/transition/"
    assert reviewer_api.post(url, {"to_status": "archived"}, format="json").status_code == 403
    assert reviewer_api.post(url, {"to_status": "under_review"}, format="json").status_code == 200


def test_invite_contacts_sends_mail_without_returning_the_secret(
    officer_api, org, contact, product, django_capture_on_commit_callbacks
):
    evaluation = EvaluationFactory(organization=org, product=product, status=S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_api.post(
            f"/api/v1/evaluations/{evaluation.public_id}/invites/",
            {"contacts": [str(contact.public_id)]},
            format="json",
        )
    assert response.status_code == 201, response.json()
    invite = Invite.objects.get()
    assert response.json()[0]["id"] == str(invite.public_id)
    assert "token" not in response.json()[0]
    evaluation.refresh_from_db()
    assert evaluation.status == S.SENT
    assert len(mail.outbox) == 1


def test_inviting_another_vendors_contact_is_a_field_error(officer_api, org, product):
    from tests.factories import ContactFactory

    evaluation = EvaluationFactory(organization=org, product=product)
    stranger = ContactFactory(vendor=VendorFactory(organization=org))
    response = officer_api.post(
        f"/api/v1/evaluations/{evaluation.public_id}/invites/",
        {"contacts": [str(stranger.public_id)]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "contacts"
    assert not Invite.objects.exists()


def test_inviting_an_unknown_contact_points_at_the_list_item(officer_api, org):
    evaluation = EvaluationFactory(organization=org)
    response = officer_api.post(
        f"/api/v1/evaluations/{evaluation.public_id}/invites/",
        {"contacts": ["9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "contacts[0]"


def test_request_clarification(reviewer_api, org, evaluation, questions):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.UNDER_REVIEW)
    url = f"/api/v1/evaluations/{evaluation.public_id}/clarifications/"
    response = reviewer_api.post(
        url, {"questions": ["use.processes_phi", "nope"], "message": "?"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "questions[1]"
    response = reviewer_api.post(
        url, {"questions": ["use.processes_phi"], "message": "Which PHI elements?"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()[0]["question"] == "use.processes_phi"
    evaluation.refresh_from_db()
    assert evaluation.status == S.CHANGES_REQUESTED
    assert ClarificationRequest.objects.filter(evaluation=evaluation).count() == 1


def test_decide_with_conditions(officer_api, org, officer):
    evaluation = EvaluationFactory(organization=org, status=S.UNDER_REVIEW)
    url = f"/api/v1/evaluations/{evaluation.public_id}/decision/"
    response = officer_api.post(
        url, {"decision": "approved_with_conditions", "rationale": "Good", "conditions": []}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "decision"
    response = officer_api.post(
        url,
        {
            "decision": "approved_with_conditions",
            "rationale": "Good evidence; BAA pending.",
            "conditions": [
                {"description": "Sign the BAA", "owner": officer.username, "due_date": "2031-02-01"}
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "decided"
    assert body["conditions"][0]["owner"] == officer.username
    evaluation.refresh_from_db()
    assert evaluation.decision == "approved_with_conditions"


def test_decision_condition_errors_have_paths(officer_api, org):
    evaluation = EvaluationFactory(organization=org, status=S.UNDER_REVIEW)
    response = officer_api.post(
        f"/api/v1/evaluations/{evaluation.public_id}/decision/",
        {"decision": "approved_with_conditions", "rationale": "x", "conditions": [{"due_date": "soon"}]},
        format="json",
    )
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {
        "conditions[0].description",
        "conditions[0].due_date",
    }


def test_audit_log_is_paginated_and_read_only(officer_api, org):
    evaluation = EvaluationFactory(organization=org, status=S.DRAFT)
    officer_api.post(
        f"/api/v1/evaluations/{evaluation.public_id}/transition/", {"to_status": "sent"}, format="json"
    )
    url = f"/api/v1/evaluations/{evaluation.public_id}/audit/"
    body = officer_api.get(url + "?page_size=1").json()
    assert body["count"] == AuditEvent.objects.filter(evaluation=evaluation).count() >= 1
    assert body["results"][0]["kind"] == "status_changed"
    assert officer_api.delete(url).status_code == 405
    assert officer_api.post(url, {}, format="json").status_code == 405


def test_other_organizations_evaluation_is_404_everywhere(outsider_api, org):
    evaluation = EvaluationFactory(organization=org, status=S.UNDER_REVIEW)
    base = f"/api/v1/evaluations/{evaluation.public_id}/"
    assert outsider_api.get(base).status_code == 404
    assert outsider_api.get(base + "audit/").status_code == 404
    assert outsider_api.get(base + "score/").status_code == 404
    assert (
        outsider_api.post(
            base + "decision/", {"decision": "rejected", "rationale": "x"}, format="json"
        ).status_code
        == 404
    )
    evaluation.refresh_from_db()
    assert evaluation.status == S.UNDER_REVIEW
