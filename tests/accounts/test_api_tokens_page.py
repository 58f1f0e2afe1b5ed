"""The "API tokens" page: create (secret shown once), list, revoke."""

from __future__ import annotations

from accounts.models import ApiToken
from accounts.services.api_tokens import api_token_create, api_token_hash
from tests.factories import MembershipFactory

URL = "/account/api-tokens/"


def test_creating_a_token_shows_the_secret_once(officer_client, officer, org):
    response = officer_client.post(URL, {"name": "ServiceNow", "expires_in_days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert token.user == officer
    assert token.organization == org
    assert token.token_hash == api_token_hash(secret)
    assert token.expires_at is not None
    assert secret in response.content.decode()
    listed = officer_client.get(URL).content.decode()
    assert "ServiceNow" in listed
    assert token.prefix in listed
    assert secret not in listed


def test_a_token_needs_a_name(officer_client):
    response = officer_client.post(URL, {"name": "  ", "expires_in_days": ""})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_revoking_a_token(officer_client, officer, org):
    token, _ = api_token_create(user=officer, organization=org, name="Coupa")
    response = officer_client.post(f"{URL}{token.public_id}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoke_refuses_get(officer_client, officer, org):
    token, _ = api_token_create(user=officer, organization=org, name="Coupa")
    assert officer_client.get(f"{URL}{token.public_id}/revoke/").status_code == 405


def test_someone_elses_token_is_404(compliance_client, officer, org):
    token, _ = api_token_create(user=officer, organization=org, name="Coupa")
    assert compliance_client.post(f"{URL}{token.public_id}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_other_organization_token_is_404(outsider_client, officer, org):
    token, _ = api_token_create(user=officer, organization=org, name="Coupa")
    assert outsider_client.post(f"{URL}{token.public_id}/revoke/").status_code == 404


def test_reviewers_may_not_manage_tokens(reviewer_client):
    assert reviewer_client.get(URL).status_code == 403
    assert reviewer_client.post(URL, {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_lists_only_my_tokens_in_this_organization(officer_client, officer, org, other_org):
    api_token_create(user=officer, organization=org, name="Mine here")
    MembershipFactory(user=officer, organization=other_org)
    api_token_create(user=officer, organization=other_org, name="Mine elsewhere")
    page = officer_client.get(URL).content.decode()
    assert "Mine here" in page
    assert "Mine elsewhere" not in page


def test_the_navigation_links_to_the_page_for_roles_that_may_use_it(officer_client, reviewer_client):
    assert URL in officer_client.get("/").content.decode()
    assert URL not in reviewer_client.get("/").content.decode()
