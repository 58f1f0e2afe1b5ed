"""Each role against each endpoint, from the same table as the screens, plus tokens that must not work.

A cell is the status the role gets: 403 where the role lacks the permission, otherwise anything but
401/403/404 (the request body may still be refused with 400: permission came first). Outsiders
(members of another organization) get 404 on organization A's objects, anonymous callers 401.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from accounts.roles import ROLE_PERMISSIONS, Perm, Role
from accounts.services.api_tokens import api_token_create, api_token_hash
from procurement.models import Evaluation
from procurement.services.webhooks import webhook_endpoint_create
from reports.models import Report
from tests.api.conftest import api_client, token_for
from tests.factories import (
    ContactFactory,
    EvaluationFactory,
    InviteFactory,
    MembershipFactory,
    ScoreRunFactory,
    TemplateFactory,
)
from tests.procurement.conftest import build_questionnaire

# (method, path template, permission needed, object-scoped: outsiders get 404 rather than a list)
ENDPOINTS = [
    ("get", "/api/v1/me/", Perm.VIEW, False),
    ("get", "/api/v1/templates/", Perm.VIEW, False),
    ("get", "/api/v1/templates/{template}/", Perm.VIEW, True),
    ("get", "/api/v1/templates/{template}/export/", Perm.VIEW, True),
    ("post", "/api/v1/templates/import/", Perm.MANAGE_TEMPLATES, False),
    ("get", "/api/v1/vendors/", Perm.VIEW, False),
    ("post", "/api/v1/vendors/", Perm.MANAGE_VENDORS, False),
    ("get", "/api/v1/vendors/{vendor}/", Perm.VIEW, True),
    ("patch", "/api/v1/vendors/{vendor}/", Perm.MANAGE_VENDORS, True),
    ("delete", "/api/v1/vendors/{vendor}/", Perm.MANAGE_VENDORS, True),
    ("get", "/api/v1/products/", Perm.VIEW, False),
    ("post", "/api/v1/products/", Perm.MANAGE_VENDORS, False),
    ("get", "/api/v1/products/{product}/", Perm.VIEW, True),
    ("patch", "/api/v1/products/{product}/", Perm.MANAGE_VENDORS, True),
    ("delete", "/api/v1/products/{product}/", Perm.MANAGE_VENDORS, True),
    ("get", "/api/v1/contacts/", Perm.VIEW, False),
    ("post", "/api/v1/contacts/", Perm.MANAGE_VENDORS, False),
    ("get", "/api/v1/contacts/{contact}/", Perm.VIEW, True),
    ("patch", "/api/v1/contacts/{contact}/", Perm.MANAGE_VENDORS, True),
    ("delete", "/api/v1/contacts/{contact}/", Perm.MANAGE_VENDORS, True),
    ("get", "/api/v1/evaluations/", Perm.VIEW, False),
    ("post", "/api/v1/evaluations/", Perm.RUN_EVALUATIONS, False),
    ("get", "/api/v1/evaluations/{evaluation}/", Perm.VIEW, True),
    ("post", "/api/v1/evaluations/{evaluation}/invites/", Perm.RUN_EVALUATIONS, True),
    ("post", "/api/v1/evaluations/{evaluation}/clarifications/", Perm.REVIEW, True),
    ("post", "/api/v1/evaluations/{evaluation}/decision/", Perm.DECIDE, True),
    ("get", "/api/v1/evaluations/{evaluation}/audit/", Perm.VIEW, True),
    ("get", "/api/v1/evaluations/{evaluation}/score/", Perm.VIEW, True),
    # Reviewers or those who run evaluations (every role has one of the two).
    ("post", "/api/v1/evaluations/{evaluation}/score/", Perm.REVIEW, True),
    ("put", "/api/v1/evaluations/{evaluation}/overrides/use.processes_phi/", Perm.OVERRIDE_SCORES, True),
    ("delete", "/api/v1/evaluations/{evaluation}/overrides/use.processes_phi/", Perm.OVERRIDE_SCORES, True),
    ("post", "/api/v1/evaluations/{evaluation}/report/", Perm.VIEW_REPORTS, True),
    ("get", "/api/v1/reports/{report}/", Perm.VIEW_REPORTS, True),
    ("get", "/api/v1/reports/{report}/download/", Perm.VIEW_REPORTS, True),
    # Administrators only.
    ("get", "/api/v1/webhooks/", Perm.MANAGE_WEBHOOKS, False),
    ("post", "/api/v1/webhooks/", Perm.MANAGE_WEBHOOKS, False),
    ("get", "/api/v1/webhooks/{webhook}/deliveries/", Perm.MANAGE_WEBHOOKS, True),
    ("post", "/api/v1/webhooks/{webhook}/test/", Perm.MANAGE_WEBHOOKS, True),
]
# Moves and the permission each needs (the table in procurement.services.evaluations).
MOVES = [("sent", Perm.RUN_EVALUATIONS), ("under_review", Perm.REVIEW), ("archived", Perm.RUN_EVALUATIONS)]
ROLES = [Role.ADMIN, Role.OFFICER, Role.COMPLIANCE, Role.REVIEWER]


@pytest.fixture
def objects(org):
    evaluation = EvaluationFactory(organization=org, status=Evaluation.Status.SUBMITTED)
    contact = ContactFactory(vendor=evaluation.product.vendor)
    report = Report.objects.create(
        organization=org, evaluation=evaluation, kind="due_diligence", content_hash="x"
    )
    ScoreRunFactory(evaluation=evaluation)
    build_questionnaire(evaluation)
    return {
        "template": TemplateFactory(organization=org).public_id,
        "vendor": evaluation.product.vendor.public_id,
        "product": evaluation.product.public_id,
        "contact": contact.public_id,
        "evaluation": evaluation.public_id,
        "report": report.public_id,
        "webhook": webhook_endpoint_create(
            organization=org, url="https://grc.example/hook", event_kinds=["evaluation.decided"], user=None
        )[0].public_id,
    }


def _token_of_role(org, role) -> str:
    # Made directly: the role table does not let every role create tokens, but a member demoted
    # after creating one still holds it, and it must then obey the new role.
    user = MembershipFactory(organization=org, role=role).user
    if role in settings.TWO_FACTOR_REQUIRED_ROLES:  # without a second factor the token is refused
        TOTPDevice.objects.create(user=user, name="Matrix authenticator", confirmed=True)
    secret = f"dd_matrix-{role}-{user.pk}"
    ApiToken.objects.create(
        user=user, organization=org, name="Matrix", token_hash=api_token_hash(secret), prefix=secret[:8]
    )
    return secret


def _call(client, method, path):
    return getattr(client, method)(path, {}, format="json") if method != "get" else client.get(path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "perm", "scoped"), ENDPOINTS)
def test_role_against_endpoint(org, objects, role, method, path, perm, scoped):
    client = api_client(_token_of_role(org, role))
    response = _call(client, method, path.format(**objects))
    if perm in ROLE_PERMISSIONS[role]:
        assert response.status_code not in (401, 403, 404), (role, method, path, response.content)
    else:
        assert response.status_code == 403, (role, method, path, response.status_code)
        assert response.json()["errors"][0]["code"] == "permission_denied"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("to_status", "perm"), MOVES)
def test_role_against_each_move(org, objects, role, to_status, perm):
    client = api_client(_token_of_role(org, role))
    response = client.post(
        f"/api/v1/evaluations/{objects['evaluation']}/transition/", {"to_status": to_status}, format="json"
    )
    expected_refusal = perm not in ROLE_PERMISSIONS[role]
    assert (response.status_code == 403) is expected_refusal, (role, to_status, response.status_code)


@pytest.mark.parametrize(("method", "path", "perm", "scoped"), ENDPOINTS)
def test_outsider_against_endpoint(outsider, objects, method, path, perm, scoped):
    response = _call(api_client(token_for(outsider)), method, path.format(**objects))
    if perm not in ROLE_PERMISSIONS[Role.OFFICER]:  # the outsider is an officer over there
        assert response.status_code == 403, (method, path, response.status_code)
    elif scoped:
        assert response.status_code == 404, (method, path, response.status_code)
    else:
        assert response.status_code not in (401, 403, 404, 500)


def test_outsider_lists_never_show_organization_a(outsider, objects):
    client = api_client(token_for(outsider))
    for path in ("/api/v1/vendors/", "/api/v1/products/", "/api/v1/contacts/", "/api/v1/evaluations/"):
        assert client.get(path).json()["count"] == 0, path
    templates = client.get("/api/v1/templates/").json()["results"]
    assert str(objects["template"]) not in {t["id"] for t in templates}


@pytest.mark.parametrize(("method", "path", "perm", "scoped"), ENDPOINTS)
@pytest.mark.parametrize("credential", ["anonymous", "revoked", "expired", "invite"])
def test_unusable_credentials_against_endpoint(org, officer, objects, credential, method, path, perm, scoped):
    if credential == "anonymous":
        client = api_client()
    elif credential == "invite":
        invite = InviteFactory(evaluation=Evaluation.objects.get(public_id=objects["evaluation"]))
        client = api_client(invite.token, scheme="Invite")
    else:
        token, secret = api_token_create(user=officer, organization=org, name=credential)
        if credential == "revoked":
            token.revoked_at = timezone.now()
        else:
            token.expires_at = timezone.now() - datetime.timedelta(minutes=1)
        token.save()
        client = api_client(secret)
    response = _call(client, method, path.format(**objects))
    assert response.status_code == 401, (credential, method, path, response.status_code)
    assert response.json()["errors"][0]["code"] in ("not_authenticated", "authentication_failed")


VENDOR_ENDPOINTS = [
    ("get", "/api/v1/vendor/questionnaire/"),
    ("put", "/api/v1/vendor/answers/use.processes_phi/"),
    ("post", "/api/v1/vendor/answers/use.processes_phi/evidence/"),
    ("post", "/api/v1/vendor/submit/"),
]


@pytest.mark.parametrize(("method", "path"), VENDOR_ENDPOINTS)
@pytest.mark.parametrize("credential", ["anonymous", "api_token", "revoked_invite", "unknown_invite"])
def test_vendor_endpoints_need_a_working_invite(officer, invite, credential, method, path):
    if credential == "anonymous":
        client = api_client()
    elif credential == "api_token":
        client = api_client(token_for(officer))
    elif credential == "unknown_invite":
        client = api_client("not-a-real-invite-token", scheme="Invite")
    else:
        invite.revoked_at = timezone.now()
        invite.save()
        client = api_client(invite.token, scheme="Invite")
    assert _call(client, method, path).status_code == 401


@pytest.mark.parametrize(("method", "path"), VENDOR_ENDPOINTS)
def test_vendor_endpoints_open_with_the_invite(vendor_api, method, path):
    response = _call(vendor_api, method, path)
    assert response.status_code not in (401, 403, 404, 500)
    assert response.status_code < 500
    assert response["Content-Type"].startswith(("application/json", "application/pdf", "application/vnd"))
