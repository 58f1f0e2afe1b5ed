"""Rescore evaluations through the same service as the button: `rescore --template SLUG` or `--all`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from procurement.models import Evaluation
from procurement.services.scoring import template_rescore_all
from questionnaires.models import Template


class Command(BaseCommand):
    help = "Queue a rescoring of every evaluation of a template (all its versions), or of all templates."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--template", help="Template slug")
        parser.add_argument("--all", action="store_true", help="Every template")

    def handle(self, *args, template: str | None = None, all: bool = False, **options) -> None:
        if bool(template) == bool(all):
            raise CommandError("Give either --template SLUG or --all.")
        evaluations = Evaluation.objects.all()
        if template:
            evaluations = evaluations.filter(template__slug=template)
        pairs = evaluations.values_list("template_id", "organization_id").distinct().order_by()
        if not pairs:
            self.stdout.write("No evaluations to rescore.")
            return
        templates = Template.objects.in_bulk({t for t, _ in pairs})
        organizations = Organization.objects.in_bulk({o for _, o in pairs})
        total = 0
        for template_id, organization_id in pairs:
            batch = template_rescore_all(
                template=templates[template_id], organization=organizations[organization_id]
            )
            total += batch.total
            self.stdout.write(
                f"{organizations[organization_id]} - {templates[template_id]}: {batch.total} queued"
            )
        self.stdout.write(self.style.SUCCESS(f"{total} evaluations queued for rescoring."))
