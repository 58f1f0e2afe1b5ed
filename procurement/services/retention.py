"""The one way audit rows leave the database: export them, then purge them under a recorded event.

procurement.AuditEvent and accounts.AccountEvent are append-only: Python refuses to change or delete
a row and, on PostgreSQL, so does a database trigger. When a retention period ends, an operator runs
`manage.py audit_retention --before DATE --export PATH`, which calls audit_purge below:

1. every row created before DATE is written to PATH as JSON lines (one object a row, in creation
   order), and the SHA-256 of the file is written beside it (PATH.sha256, in `sha256sum` format);
2. in the same transaction the rows are deleted, with the trigger lifted by pgtrigger.ignore for
   these two triggers only and only for the duration of the delete;
3. an AccountEvent of kind AUDIT_PURGED per organization concerned (named in subject_label, and
   one "No organization" for account rows that had none) records who ran it, how many rows went,
   the date and the file's hash. Those purge records are never exported or purged themselves.

If anything fails before the commit, no row is deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pgtrigger
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from accounts.models import APPEND_ONLY_TRIGGER as ACCOUNT_TRIGGER
from accounts.models import AccountEvent, Organization
from procurement.models import AuditEvent
from procurement.models.audit import APPEND_ONLY_TRIGGER as AUDIT_TRIGGER

TRIGGERS = (
    f"procurement.AuditEvent:{AUDIT_TRIGGER}",
    f"accounts.AccountEvent:{ACCOUNT_TRIGGER}",
)
CHUNK = 2000


@dataclass
class PurgeResult:
    export_path: Path
    sha256: str
    audit_events: int = 0
    account_events: int = 0
    purged: bool = False
    by_organization: Counter = field(default_factory=Counter)


def _querysets(before: dt.datetime) -> list[tuple[str, models.QuerySet]]:
    return [
        (
            "procurement.auditevent",
            AuditEvent.objects.filter(created_at__lt=before).order_by("created_at", "id"),
        ),
        (
            "accounts.accountevent",
            AccountEvent.objects.filter(created_at__lt=before)
            .exclude(kind=AccountEvent.Kind.AUDIT_PURGED)
            .order_by("created_at", "id"),
        ),
    ]


def _write_export(path: Path, before: dt.datetime, result: PurgeResult) -> str:
    digest = hashlib.sha256()
    # "x": an earlier export is never overwritten.
    with path.open("x", encoding="utf-8") as out:
        for table, queryset in _querysets(before):
            for row in queryset.values().iterator(chunk_size=CHUNK):
                line = json.dumps({"table": table, **row}, cls=DjangoJSONEncoder, sort_keys=True) + "\n"
                out.write(line)
                digest.update(line.encode("utf-8"))
                if table == "procurement.auditevent":
                    result.audit_events += 1
                else:
                    result.account_events += 1
                result.by_organization[row["organization_id"]] += 1
        out.flush()
        os.fsync(out.fileno())
    checksum = digest.hexdigest()
    Path(f"{path}.sha256").write_text(f"{checksum}  {path.name}\n", encoding="utf-8")
    return checksum


def _organization_label(organization: Organization | None, organization_id: int | None) -> str:
    if organization_id is None:
        return "No organization"
    return f"{organization.name} (#{organization_id})" if organization else f"Organization #{organization_id}"


def audit_purge(*, before: dt.datetime, export_path: Path, operator: str, purge: bool = True) -> PurgeResult:
    """Exports every audit and account row created before `before`, then deletes them (unless
    purge=False) and records the purge. The export file must not exist yet."""
    if timezone.is_naive(before):
        raise ValidationError({"before": "Give a date with a time zone."})
    if before > timezone.now():
        raise ValidationError({"before": "The date is in the future: only past rows can be purged."})
    export_path = Path(export_path)
    if export_path.exists():
        raise ValidationError({"export": f"{export_path} already exists; choose a new file."})
    if not export_path.parent.is_dir():
        raise ValidationError({"export": f"The folder {export_path.parent} does not exist."})

    result = PurgeResult(export_path=export_path, sha256="")
    with transaction.atomic():
        # Rows are read and deleted in one transaction, so a row written meanwhile is never deleted
        # without having been exported (new rows are newer than `before` anyway).
        result.sha256 = _write_export(export_path, before, result)
        if not purge or not (result.audit_events or result.account_events):
            return result
        with pgtrigger.ignore(*TRIGGERS):
            for _table, queryset in _querysets(before):
                # _raw_delete: one DELETE statement, past the Python guards of both models.
                queryset.order_by()._raw_delete(queryset.db)
        result.purged = True
        # The purge records name the organization in words rather than by foreign key, so that they
        # never stand in the way of deleting an organization whose history has been purged.
        organizations = Organization.objects.in_bulk([pk for pk in result.by_organization if pk])
        AccountEvent.objects.bulk_create(
            AccountEvent(
                kind=AccountEvent.Kind.AUDIT_PURGED,
                actor_label=operator[:200],
                subject_label=_organization_label(organizations.get(organization_id), organization_id),
                detail=(
                    f"{count} rows before {before:%Y-%m-%d} exported to {export_path.name} "
                    f"(sha256 {result.sha256})"
                )[:300],
            )
            for organization_id, count in sorted(result.by_organization.items(), key=lambda i: i[0] or 0)
        )
    return result
