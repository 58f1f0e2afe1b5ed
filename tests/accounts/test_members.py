from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, User
from accounts.roles import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_new_colleague_who_gets_a_link_to_choose_a_password(
    admin_client_org, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_org.post(
            reverse("member_list"), {"email": "New.Person@Riverside.example", "role": Role.REVIEWER}
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@riverside.example")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user, organization=org).role == Role.REVIEWER
    assert len(mail.outbox) == 1
    assert org.name in mail.outbox[0].subject
    assert "/accounts/reset/" in mail.outbox[0].body


def test_an_existing_user_is_added_without_a_new_account(admin_client_org, org, other_org):
    existing = MembershipFactory(organization=other_org, role=Role.OFFICER).user
    admin_client_org.post(reverse("member_list"), {"email": existing.email, "role": Role.COMPLIANCE})
    assert Membership.objects.get(user=existing, organization=org).role == Role.COMPLIANCE
    assert User.objects.filter(email=existing.email).count() == 1


def test_adding_someone_twice_is_refused_next_to_the_field(admin_client_org, officer):
    response = admin_client_org.post(reverse("member_list"), {"email": officer.email, "role": Role.ADMIN})
    assert response.status_code == 200
    assert b"already a member" in response.content
    assert Membership.objects.get(user=officer).role == Role.OFFICER


def test_roles_change_and_members_are_removed(admin_client_org, officer, org):
    admin_client_org.post(reverse("member_role", args=[officer.username]), {"role": Role.REVIEWER})
    assert Membership.objects.get(user=officer, organization=org).role == Role.REVIEWER
    admin_client_org.post(reverse("member_remove", args=[officer.username]))
    assert not Membership.objects.filter(user=officer, organization=org).exists()


def test_the_last_administrator_cannot_be_demoted_or_removed(admin_client_org, admin_user, org):
    response = admin_client_org.post(
        reverse("member_role", args=[admin_user.username]), {"role": Role.REVIEWER}, follow=True
    )
    assert b"at least one administrator" in response.content
    admin_client_org.post(reverse("member_remove", args=[admin_user.username]))
    assert Membership.objects.get(user=admin_user, organization=org).role == Role.ADMIN


def test_only_administrators_manage_members(officer_client, officer):
    assert officer_client.get(reverse("member_list")).status_code == 403
    assert officer_client.post(reverse("member_remove", args=[officer.username])).status_code == 403
    assert Membership.objects.filter(user=officer).exists()


def test_members_of_another_organization_are_not_found(admin_client_org, outsider):
    response = admin_client_org.post(reverse("member_remove", args=[outsider.username]))
    assert response.status_code == 404
    assert Membership.objects.filter(user=outsider).exists()


def test_role_and_remove_refuse_get(admin_client_org, officer):
    assert admin_client_org.get(reverse("member_remove", args=[officer.username])).status_code == 405


def test_the_member_list_shows_only_this_organizations_members(admin_client_org, officer, outsider):
    UserFactory(username="stranger")
    response = admin_client_org.get(reverse("member_list"))
    assert officer.username.encode() in response.content
    assert outsider.username.encode() not in response.content
    assert b"stranger" not in response.content
