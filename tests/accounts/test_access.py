"""The access helpers that every view goes through."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from accounts.access import get_for_org, require_perm
from accounts.roles import ROLE_PERMISSIONS, Perm, Role, role_has_perm
from procurement.models import Evaluation
from tests.factories import EvaluationFactory

pytestmark = pytest.mark.django_db


def _request(user, org):
    request = RequestFactory().get("/")
    request.user = user
    request.organization = org
    request.membership = user.memberships.filter(organization=org).first()
    return request


def test_an_object_of_another_organization_is_not_found(officer, org, other_org):
    theirs = EvaluationFactory(organization=other_org)
    with pytest.raises(Http404):
        get_for_org(_request(officer, org), Evaluation, public_id=theirs.public_id)


def test_an_object_of_the_current_organization_is_returned(officer, org):
    ours = EvaluationFactory(organization=org)
    assert get_for_org(_request(officer, org), Evaluation, public_id=ours.public_id) == ours


@pytest.mark.parametrize("bad_id", ["not-a-uuid", str(uuid.uuid4())])
def test_malformed_or_unknown_ids_are_not_found(officer, org, bad_id):
    with pytest.raises(Http404):
        get_for_org(_request(officer, org), Evaluation, public_id=bad_id)


def test_a_role_without_the_permission_is_refused(reviewer, org):
    with pytest.raises(PermissionDenied):
        require_perm(_request(reviewer, org), Perm.MANAGE_TEMPLATES)
    require_perm(_request(reviewer, org), Perm.REVIEW)


def test_role_table_matches_the_product_rules():
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Perm.values)
    assert role_has_perm(Role.OFFICER, Perm.RUN_EVALUATIONS)
    assert role_has_perm(Role.OFFICER, Perm.MANAGE_TEMPLATES)
    assert not role_has_perm(Role.OFFICER, Perm.MANAGE_MEMBERS)
    assert role_has_perm(Role.COMPLIANCE, Perm.VIEW_REPORTS)
    assert not role_has_perm(Role.COMPLIANCE, Perm.RUN_EVALUATIONS)
    assert not role_has_perm(Role.REVIEWER, Perm.VIEW_REPORTS)
    assert not role_has_perm(Role.REVIEWER, Perm.DECIDE)
    assert not role_has_perm("stranger", Perm.VIEW)
