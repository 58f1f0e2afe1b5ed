"""Creates the demo organization with one user per role. Safe to run again: nothing is duplicated."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from procurement.models import Organization, User
from procurement.roles import Role
from procurement.services.organizations import membership_set

DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = [
    ("admin", "Avery", "Admin", Role.ADMIN),
    ("officer", "Olivia", "Officer", Role.OFFICER),
    ("compliance", "Casey", "Compliance", Role.COMPLIANCE),
    ("reviewer", "Riley", "Reviewer", Role.REVIEWER),
]


class Command(BaseCommand):
    help = "Create the demo organization and one user per role (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        organization, _ = Organization.objects.get_or_create(
            slug="riverside-health", defaults={"name": "Riverside Health System"}
        )
        second, _ = Organization.objects.get_or_create(
            slug="lakeside-medical", defaults={"name": "Lakeside Medical Center"}
        )
        for username, first, last, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@riverside.example"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = user.is_superuser = role == Role.ADMIN
                user.save()
            membership_set(organization=organization, user=user, role=role)
        # The administrator also belongs to a second hospital, to show the organization switcher.
        membership_set(organization=second, user=User.objects.get(username="admin"), role=Role.ADMIN)

        self.stdout.write(self.style.SUCCESS(f"Demo organization: {organization.name}"))
        self.stdout.write(f"Sign in at http://127.0.0.1:8000 with any of these (password: {DEMO_PASSWORD}):")
        for username, _first, _last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {Role(role).label}")
