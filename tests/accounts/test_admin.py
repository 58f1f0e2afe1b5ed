from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import InviteFactory, TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(admin_user, client_for):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return client_for(admin_user)


@pytest.mark.parametrize(
    "name",
    [
        "admin:questionnaires_template_changelist",
        "admin:procurement_answer_changelist",
        "admin:vendors_vendor_changelist",
        "admin:procurement_invite_changelist",
        "admin:reports_report_changelist",
        "admin:procurement_auditevent_changelist",
        "admin:accounts_accountevent_changelist",
        "admin:accounts_identityprovider_changelist",
    ],
)
def test_superusers_can_inspect_the_data_in_the_admin(superuser_client, name):
    assert superuser_client.get(reverse(name)).status_code == 200


def test_the_admin_never_shows_an_invite_token_hash(superuser_client):
    invite = InviteFactory()
    response = superuser_client.get(reverse("admin:procurement_invite_change", args=[invite.pk]))
    assert response.status_code == 200
    assert invite.token_hash.encode() not in response.content


def test_templates_cannot_be_changed_through_the_admin(superuser_client):
    template = TemplateFactory()
    response = superuser_client.post(
        reverse("admin:questionnaires_template_change", args=[template.pk]), {"name": "Changed"}
    )
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name != "Changed"


def test_members_who_are_not_staff_are_kept_out_of_the_admin(officer_client):
    response = officer_client.get(reverse("admin:index"))
    assert response.status_code == 302
