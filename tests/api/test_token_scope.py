"""A personal API token acts in the organization it was created in, and sees nothing of another."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.api.conftest import api_client, token_for
from tests.factories import EvaluationFactory, MembershipFactory, VendorFactory

pytestmark = pytest.mark.django_db


def test_a_token_lists_and_opens_only_its_own_organizations_rows(officer, org, other_org):
    MembershipFactory(user=officer, organization=other_org, role=Role.OFFICER)
    here = EvaluationFactory(organization=org)
    there = EvaluationFactory(organization=other_org)
    vendor_here, vendor_there = VendorFactory(organization=org), VendorFactory(organization=other_org)
    client = api_client(token_for(officer, organization=other_org))

    assert client.get("/api/v1/me/").json()["organization"] == other_org.name
    evaluations = client.get("/api/v1/evaluations/").json()["results"]
    assert [e["id"] for e in evaluations] == [str(there.public_id)]
    vendors = [v["id"] for v in client.get("/api/v1/vendors/").json()["results"]]
    assert str(vendor_there.public_id) in vendors
    assert str(vendor_here.public_id) not in vendors
    assert client.get(f"/api/v1/evaluations/{there.public_id}/").status_code == 200
    # The same person's rows in their other organization do not exist for this token.
    assert client.get(f"/api/v1/evaluations/{here.public_id}/").status_code == 404
    assert client.get(f"/api/v1/vendors/{vendor_here.public_id}/").status_code == 404
    assert client.get(f"/api/v1/evaluations/{here.public_id}/score/").status_code == 404
