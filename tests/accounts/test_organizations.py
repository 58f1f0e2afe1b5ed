from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import EvaluationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_dashboard_counts_only_the_current_organizations_evaluations(officer_client, org, other_org):
    EvaluationFactory(organization=org, product__name="Ours")
    EvaluationFactory(organization=other_org, product__name="Theirs")
    response = officer_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert b"Ours" in response.content
    assert b"Theirs" not in response.content
    assert response.context["counts"]["open"] == 1


def test_member_of_two_organizations_switches_between_them(client_for, org, other_org):
    membership = MembershipFactory(organization=org, role=Role.OFFICER)
    MembershipFactory(organization=other_org, user=membership.user, role=Role.REVIEWER)
    EvaluationFactory(organization=other_org, product__name="Lakeside product")
    client = client_for(membership.user)

    assert b"Lakeside product" not in client.get(reverse("dashboard")).content
    response = client.post(
        reverse("organization_switch"), {"organization": str(other_org.public_id), "next": "/"}, follow=True
    )
    assert b"Lakeside product" in response.content
    assert response.context["current_membership"].role == Role.REVIEWER


def test_switching_to_an_organization_one_is_not_a_member_of_is_refused(officer_client, org, other_org):
    response = officer_client.post(
        reverse("organization_switch"), {"organization": str(other_org.public_id)}, follow=True
    )
    assert b"not a member of that organization" in response.content
    assert response.context["current_organization"] == org


def test_switch_ignores_an_offsite_next_url(officer_client, org):
    response = officer_client.post(
        reverse("organization_switch"), {"organization": str(org.public_id), "next": "https://evil.example/"}
    )
    assert response.url == reverse("dashboard")


def test_switch_refuses_get(officer_client):
    assert officer_client.get(reverse("organization_switch")).status_code == 405


def test_user_without_an_organization_is_told_so(client_for, user_without_org):
    response = client_for(user_without_org).get(reverse("dashboard"))
    assert response.status_code == 403
    assert b"not a member of any organization" in response.content


@pytest.mark.parametrize("next_url", ["0", "dashboard-typo", "logout", "vendors/"])
def test_switch_sends_a_next_value_that_is_not_a_path_to_the_dashboard(officer_client, org, next_url):
    response = officer_client.post(
        reverse("organization_switch"), {"organization": str(org.public_id), "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_switch_follows_a_path_of_this_site(officer_client, org):
    response = officer_client.post(
        reverse("organization_switch"), {"organization": str(org.public_id), "next": "/vendors/?q=a"}
    )
    assert response["Location"] == "/vendors/?q=a"
