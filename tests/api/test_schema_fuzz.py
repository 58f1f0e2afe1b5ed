"""Schemathesis against the published OpenAPI schema, in-process through the WSGI application.

Every operation gets a bounded number of generated requests (valid and invalid bodies, parameters
and ids) with working credentials: an officer's API token for the organization endpoints and a
vendor's invite token for /api/v1/vendor/. All of schemathesis' checks run (the `--checks all` of
its command line): no server error, status codes, content types, headers and bodies as documented,
invalid requests refused, valid ones accepted, methods and authentication enforced.
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from procurement.models import Evaluation
from tests.api.conftest import FUZZ_STATS, token_for
from tests.factories import ContactFactory, EvaluationFactory, InviteFactory
from tests.procurement.conftest import build_questionnaire

# Kept small so the run stays around a minute; raise it for a deeper run.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))

# What a schema cannot say: that an id names an existing row, that a name is not taken yet, that a
# questionnaire is complete, rules across fields of an imported template ("rule").
# A valid-looking request refused for one of these reasons is the API doing its job.
BEYOND_SCHEMA_CODES = {
    "rule",
    "duplicate",
    "does_not_exist",
    "missing",
    "not_submittable",
    "locked",
    "not_reopened",
    "in_use",
    # That a product has a submitted evaluation to carry from, that an answer was prefilled, and
    # what is inside an uploaded model card (XML against the CHAI schema) are beyond the schema too.
    "no_source",
    "not_prefilled",
    "empty",
    "not_xml",
    "doctype",
    "not_a_card",
    "wrong_version",
    "schema_invalid",
    "too_large",
    # An uploaded questionnaire workbook: the schema says "a file", not "this questionnaire's workbook".
    "not_xlsx",
    "zip_bomb",
    "corrupt",
    "macros",
    "foreign",
    "tampered",
}


def _counting(app):
    def counted(environ, start_response):
        FUZZ_STATS["requests"] += 1
        return app(environ, start_response)

    return counted


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", _counting(get_wsgi_application()))
# All checks; schemathesis' own positive_data_acceptance is replaced below by one that knows the codes.
schema.config.checks.update(included_check_names=["all"], excluded_check_names=["positive_data_acceptance"])

# The credentials of the running test; set by the `world` fixture before any case is generated.
CREDENTIALS: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class Tokens:
    """An officer's API token, or on /api/v1/vendor/ the invite token; left out where a case tests that."""

    def get(self, case, context):
        # Nothing yet while pytest collects the tests.
        return CREDENTIALS.get("vendor" if case.path.startswith("/api/v1/vendor/") else "org")

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}


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
def world(keep_test_connection, org, officer, settings):
    # Generated traffic is far above a real client's: the limits are tested elsewhere.
    settings.API_THROTTLE_RATES = {"vendor": "100000/min", "token": "100000/min"}
    settings.API_AUTH_FAILURE_LIMIT = (100000, 60)
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    build_questionnaire(evaluation)
    contact = ContactFactory(vendor=evaluation.product.vendor)
    invite = InviteFactory(evaluation=evaluation, contact=contact)
    CREDENTIALS.update(org=f"Bearer {token_for(officer)}", vendor=f"Invite {invite.token}")
    yield {
        # Ids a real client would send: rows of its own organization.
        "ids": {
            "vendor": str(evaluation.product.vendor.public_id),
            "product": str(evaluation.product.public_id),
            "template": str(evaluation.template.public_id),
            "previous": str(evaluation.public_id),
            "contacts": str(contact.public_id),
        },
    }
    CREDENTIALS.clear()


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return isinstance(value, str)


def _point_at_real_rows(body, ids: dict[str, str]) -> None:
    """Well-formed ids in a generated body become ids of existing rows; malformed ones stay as sent."""
    if not isinstance(body, dict):
        return
    # Only a re-assessment names the evaluation it repeats (a rule across two fields).
    if body.get("purpose", "new_purchase") != "reassessment" and _is_uuid(body.get("previous")):
        del body["previous"]
    for field, real in ids.items():
        value = body.get(field)
        if _is_uuid(value):
            body[field] = real
        elif isinstance(value, list):
            body[field] = [real if _is_uuid(item) else item for item in value]


def _error_codes(response) -> set[str]:
    try:
        return {entry["code"] for entry in response.json()["errors"]}
    except (ValueError, KeyError, TypeError):
        return set()


def positive_data_acceptance_beyond_state(ctx, response, case):
    """Schemathesis' check, except where the error codes say the refusal is beyond the schema."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        codes = _error_codes(response)
        if response.status_code == 400 and codes and codes <= BEYOND_SCHEMA_CODES:
            return None
        raise


def _run(case, world) -> None:
    FUZZ_STATS["operations"].add(case.operation.label)
    _point_at_real_rows(case.body, world["ids"])
    case.call_and_validate(
        additional_checks=[positive_data_acceptance_beyond_state],
    )


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, world):
    _run(case, world)
