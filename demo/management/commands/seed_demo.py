"""Creates the demo organization, its users, vendors and evaluations in every workflow state.

Safe to run again: nothing is duplicated, and an evaluation left behind by an earlier version of
the demo is moved on to the state it should have. Everything the vendors and the hospital do goes
through the same services the web pages use (invite, answer, upload, submit, review, decide), so
the scores, findings and reports come out exactly as they would for real answers.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Organization, User
from accounts.roles import Role
from accounts.services.organizations import membership_set
from demo.answers import demo_description, demo_pdf, generate_answers
from demo.profiles import FILE, PROFILES, VendorProfile
from procurement.models import (
    Answer,
    Evaluation,
    EvidenceFile,
    Finding,
    Invite,
    ModelVersion,
    ReviewerAssignment,
    ScoreRun,
)
from procurement.services.answers import answer_save
from procurement.services.evaluations import evaluation_create
from procurement.services.evidence import evidence_upload
from procurement.services.intake import evaluation_intake_record
from procurement.services.invites import invite_send
from procurement.services.reassessment import model_version_report
from procurement.services.reviews import decision_record, section_sign_off
from procurement.services.submission import evaluation_submit
from procurement.services.workflow import evaluation_transition
from questionnaires.models import Template
from questionnaires.selectors import template_structure
from vendors.models import Contact, Product, Vendor

S = Evaluation.Status

DEMO_PASSWORD = "demo-password-2026"
LIBRARY_SLUG = "clinical-ai-vendor-due-diligence"
DRAFT, SENT, SUBMITTED, UNDER_REVIEW, DECIDED = S.DRAFT, S.SENT, S.SUBMITTED, S.UNDER_REVIEW, S.DECIDED
# (vendor, website, contacts, products); a product is (name, version, intended use, deployment,
# the state its demo evaluation is brought to).
DEMO_VENDORS = [
    (
        "Northwind Clinical Analytics, Inc.",
        "https://northwind-clinical.example",
        [
            ("Maya Chen", "maya.chen@northwind-clinical.example", "Head of regulatory affairs"),
            ("Tom Alvarez", "tom.alvarez@northwind-clinical.example", "Chief information security officer"),
        ],
        [
            (
                "SepsisSentinel",
                "4.2",
                "Predicts the risk of sepsis in adult inpatients from vital signs and laboratory results, to "
                "prompt an earlier bedside assessment by the rapid-response team.",
                Product.Deployment.EHR_EMBEDDED,
                DECIDED,
            ),
            (
                "EarlyWarn",
                "2.0.3",
                "Predicts an unplanned ICU transfer, cardiac arrest or death within 12 hours for adult ward "
                "and ICU patients from vital signs and laboratory results, to prompt a rapid-response check.",
                Product.Deployment.EHR_EMBEDDED,
                SUBMITTED,
            ),
            (
                "DeteriorationWatch",
                "1.0",
                "Estimates the risk of an unplanned transfer to intensive care within 24 hours for adult "
                "ward patients, to guide nurse-led escalation rounds.",
                Product.Deployment.EHR_EMBEDDED,
                DRAFT,
            ),
        ],
    ),
    (
        "Ambient Notes Health Ltd.",
        "https://ambientnotes.example",
        [("Priya Raman", "priya.raman@ambientnotes.example", "General counsel")],
        [
            (
                "ScribeAssist",
                "2.0",
                "Listens to the clinic visit (with consent) and drafts the clinical note for the physician "
                "to review and sign.",
                Product.Deployment.SAAS,
                UNDER_REVIEW,
            ),
            (
                "InboxAssist",
                "1.1",
                "Drafts replies to patient portal messages for a clinician to edit, approve and send.",
                Product.Deployment.SAAS,
                SENT,
            ),
        ],
    ),
    (
        "Radiant Imaging AI GmbH",
        "https://radiant-imaging.example",
        [("Jonas Weber", "jonas.weber@radiant-imaging.example", "Data science lead")],
        [
            (
                "TriageCT",
                "1.7",
                "Flags head CT studies with suspected intracranial haemorrhage to move them up the "
                "radiologist's worklist; it does not diagnose.",
                Product.Deployment.ON_PREMISES,
                SUBMITTED,
            ),
        ],
    ),
]
# The library version each demo product is evaluated on (default 1): EarlyWarn shows version 2,
# whose structured facts the consistency checks read; the others keep their version 1 results.
LIBRARY_VERSION_OF = {"EarlyWarn": 2}
# The officer's inherent-risk intake, for the demo products evaluated on a template that has one:
# EarlyWarn alerts ward staff to deterioration (time-critical, inside the EHR), so every section is
# asked.
INTAKE_OF = {
    "EarlyWarn": {
        "phi": True,
        "patient_facing": False,
        "autonomy": "informs",
        "time_critical": True,
        "images_signals": False,
        "generative": False,
        "in_ehr": True,
        "patients": "1000_to_100000",
    }
}
DEMO_USERS = [
    ("admin", "Avery", "Admin", Role.ADMIN),
    ("officer", "Olivia", "Officer", Role.OFFICER),
    ("compliance", "Casey", "Compliance", Role.COMPLIANCE),
    ("reviewer", "Riley", "Reviewer", Role.REVIEWER),
]
# The order of the workflow the demo walks through; later states include the earlier steps.
PROGRESS = [DRAFT, SENT, S.IN_PROGRESS, SUBMITTED, UNDER_REVIEW, DECIDED]
# After its approval, the decided product shows the lifecycle: documents expiring within the
# 60-day reminder window, its condition followed up as a remediation item, and a newer version.
LIFECYCLE_PRODUCT = "SepsisSentinel"
EXPIRING_IN_DAYS = 45
NEWER_VERSION = (
    "4.3",
    "Recalibrated on 2025 admissions of the same adult inpatient population; no new inputs.",
)
DECISION_RATIONALE = (
    "De Novo authorized for the same intended use, expert-determined de-identification with a current "
    "report, subgroup and external validation on file, and a BAA on our terms. Approved on condition "
    "that it first runs silently on our own patients."
)
DECISION_CONDITION = (
    "Run SepsisSentinel in silent mode on Riverside inpatients for 90 days and present sensitivity, "
    "alert rate and subgroup results to the AI governance committee before alerts reach clinicians."
)


class Command(BaseCommand):
    help = "Create the demo organization, users, vendors and evaluations in each workflow state (idempotent)."

    def handle(self, *args, **options) -> None:
        # The demo's e-mails (invites, submission notices) would go to fictitious addresses and bury
        # the summary in the console; keep them in memory instead.
        quiet_mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        with quiet_mail, transaction.atomic():
            organization = self._seed_people()
            planned = self._seed_vendors(organization)
            problems = self._advance_all(planned)
        # Scoring was queued when the evaluations were submitted and ran (embedded mode) or was
        # handed to the worker when the transaction committed: report whichever is true now.
        self._report(organization, planned, problems)

    def _seed_people(self) -> Organization:
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
        return organization

    def _seed_vendors(self, organization: Organization) -> list[tuple[Evaluation, str]]:
        """Vendors, products and contacts; evaluations only when the library questionnaire exists."""
        officer = User.objects.get(username="officer")
        reviewer = User.objects.get(username="reviewer")
        templates = {t.version: t for t in Template.objects.library().published().filter(slug=LIBRARY_SLUG)}
        planned = []
        index = 0
        for name, website, contacts, products in DEMO_VENDORS:
            vendor, _ = Vendor.objects.get_or_create(
                organization=organization, legal_name=name, defaults={"website": website}
            )
            for contact_name, email, role in contacts:
                Contact.objects.get_or_create(
                    organization=organization,
                    vendor=vendor,
                    email=email,
                    defaults={"name": contact_name, "role": role},
                )
            for product_name, version, use, deployment, target in products:
                index += 1
                product, _ = Product.objects.get_or_create(
                    organization=organization,
                    vendor=vendor,
                    name=product_name,
                    defaults={"version": version, "intended_use": use, "deployment": deployment},
                )
                template = templates.get(LIBRARY_VERSION_OF.get(product_name, 1))
                if template is None:
                    continue
                evaluation = Evaluation.objects.filter(product=product).order_by("created_at", "pk").first()
                if evaluation is None:
                    evaluation = evaluation_create(
                        organization=organization,
                        product=product,
                        template=template,
                        owner=officer,
                        created_by=officer,
                        reviewers=[reviewer],
                        due_date=timezone.localdate() + datetime.timedelta(days=14 + 7 * index),
                    )
                planned.append((evaluation, target))
        if not templates:
            self.stdout.write(
                f"No published library template '{LIBRARY_SLUG}' yet: demo evaluations skipped."
            )
        return planned

    # ---- Moving each evaluation through the workflow -----------------------------------------

    def _advance_all(self, planned: list[tuple[Evaluation, str]]) -> dict[int, str]:
        problems: dict[int, str] = {}
        for evaluation, target in planned:
            try:
                # A savepoint each: an evaluation the services refuse to move stays as it was,
                # and the rest of the demo is still created.
                with transaction.atomic():
                    self._advance(evaluation, target)
            except ValidationError as exc:
                problems[evaluation.pk] = "; ".join(exc.messages)
        return problems

    def _advance(self, evaluation: Evaluation, target: str) -> None:
        officer = User.objects.get(username="officer")
        reviewer = User.objects.get(username="reviewer")
        goal = PROGRESS.index(target)

        def reached(status: str) -> bool:
            evaluation.refresh_from_db()
            return evaluation.status not in PROGRESS or PROGRESS.index(evaluation.status) >= PROGRESS.index(
                status
            )

        intake = INTAKE_OF.get(evaluation.product.name)
        if intake and evaluation.template.intake and not evaluation.inherent_tier and not reached(SENT):
            evaluation_intake_record(evaluation=evaluation, answers=intake, user=officer)
        if goal >= PROGRESS.index(SENT) and not reached(SENT):
            contact = Contact.objects.filter(vendor=evaluation.product.vendor_id).order_by("pk").first()
            invite_send(evaluation=evaluation, contacts=[contact], invited_by=officer)
        if goal >= PROGRESS.index(SUBMITTED) and not reached(SUBMITTED):
            invite = Invite.objects.filter(evaluation=evaluation).order_by("pk").first()
            contact = invite.contact if invite else None
            self._answer(evaluation, PROFILES[evaluation.product.name], contact)
            evaluation_submit(evaluation=evaluation, contact=contact)
        if goal >= PROGRESS.index(UNDER_REVIEW) and not reached(UNDER_REVIEW):
            evaluation_transition(evaluation=evaluation, to_status=UNDER_REVIEW, user=reviewer)
        if goal >= PROGRESS.index(DECIDED) and not reached(DECIDED):
            self._decide(evaluation, reviewer)
        if goal >= PROGRESS.index(DECIDED) and evaluation.product.name == LIFECYCLE_PRODUCT:
            self._after_the_decision(evaluation)

    def _answer(self, evaluation: Evaluation, profile: VendorProfile, contact: Contact | None) -> None:
        """Answers every question shown to the vendor that has no answer yet, as its contact would."""
        today = timezone.localdate()
        _sections, questions = template_structure(evaluation.template)
        stored = {a.question_id: a for a in Answer.objects.filter(evaluation=evaluation)}
        with_files = set(
            EvidenceFile.objects.filter(evaluation=evaluation, removed_at__isnull=True).values_list(
                "question_id", flat=True
            )
        )
        existing = {q.key: stored[q.pk].value for q in questions if q.pk in stored}
        for question, value in generate_answers(profile, questions, today=today, existing=existing):
            if value is not FILE and question.pk not in stored:
                answer_save(
                    evaluation=evaluation, question=question, value=value, expected_version=0, contact=contact
                )
            wants_document = question.type == "file" or question.requires_evidence
            wanted = question.is_required or profile.optional_documents
            if wants_document and wanted and question.pk not in with_files:
                self._upload(evaluation, profile, question, contact, today)

    def _upload(self, evaluation, profile: VendorProfile, question, contact, today: datetime.date) -> None:
        name = f"{profile.product}-{question.key.replace('.', '-')}.pdf"
        content = demo_pdf(
            f"{profile.vendor}: {profile.product}",
            [
                question.prompt[:90],
                f"Prepared for {evaluation.organization.name} on {today.isoformat()}.",
                "Demonstration document with fictitious content.",
            ],
        )
        has_expiry = (question.options or {}).get("has_expiry")
        lifetime = EXPIRING_IN_DAYS if evaluation.product.name == LIFECYCLE_PRODUCT else 300
        evidence_upload(
            evaluation=evaluation,
            question=question,
            uploaded_file=SimpleUploadedFile(name, content, content_type="application/pdf"),
            expires_on=today + datetime.timedelta(days=lifetime) if has_expiry else None,
            contact=contact,
            **demo_description(profile, question, today),
        )

    def _decide(self, evaluation: Evaluation, reviewer: User) -> None:
        compliance = User.objects.get(username="compliance")
        for assignment in ReviewerAssignment.objects.filter(
            evaluation=evaluation, reviewer=reviewer, signed_off_at__isnull=True
        ):
            section_sign_off(assignment=assignment, user=reviewer)
        decision_record(
            evaluation=evaluation,
            decision=Evaluation.Decision.APPROVED_WITH_CONDITIONS,
            rationale=DECISION_RATIONALE,
            user=compliance,
            conditions=[
                {
                    "description": DECISION_CONDITION,
                    "owner": compliance,
                    "due_date": timezone.localdate() + datetime.timedelta(days=90),
                }
            ],
        )

    def _after_the_decision(self, evaluation: Evaluation) -> None:
        """A newer model version, reported by the vendor within its PCCP, once.

        The decision's condition is already an open remediation item (the decision makes it one).
        """
        version, notes = NEWER_VERSION
        if not ModelVersion.objects.filter(product=evaluation.product, version=version).exists():
            contact = Contact.objects.filter(vendor=evaluation.product.vendor_id).order_by("pk").first()
            model_version_report(
                product=evaluation.product,
                version=version,
                release_notes=notes,
                within_pccp=ModelVersion.Pccp.YES,
                contact=contact,
            )

    # ---- Output ------------------------------------------------------------------------------

    def _report(
        self, organization: Organization, planned: list[tuple[Evaluation, str]], problems: dict[int, str]
    ) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo organization: {organization.name}"))
        if planned:
            self.stdout.write("Evaluations:")
        for evaluation, _target in planned:
            evaluation.refresh_from_db()
            run = ScoreRun.objects.filter(evaluation=evaluation).order_by("-created_at", "-pk").first()
            if run is None:
                scoring = ""
            elif run.status == ScoreRun.Status.DONE:
                findings = Finding.objects.filter(score_run_id=run.result_run_id).count()
                scoring = f"score {run.overall_score}, {run.risk_tier} risk, {findings} finding(s)"
            else:
                scoring = f"scoring {run.get_status_display().lower()}"
            line = f"  {evaluation.product.name:<20} {evaluation.get_status_display():<16} {scoring}"
            self.stdout.write(line.rstrip())
            if evaluation.pk in problems:
                self.stdout.write(self.style.WARNING(f"    not advanced: {problems[evaluation.pk]}"))
        self.stdout.write(f"Sign in at {settings.SITE_URL} with any of these (password: {DEMO_PASSWORD}):")
        for username, _first, _last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {Role(role).label}")
