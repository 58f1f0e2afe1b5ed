"""Personal API tokens and invite tokens as API credentials."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.services.api_tokens import api_token_create, api_token_hash, api_token_revoke
from accounts.services.organizations import member_set_role
from tests.api.conftest import api_client, token_for
from tests.factories import InviteFactory, MembershipFactory

ME = "/api/v1/me/"
VENDOR = "/api/v1/vendor/questionnaire/"


def test_a_token_authenticates_as_its_owner_in_its_organization(officer, org):
    response = api_client(token_for(officer)).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == officer.username
    assert body["organization"] == org.name
    assert body["role"] == Role.OFFICER
    assert "run_evaluations" in body["permissions"]


def test_only_the_hash_and_a_prefix_are_stored(officer, org):
    token, secret = api_token_create(user=officer, organization=org, name="ServiceNow")
    token.refresh_from_db()
    assert secret.startswith("dd_")
    assert token.token_hash == api_token_hash(secret)
    assert token.prefix == secret[:8]
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_it_records_when_the_token_was_last_used(officer, org):
    token, secret = api_token_create(user=officer, organization=org, name="Coupa")
    api_client(secret).get(ME)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_no_credentials_get_401_in_the_error_format(db):
    response = api_client().get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {
        "errors": [
            {
                "path": "",
                "message": "Authentication credentials were not provided.",
                "code": "not_authenticated",
            }
        ]
    }


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Bearer a b", "Bearer " + "x" * 500])
def test_unknown_or_malformed_tokens_get_401(db, header):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_a_revoked_token_is_refused(officer, org):
    token, secret = api_token_create(user=officer, organization=org, name="Old")
    api_token_revoke(token=token, user=officer)
    assert api_client(secret).get(ME).status_code == 401


def test_an_expired_token_is_refused(officer, org):
    token, secret = api_token_create(
        user=officer, organization=org, name="Short", expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api_client(secret).get(ME).status_code == 401


def test_a_token_stops_working_when_its_owner_leaves_the_organization(officer, org):
    secret = token_for(officer)
    officer.memberships.filter(organization=org).delete()
    assert api_client(secret).get(ME).status_code == 401


def test_a_token_follows_its_owners_current_role(officer, org):
    secret = token_for(officer)
    officer.memberships.filter(organization=org).update(role=Role.REVIEWER)
    assert api_client(secret).get(ME).json()["role"] == Role.REVIEWER
    assert api_client(secret).post("/api/v1/vendors/", {"legal_name": "X"}, format="json").status_code == 403


def test_an_inactive_user_is_refused(officer):
    secret = token_for(officer)
    officer.is_active = False
    officer.save()
    assert api_client(secret).get(ME).status_code == 401


def test_a_token_acts_in_its_own_organization_only(officer, org, other_org):
    MembershipFactory(user=officer, organization=other_org, role=Role.OFFICER)
    secret = token_for(officer, organization=other_org)
    assert api_client(secret).get(ME).json()["organization"] == other_org.name


def test_reviewers_cannot_create_tokens(reviewer, org):
    with pytest.raises(Exception, match="does not allow API tokens"):
        api_token_create(user=reviewer, organization=org, name="Nope")
    assert not ApiToken.objects.exists()


def test_repeated_failures_from_one_address_are_throttled(db, settings):
    settings.API_AUTH_FAILURE_LIMIT = (3, 60)
    client = api_client("dd_wrong")
    assert [client.get(ME).status_code for _ in range(4)] == [401, 401, 401, 429]
    response = client.get(ME)
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
    assert "Retry-After" in response


def test_a_valid_token_still_works_from_an_address_over_the_failure_limit(officer, settings):
    settings.API_AUTH_FAILURE_LIMIT = (3, 60)
    secret = token_for(officer)
    for _ in range(4):
        api_client("dd_wrong").get(ME)
    assert api_client("dd_wrong").get(ME).status_code == 429
    response = api_client(secret).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == officer.username


def test_a_valid_invite_still_works_from_an_address_over_both_limits(db, settings, monkeypatch):
    from procurement.services import invites as invite_services

    monkeypatch.setattr(invite_services, "INVITE_GUESS_LIMIT", 3)
    settings.API_AUTH_FAILURE_LIMIT = (3, 60)
    invite = InviteFactory()
    codes = [api_client(f"guess-{i}", scheme="Invite").get(VENDOR).status_code for i in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert api_client(invite.token, scheme="Invite").get(VENDOR).status_code == 200


def test_a_browser_session_does_not_authenticate_the_api(officer_client):
    response = officer_client.get(ME)
    assert response.status_code == 401


def test_an_invite_token_does_not_open_organization_endpoints(vendor_api):
    assert vendor_api.get(ME).status_code == 401


def test_an_api_token_does_not_open_vendor_endpoints(officer_api):
    assert officer_api.get("/api/v1/vendor/questionnaire/").status_code == 401


TWO_FACTOR_ERROR = {
    "errors": [
        {
            "path": "",
            "message": "Your role requires two-factor authentication. Set up an authenticator app on the "
            "two-factor page before using personal API tokens.",
            "code": "two_factor_required",
        }
    ]
}


def test_a_token_stops_working_when_its_owner_is_promoted_without_two_factor(officer, org):
    secret = token_for(officer)
    assert api_client(secret).get(ME).status_code == 200
    member_set_role(membership=officer.memberships.get(organization=org), role=Role.ADMIN)

    response = api_client(secret).get(ME)
    assert response.status_code == 403
    assert response.json() == TWO_FACTOR_ERROR

    TOTPDevice.objects.create(user=officer, name="Phone", confirmed=True)
    response = api_client(secret).get(ME)
    assert response.status_code == 200
    assert response.json()["role"] == Role.ADMIN


def test_a_role_that_requires_two_factor_cannot_create_a_token_before_enrolling(org):
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    with pytest.raises(ValidationError) as exc:
        api_token_create(user=admin, organization=org, name="Sync")
    assert exc.value.messages == [TWO_FACTOR_ERROR["errors"][0]["message"]]
    assert not ApiToken.objects.filter(user=admin).exists()
    # An unconfirmed device (a QR code scanned but never confirmed) is not enough.
    TOTPDevice.objects.create(user=admin, name="Phone", confirmed=False)
    with pytest.raises(ValidationError):
        api_token_create(user=admin, organization=org, name="Sync")


def test_a_required_role_in_another_organization_counts_too(officer, other_org, settings):
    secret = token_for(officer)
    MembershipFactory(organization=other_org, user=officer, role=Role.ADMIN)
    assert api_client(secret).get(ME).status_code == 403


def test_removing_the_device_of_an_admin_stops_their_token(admin_user):
    secret = token_for(admin_user)
    assert api_client(secret).get(ME).status_code == 200
    TOTPDevice.objects.filter(user=admin_user).delete()
    assert api_client(secret).get(ME).json() == TWO_FACTOR_ERROR


def test_roles_listed_in_the_setting_need_two_factor_for_tokens(officer, settings):
    secret = token_for(officer)
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "officer"]
    assert api_client(secret).get(ME).status_code == 403
