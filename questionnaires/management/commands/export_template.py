"""Writes one template version in the exchange format (to stdout or a file)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from questionnaires.models import Template
from questionnaires.transfer import template_export_json


class Command(BaseCommand):
    help = "Export a template as JSON. Without --organization, the shipped library is searched."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        # --version names the template version here, replacing Django's "show Django's version".
        kwargs["conflict_handler"] = "resolve"
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--version", type=int, help="Version number (default: the latest).")
        parser.add_argument("--organization", help="Slug of the organization owning the template.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(
        self, *args, slug: str, version: int | None, organization: str | None, output: str | None, **options
    ):
        templates = Template.objects.filter(slug=slug)
        if organization:
            try:
                org = Organization.objects.get(slug=organization)
            except Organization.DoesNotExist as exc:
                raise CommandError(f"No organization with the slug {organization!r}.") from exc
            templates = templates.filter(organization=org)
        else:
            templates = templates.library()
        if version is not None:
            templates = templates.filter(version=version)
        template = templates.order_by("-version").first()
        if template is None:
            where = f"organization {organization!r}" if organization else "the library"
            raise CommandError(f"No template {slug!r}{f' version {version}' if version else ''} in {where}.")
        text = template_export_json(template)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {template} to {output}.")
        else:
            self.stdout.write(text, ending="")
