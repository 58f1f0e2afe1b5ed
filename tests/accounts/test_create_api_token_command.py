"""manage.py create_api_token: a token for an existing member, printed once, audited like the page."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import AccountEvent, ApiToken
from accounts.roles import Role
from accounts.services.api_tokens import api_token_hash, api_token_resolve
from accounts.services.two_factor import TWO_FACTOR_MISSING_MESSAGE
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def _audit_lines(caplog) -> list[dict]:
    return [r.msg for r in caplog.records if r.name == "accounts.audit"]


def test_it_prints_a_working_token_once_and_stores_only_its_hash(officer, org, caplog):
    caplog.set_level(logging.INFO, logger="accounts.audit")
    out, err = _run(officer.username, organization="riverside", name="ServiceNow sync", expires_in_days=90)
    secret = out.strip()
    token = ApiToken.objects.get()
    assert out == secret + "\n"
    assert secret.startswith("dd_")
    assert token.token_hash == api_token_hash(secret)
    assert token.user == officer
    assert token.organization == org
    assert token.name == "ServiceNow sync"
    assert (token.expires_at - timezone.now()).days == 89
    assert secret not in err
    created = f"Token “ServiceNow sync” ({token.prefix}…) created for {officer.username} in Riverside Health"
    assert created in err
    assert "it will not be shown again" in err
    resolved, membership = api_token_resolve(secret)
    assert resolved == token
    assert membership.organization == org
    [audit] = _audit_lines(caplog)
    assert audit["event"] == "api_token_created"
    assert audit["via"] == "create_api_token command"
    assert audit["user_id"] == officer.pk
    assert audit["organization"] == "riverside"
    assert audit["token"] == str(token.public_id)
    assert audit["token_prefix"] == token.prefix
    assert secret not in caplog.text
    # The same account event as the page writes, kept in the database.
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.API_TOKEN_CREATED)
    assert (event.actor, event.subject, event.organization) == (officer, officer, org)
    assert event.detail == f"'ServiceNow sync' ({token.prefix}…), via create_api_token command"


def test_without_an_expiry_the_token_never_expires(officer):
    _, err = _run(officer.username, organization="riverside", name="Coupa")
    assert ApiToken.objects.get().expires_at is None
    assert "it never expires" in err


def test_the_page_writes_the_same_audit_line(officer_client, caplog):
    caplog.set_level(logging.INFO, logger="accounts.audit")
    officer_client.post("/account/api-tokens/", {"name": "From the page", "expires_in_days": ""})
    [audit] = _audit_lines(caplog)
    assert audit["event"] == "api_token_created"
    assert audit["via"] == "page"
    assert audit["token"] == str(ApiToken.objects.get().public_id)
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.API_TOKEN_CREATED)
    assert event.detail.endswith(", via page")


@pytest.mark.parametrize(
    ("who", "organization", "message"),
    [
        ("nobody", "riverside", "No active user named 'nobody'."),
        ("officer", "nowhere", "No organization with the slug 'nowhere'."),
        ("outsider", "riverside", "{username} is not a member of Riverside Health."),
        ("reviewer", "riverside", "Your role in this organization does not allow API tokens."),
    ],
)
def test_it_refuses_and_creates_nothing(request, org, who, organization, message):
    username = request.getfixturevalue(who).username if who != "nobody" else "nobody"
    with pytest.raises(CommandError) as refused:
        _run(username, organization=organization, name="Sync")
    assert str(refused.value) == message.format(username=username)
    assert not ApiToken.objects.exists()


def test_an_administrator_without_a_second_factor_is_refused(org):
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    with pytest.raises(CommandError) as refused:
        _run(admin.username, organization="riverside", name="Sync")
    assert str(refused.value) == TWO_FACTOR_MISSING_MESSAGE
    assert not ApiToken.objects.exists()


def test_a_blank_name_or_a_past_expiry_is_refused(officer):
    with pytest.raises(CommandError) as blank:
        _run(officer.username, organization="riverside", name="  ")
    assert str(blank.value) == "Name the token after what will use it."
    with pytest.raises(CommandError) as past:
        _run(officer.username, organization="riverside", name="Sync", expires_in_days=0)
    assert str(past.value) == "--expires-in-days must be a positive number of days."
    assert not ApiToken.objects.exists()


def test_revoking_a_token_is_an_account_event_too(officer, org):
    from accounts.services.api_tokens import api_token_create, api_token_revoke

    token, _ = api_token_create(user=officer, organization=org, name="Coupa")
    api_token_revoke(token=token, user=officer)
    api_token_revoke(token=token, user=officer)  # a second revoke records nothing more
    [event] = AccountEvent.objects.filter(kind=AccountEvent.Kind.API_TOKEN_REVOKED)
    assert (event.actor, event.organization, event.detail) == (officer, org, f"'Coupa' ({token.prefix}…)")
