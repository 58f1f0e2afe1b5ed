"""Imports a template file as a draft of an organization (or of the library), all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from questionnaires.transfer import parse_json, template_import


class Command(BaseCommand):
    help = "Import a template JSON file. Without --organization it goes into the shipped library."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--organization", help="Slug of the organization that will own the template.")
        parser.add_argument("--publish", action="store_true", help="Publish it right away.")

    def handle(self, *args, file: str, organization: str | None, publish: bool, **options):
        org = None
        if organization:
            try:
                org = Organization.objects.get(slug=organization)
            except Organization.DoesNotExist as exc:
                raise CommandError(f"No organization with the slug {organization!r}.") from exc
        elif not publish:
            raise CommandError("Library templates must be published: add --publish, or give --organization.")
        try:
            data = parse_json(Path(file).read_bytes())
            template = template_import(data=data, organization=org, publish=publish)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except ValidationError as exc:
            raise CommandError("Nothing was imported:\n  " + "\n  ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {template} ({template.get_status_display().lower()}).")
        )
