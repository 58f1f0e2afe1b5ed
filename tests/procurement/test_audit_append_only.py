"""The audit log is append-only in the database too, and what it points at cannot be deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from accounts.models import AccountEvent
from accounts.services.two_factor import recovery_codes_generate
from procurement.models import AuditEvent, Evaluation
from procurement.services.workflow import evaluation_transition
from tests.factories import EvaluationFactory

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL-only: the append-only trigger (django-pgtrigger)"
)
S = Evaluation.Status


@pytest.fixture
def audited(org, officer):
    """A draft evaluation (owned by someone else) that the officer sent: one audit row."""
    evaluation = EvaluationFactory(organization=org, status=S.DRAFT)
    evaluation_transition(evaluation=evaluation, to_status=S.SENT, user=officer)
    assert AuditEvent.objects.filter(evaluation=evaluation, actor_user=officer).count() == 1
    return evaluation


def _refused(sql: str, params: list) -> None:
    with (
        pytest.raises(DatabaseError, match="pgtrigger: Cannot update or delete rows"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


@on_postgres
def test_the_database_refuses_to_update_or_delete_an_audit_row(audited):
    event = AuditEvent.objects.get()
    _refused("UPDATE procurement_auditevent SET summary = %s WHERE id = %s", ["rewritten", event.pk])
    _refused("DELETE FROM procurement_auditevent WHERE id = %s", [event.pk])
    _refused("DELETE FROM procurement_auditevent", [])
    event.refresh_from_db()
    assert event.summary != "rewritten"
    assert AuditEvent.objects.count() == 1


@on_postgres
def test_the_database_refuses_to_update_or_delete_an_account_event(officer):
    recovery_codes_generate(user=officer, request=None)
    event = AccountEvent.objects.get()
    _refused("UPDATE accounts_accountevent SET detail = %s WHERE id = %s", ["rewritten", event.pk])
    _refused("DELETE FROM accounts_accountevent WHERE id = %s", [event.pk])
    assert AccountEvent.objects.get().detail != "rewritten"


def test_account_events_refuse_changes_in_python_too(officer):
    recovery_codes_generate(user=officer, request=None)
    event = AccountEvent.objects.get()
    event.detail = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()
    with pytest.raises(Exception, match="append-only"):
        AccountEvent.objects.update(detail="rewritten")
    with pytest.raises(Exception, match="append-only"):
        AccountEvent.objects.all().delete()
    assert AccountEvent.objects.get().detail != "rewritten"


def test_an_evaluation_with_audit_rows_cannot_be_deleted(audited):
    with pytest.raises(ProtectedError), transaction.atomic():
        audited.delete()
    assert Evaluation.objects.filter(pk=audited.pk).exists()
    assert AuditEvent.objects.count() == 1


def test_an_organization_with_audit_rows_cannot_be_deleted(audited, org):
    with pytest.raises(ProtectedError), transaction.atomic():
        org.delete()
    assert Evaluation.objects.filter(pk=audited.pk).exists()
    assert AuditEvent.objects.count() == 1


def test_a_person_who_acted_cannot_be_deleted_and_the_row_keeps_them(audited, officer):
    with pytest.raises(ProtectedError), transaction.atomic():
        officer.delete()
    assert AuditEvent.objects.get().actor_user == officer


def test_a_person_in_the_account_log_cannot_be_deleted(user_without_org):
    recovery_codes_generate(user=user_without_org, request=None)
    with pytest.raises(ProtectedError), transaction.atomic():
        user_without_org.delete()
    assert AccountEvent.objects.get().subject == user_without_org


@pytest.fixture
def superuser_client(admin_user, client_for):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return client_for(admin_user)


def test_the_admin_explains_why_an_audited_evaluation_cannot_be_deleted(superuser_client, audited):
    url = reverse("admin:procurement_evaluation_delete", args=[audited.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert "Cannot delete evaluation" in page.text
    assert "audit event" in page.text
    assert "Archive it from the evaluation page instead." in page.text
    assert superuser_client.post(url, {"post": "yes"}).status_code == 200
    assert Evaluation.objects.filter(pk=audited.pk).exists()


def test_the_admin_offers_deactivation_instead_of_deleting_a_person(superuser_client, audited, officer):
    url = reverse("admin:accounts_user_delete", args=[officer.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert "cannot be deleted" in page.text
    assert "Untick “Active”" in page.text
    superuser_client.post(url, {"post": "yes"})
    assert type(officer).objects.filter(pk=officer.pk).exists()


def test_the_admin_refuses_to_delete_an_organization_with_history(superuser_client, audited, org):
    url = reverse("admin:accounts_organization_delete", args=[org.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert "audit_retention" in page.text
    superuser_client.post(url, {"post": "yes"})
    assert type(org).objects.filter(pk=org.pk).exists()
