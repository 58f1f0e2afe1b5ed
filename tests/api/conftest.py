"""API clients for each persona: each carries a personal API token of its organization."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services.api_tokens import api_token_create
from procurement.models import Evaluation
from tests.factories import ContactFactory, EvaluationFactory, InviteFactory, ProductFactory, VendorFactory
from tests.procurement.conftest import build_questionnaire


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters, failed-authentication counters and invite guess limits live in the cache.
    cache.clear()
    yield
    cache.clear()


def token_for(user, organization=None, **kwargs) -> str:
    organization = organization or user.memberships.first().organization
    _, secret = api_token_create(user=user, organization=organization, name="Test integration", **kwargs)
    return secret


def api_client(secret: str | None = None, *, scheme: str = "Bearer") -> APIClient:
    client = APIClient()
    if secret is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {secret}")
    return client


@pytest.fixture
def officer_api(officer):
    return api_client(token_for(officer))


@pytest.fixture
def admin_api(admin_user):
    return api_client(token_for(admin_user))


@pytest.fixture
def compliance_api(compliance_lead):
    return api_client(token_for(compliance_lead))


@pytest.fixture
def reviewer_api(reviewer):
    # Reviewers may not create tokens (the role table says so), so the row is made directly.
    from accounts.models import ApiToken
    from accounts.services.api_tokens import api_token_hash

    secret = "dd_reviewer-token-for-tests-only-0123456789"
    ApiToken.objects.create(
        user=reviewer,
        organization=reviewer.memberships.first().organization,
        name="Reviewer",
        token_hash=api_token_hash(secret),
        prefix=secret[:8],
    )
    return api_client(secret)


@pytest.fixture
def outsider_api(outsider):
    return api_client(token_for(outsider))


@pytest.fixture
def vendor(org):
    return VendorFactory(organization=org, legal_name="Acme Clinical AI")


@pytest.fixture
def product(vendor):
    return ProductFactory(vendor=vendor, name="SepsisWatch", version="3.0")


@pytest.fixture
def contact(vendor):
    return ContactFactory(vendor=vendor, name="Dana Vendor", email="dana@acme.example")


@pytest.fixture
def evaluation(org, officer, product):
    return EvaluationFactory(organization=org, owner=officer, product=product, status=Evaluation.Status.SENT)


@pytest.fixture
def questions(evaluation):
    return build_questionnaire(evaluation)


@pytest.fixture
def invite(evaluation, questions, contact):
    return InviteFactory(evaluation=evaluation, contact=contact)


@pytest.fixture
def vendor_api(invite):
    return api_client(invite.token, scheme="Invite")


# Filled by test_schema_fuzz: what the generated run covered, printed at the end of the session.
FUZZ_STATS: dict = {"operations": set(), "requests": 0}


def pytest_terminal_summary(terminalreporter):
    if FUZZ_STATS["operations"]:
        terminalreporter.write_line(
            f"schemathesis: {len(FUZZ_STATS['operations'])} operations, "
            f"{FUZZ_STATS['requests']} requests, all checks"
        )
