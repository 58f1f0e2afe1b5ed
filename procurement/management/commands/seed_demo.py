"""Creates the demo organization with one user per role. Safe to run again: nothing is duplicated."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from procurement.models import Evaluation, Organization, User
from procurement.roles import Role
from procurement.services.evaluations import evaluation_create
from procurement.services.organizations import membership_set
from questionnaires.models import Template
from vendors.models import Contact, Product, Vendor

DEMO_PASSWORD = "demo-password-2026"
LIBRARY_SLUG = "clinical-ai-vendor-due-diligence"
# (vendor, website, product, version, intended use, deployment, contacts)
DEMO_VENDORS = [
    (
        "Northwind Clinical Analytics, Inc.",
        "https://northwind-clinical.example",
        "SepsisSentinel",
        "4.2",
        "Predicts the risk of sepsis in adult inpatients from vital signs and laboratory results, to prompt "
        "an earlier bedside assessment by the rapid-response team.",
        Product.Deployment.EHR_EMBEDDED,
        [
            ("Maya Chen", "maya.chen@northwind-clinical.example", "Head of regulatory affairs"),
            ("Tom Alvarez", "tom.alvarez@northwind-clinical.example", "Chief information security officer"),
        ],
    ),
    (
        "Ambient Notes Health Ltd.",
        "https://ambientnotes.example",
        "ScribeAssist",
        "2.0",
        "Listens to the clinic visit (with consent) and drafts the clinical note for the physician to review "
        "and sign.",
        Product.Deployment.SAAS,
        [("Priya Raman", "priya.raman@ambientnotes.example", "General counsel")],
    ),
    (
        "Radiant Imaging AI GmbH",
        "https://radiant-imaging.example",
        "TriageCT",
        "1.7",
        "Flags head CT studies with suspected intracranial haemorrhage to move them up the radiologist's "
        "worklist; it does not diagnose.",
        Product.Deployment.ON_PREMISES,
        [("Jonas Weber", "jonas.weber@radiant-imaging.example", "Data science lead")],
    ),
]
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

        self._seed_vendors(organization)

        self.stdout.write(self.style.SUCCESS(f"Demo organization: {organization.name}"))
        self.stdout.write(f"Sign in at http://127.0.0.1:8000 with any of these (password: {DEMO_PASSWORD}):")
        for username, _first, _last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {Role(role).label}")

    def _seed_vendors(self, organization: Organization) -> None:
        """Vendors, products and contacts; evaluations only when the library questionnaire exists."""
        officer = User.objects.get(username="officer")
        reviewer = User.objects.get(username="reviewer")
        template = (
            Template.objects.library().published().filter(slug=LIBRARY_SLUG).order_by("-version").first()
        )
        for index, (name, website, product_name, version, use, deployment, contacts) in enumerate(
            DEMO_VENDORS
        ):
            vendor, _ = Vendor.objects.get_or_create(
                organization=organization, legal_name=name, defaults={"website": website}
            )
            product, _ = Product.objects.get_or_create(
                organization=organization,
                vendor=vendor,
                name=product_name,
                defaults={"version": version, "intended_use": use, "deployment": deployment},
            )
            for contact_name, email, role in contacts:
                Contact.objects.get_or_create(
                    organization=organization,
                    vendor=vendor,
                    email=email,
                    defaults={"name": contact_name, "role": role},
                )
            if template is None or Evaluation.objects.filter(product=product).exists():
                continue
            evaluation_create(
                organization=organization,
                product=product,
                template=template,
                owner=officer,
                created_by=officer,
                reviewers=[reviewer],
                due_date=timezone.localdate() + datetime.timedelta(days=14 + 7 * index),
            )
        if template is None:
            self.stdout.write(
                f"No published library template '{LIBRARY_SLUG}' yet: demo evaluations skipped."
            )
