"""Export and purge audit rows past their retention period: `audit_retention --before DATE --export PATH`."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from procurement.services.retention import audit_purge


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--before {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Write every audit and account-log row created before DATE (midnight, in the server's time "
        "zone) to PATH as JSON lines with PATH.sha256 beside it, then delete those rows and record "
        "the purge. --export-only writes the file and deletes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--before", required=True, type=_date, help="YYYY-MM-DD: rows older than this")
        parser.add_argument("--export", required=True, type=Path, help="A new file for the JSON lines")
        parser.add_argument("--export-only", action="store_true", help="Export without deleting")
        parser.add_argument("--operator", default="", help="Who runs the purge (default: the OS user)")

    def handle(self, *args, before: dt.date, export: Path, export_only: bool, operator: str, **options):
        cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
        who = operator or f"{getpass.getuser()} (audit_retention)"
        try:
            result = audit_purge(before=cutoff, export_path=export, operator=who, purge=not export_only)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Exported {result.audit_events} audit rows and {result.account_events} account-log rows "
            f"created before {before:%Y-%m-%d} to {result.export_path} (sha256 {result.sha256})."
        )
        if result.purged:
            self.stdout.write(self.style.SUCCESS("Deleted them and recorded the purge in the account log."))
        else:
            self.stdout.write("Nothing was deleted.")
