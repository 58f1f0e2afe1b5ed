"""audit_retention: export the rows past retention, purge exactly those, and record the purge."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import AccountEvent
from procurement.models import AuditEvent
from tests.factories import EvaluationFactory

pytestmark = pytest.mark.django_db


def _at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day))


@pytest.fixture
def history(org, officer):
    evaluation = EvaluationFactory(organization=org)
    events = {
        day: AuditEvent.objects.create(
            organization=org,
            evaluation=evaluation,
            kind=AuditEvent.Kind.COMMENT_ADDED,
            actor_user=officer,
            actor_label="Officer",
            summary=f"Comment of {day}",
            created_at=_at(day),
        )
        for day in ["2019-03-01 10:00", "2019-12-31 23:59", "2020-01-01 00:00", "2024-06-01 12:00"]
    }
    old_account = AccountEvent.objects.create(
        kind=AccountEvent.Kind.RECOVERY_CODES_GENERATED,
        subject=officer,
        subject_label="Officer",
        created_at=_at("2019-05-05 05:05"),
    )
    new_account = AccountEvent.objects.create(
        kind=AccountEvent.Kind.RECOVERY_CODES_GENERATED,
        subject=officer,
        subject_label="Officer",
        created_at=_at("2021-05-05 05:05"),
    )
    return events, old_account, new_account


def test_exports_and_purges_exactly_the_rows_before_the_date(history, org, tmp_path):
    events, old_account, new_account = history
    export = tmp_path / "audit-2019.jsonl"

    call_command(
        "audit_retention", "--before", "2020-01-01", "--export", str(export), "--operator", "Pat Ops"
    )

    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert [(row["table"], row["id"]) for row in lines] == [
        ("procurement.auditevent", events["2019-03-01 10:00"].pk),
        ("procurement.auditevent", events["2019-12-31 23:59"].pk),
        ("accounts.accountevent", old_account.pk),
    ]
    assert lines[0]["summary"] == "Comment of 2019-03-01 10:00"
    checksum = hashlib.sha256(export.read_bytes()).hexdigest()
    assert (tmp_path / "audit-2019.jsonl.sha256").read_text() == f"{checksum}  audit-2019.jsonl\n"

    assert set(AuditEvent.objects.values_list("summary", flat=True)) == {
        "Comment of 2020-01-01 00:00",
        "Comment of 2024-06-01 12:00",
    }
    # One purge record for the organization's rows, one for the account row without organization.
    purges = AccountEvent.objects.filter(kind=AccountEvent.Kind.AUDIT_PURGED).order_by("subject_label")
    assert [(p.subject_label, p.actor_label, p.detail, p.organization_id) for p in purges] == [
        (
            "No organization",
            "Pat Ops",
            f"1 rows before 2020-01-01 exported to audit-2019.jsonl (sha256 {checksum})",
            None,
        ),
        (
            f"Riverside Health (#{org.pk})",
            "Pat Ops",
            f"2 rows before 2020-01-01 exported to audit-2019.jsonl (sha256 {checksum})",
            None,
        ),
    ]
    assert set(AccountEvent.objects.values_list("pk", flat=True)) == {new_account.pk, *(p.pk for p in purges)}


def test_the_purge_record_is_kept_by_later_purges(history, tmp_path):
    call_command("audit_retention", "--before", "2020-01-01", "--export", str(tmp_path / "a.jsonl"))
    call_command("audit_retention", "--before", "2025-01-01", "--export", str(tmp_path / "b.jsonl"))
    assert not AuditEvent.objects.exists()
    assert set(AccountEvent.objects.values_list("kind", flat=True)) == {AccountEvent.Kind.AUDIT_PURGED}
    assert AccountEvent.objects.count() == 4
    tables = {json.loads(line)["table"] for line in (tmp_path / "b.jsonl").read_text().splitlines()}
    assert tables == {"procurement.auditevent", "accounts.accountevent"}


def test_export_only_deletes_nothing(history, tmp_path):
    call_command(
        "audit_retention", "--before", "2020-01-01", "--export", str(tmp_path / "a.jsonl"), "--export-only"
    )
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 3
    assert AuditEvent.objects.count() == 4
    assert not AccountEvent.objects.filter(kind=AccountEvent.Kind.AUDIT_PURGED).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--before", "2020-13-01"], "is not a date"),
        (["--before", "2999-01-01"], "in the future"),
    ],
)
def test_bad_dates_are_refused_with_a_message(history, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("audit_retention", *args, "--export", str(tmp_path / "a.jsonl"))
    assert AuditEvent.objects.count() == 4


def test_an_existing_export_is_never_overwritten(history, tmp_path):
    export = tmp_path / "a.jsonl"
    export.write_text("earlier export\n")
    with pytest.raises(CommandError, match="already exists"):
        call_command("audit_retention", "--before", "2020-01-01", "--export", str(export))
    assert export.read_text() == "earlier export\n"
    assert AuditEvent.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-only: the append-only trigger")
def test_the_trigger_is_back_in_force_after_a_purge(history, tmp_path):
    call_command("audit_retention", "--before", "2020-01-01", "--export", str(tmp_path / "a.jsonl"))
    with (
        pytest.raises(DatabaseError, match="pgtrigger: Cannot update or delete rows"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM procurement_auditevent")
    assert AuditEvent.objects.count() == 2
