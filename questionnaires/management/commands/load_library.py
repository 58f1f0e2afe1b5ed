"""Loads the shipped questionnaire library from fixtures/templates/*.json (safe to run again)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from questionnaires.models import Template
from questionnaires.transfer import parse_json, template_export, template_import, validation_errors


class Command(BaseCommand):
    help = (
        "Import every fixtures/templates/*.json as a published library template; existing versions are kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--directory", default=str(Path(settings.BASE_DIR) / "fixtures" / "templates"))

    def handle(self, *args, directory: str, **options):
        files = sorted(Path(directory).glob("*.json"))
        if not files:
            self.stdout.write(f"No template files in {directory}.")
            return
        failed = False
        for path in files:
            try:
                data = parse_json(path.read_bytes())
                errors = validation_errors(data)
                if errors:
                    raise ValidationError(errors)
                existing = (
                    Template.objects.library().filter(slug=data["slug"], version=data["version"]).first()
                )
                if existing is None:
                    template = template_import(data=data, organization=None, publish=True)
                    self.stdout.write(self.style.SUCCESS(f"Loaded {template} from {path.name}."))
                elif _same_content(existing, data):
                    self.stdout.write(f"Unchanged: {existing} ({path.name}).")
                else:
                    # Published versions never change: a different file needs a new version number.
                    self.stdout.write(
                        self.style.WARNING(
                            f"{path.name} differs from the loaded {existing}; raise its version to load it."
                        )
                    )
            except ValidationError as exc:
                failed = True
                self.stderr.write(f"{path.name}: not loaded:\n  " + "\n  ".join(exc.messages))
        if failed:
            raise CommandError("Some template files were not loaded.")


def _same_content(template: Template, data: dict) -> bool:
    """Compares through the exporter, which normalizes numbers and key order."""
    exported = template_export(template)
    normalized = _normalize(data)
    return exported == normalized


def _normalize(data: dict) -> dict:
    def weights(node):
        if isinstance(node, dict):
            return {k: (float(v) if k == "weight" else weights(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [weights(item) for item in node]
        return node

    normalized = weights(data)
    for section in normalized["sections"]:
        for question in section["questions"]:
            # Written before questions could declare a fact: the file records none.
            question.setdefault("fact", "")
            question["references"] = [
                {"citation": r["citation"], "url": r.get("url") or "", "standing": r["standing"]}
                for r in question["references"]
            ]
    return normalized
