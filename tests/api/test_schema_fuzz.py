"""Schemathesis against the published OpenAPI schema, in-process through the WSGI application.

Every operation gets a bounded number of generated requests (valid and invalid bodies, parameters
and ids) with working credentials. Each response must not be a server error and must match what the
schema documents for its status code (bodies, content types and the shared error format).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from procurement.models import Evaluation
from tests.api.conftest import token_for
from tests.factories import ContactFactory, EvaluationFactory, InviteFactory
from tests.procurement.conftest import build_questionnaire

# Kept small so the run stays well under a minute; raise it for a deeper run.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

pytestmark = pytest.mark.schemathesis


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: requests must not close the connection holding the test transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(keep_test_connection, org, officer, settings):
    # Generated traffic is far above a real client's: the limits are tested elsewhere.
    settings.API_THROTTLE_RATES = {"vendor": "100000/min", "token": "100000/min"}
    settings.API_AUTH_FAILURE_LIMIT = (100000, 60)
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    build_questionnaire(evaluation)
    ContactFactory(vendor=evaluation.product.vendor)
    invite = InviteFactory(evaluation=evaluation)
    return {"org": f"Bearer {token_for(officer)}", "vendor": f"Invite {invite.token}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, credentials):
    side = "vendor" if case.path.startswith("/api/v1/vendor/") else "org"
    case.call_and_validate(
        headers={"Authorization": credentials[side]},
        checks=[not_a_server_error, response_schema_conformance],
    )
