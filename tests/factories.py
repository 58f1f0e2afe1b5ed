"""Factories for every model, so that tests build only what they are about."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.roles import Role
from procurement.models import Answer, Evaluation, EvidenceFile, Invite, ReviewerAssignment
from procurement.services.evidence import evidence_storage_name
from questionnaires.models import Question, Section, Template
from vendors.models import Contact, Product, Vendor


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Hospital {n}")
    slug = factory.Sequence(lambda n: f"hospital-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OFFICER


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    organization = factory.SubFactory(OrganizationFactory)
    legal_name = factory.Sequence(lambda n: f"Vendor {n} Inc.")
    website = "https://vendor.example.com"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.SelfAttribute("vendor.organization")
    name = factory.Sequence(lambda n: f"Sepsis Predictor {n}")
    version = "2.1"
    intended_use = "Early warning of sepsis in adult inpatients."


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.SelfAttribute("vendor.organization")
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@vendor.example.com")
    role = "Head of compliance"


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Questionnaire {n}")
    slug = factory.Sequence(lambda n: f"questionnaire-{n}")
    version = 1
    status = Template.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    template = factory.SubFactory(TemplateFactory)
    key = factory.Sequence(lambda n: f"section-{n}")
    title = factory.Sequence(lambda n: f"Section {n}")
    order = factory.Sequence(lambda n: n)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    template = factory.SelfAttribute("section.template")
    key = factory.Sequence(lambda n: f"q.question_{n}")
    prompt = factory.Sequence(lambda n: f"Question {n}?")
    type = Question.Type.YES_NO
    order = factory.Sequence(lambda n: n)


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    organization = factory.SubFactory(OrganizationFactory)
    product = factory.SubFactory(
        ProductFactory, vendor__organization=factory.SelfAttribute("...organization")
    )
    template = factory.SubFactory(TemplateFactory, organization=factory.SelfAttribute("..organization"))
    owner = factory.SubFactory(UserFactory)
    status = Evaluation.Status.DRAFT


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    question = factory.SubFactory(QuestionFactory, template=factory.SelfAttribute("..evaluation.template"))
    value = "yes"
    version = 1


def make_token() -> tuple[str, str]:
    """A fresh invite token and its stored hash."""
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


class InviteFactory(factory.django.DjangoModelFactory):
    """The clear token is kept on `invite.token` for the test; only its hash is stored."""

    class Meta:
        model = Invite

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    contact = factory.SubFactory(ContactFactory, vendor=factory.SelfAttribute("..evaluation.product.vendor"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token, digest = make_token()
        kwargs.setdefault("token_hash", digest)
        invite = super()._create(model_class, *args, **kwargs)
        invite.token = token
        return invite


class DraftTemplateFactory(TemplateFactory):
    status = Template.Status.DRAFT
    published_at = None


def build_every_type_template(*, organization, status: str = Template.Status.PUBLISHED) -> Template:
    """A template with one question of every type, conditions, references and scoring rules."""
    template = TemplateFactory(
        organization=organization,
        status=status,
        published_at=timezone.now() if status != Template.Status.DRAFT else None,
        slug="every-type",
        name="Every question type",
        description="Covers each question type.",
        risk_thresholds={"low": 85, "moderate": 65, "high": 45},
    )
    first = SectionFactory(template=template, key="basics", title="Basics", order=0, weight="1.50")
    second = SectionFactory(template=template, key="evidence", title="Evidence", order=1, weight="0.75")
    choices = {"choices": [{"value": "a", "label": "Option A"}, {"value": "b", "label": "Option B"}]}
    specs = [
        (first, "basics.yes", "yes_no", {}, None, {"expected": "yes"}),
        (first, "basics.single", "single_choice", choices, None, {"points": {"a": 100, "b": 0}}),
        (first, "basics.multi", "multi_choice", choices, None, {"points": {"a": 50, "b": 50}, "mode": "sum"}),
        (
            first,
            "basics.short",
            "short_text",
            {"max_length": 200},
            {"question": "basics.yes", "operator": "equals", "value": "yes"},
            {"min_length": 3},
        ),
        (
            first,
            "basics.long",
            "long_text",
            {},
            {"question": "basics.short", "operator": "contains", "value": "x"},
            None,
        ),
        (
            first,
            "basics.number",
            "number",
            {"unit": "days", "min": 0, "max": 365},
            None,
            {"bands": [{"min": None, "max": 30, "points": 100}, {"min": 31, "max": None, "points": 0}]},
        ),
        (second, "evidence.date", "date", {}, None, {"max_age_days": 365}),
        (second, "evidence.url", "url", {}, None, {"present": True}),
        (
            second,
            "evidence.file",
            "file",
            {"has_expiry": True},
            {"question": "basics.number", "operator": "at_least", "value": 10},
            {"require_unexpired": True, "max_age_days": None},
        ),
        (
            second,
            "evidence.table",
            "table",
            {
                "columns": [
                    {"key": "subgroup", "label": "Subgroup", "type": "text"},
                    {"key": "n", "label": "N", "type": "number"},
                ],
                "required_rows": ["Female", "Male"],
                "row_key": "subgroup",
            },
            None,
            {
                "min_rows": 2,
                "require_all_rows": True,
                "critical": {
                    "operator": "unanswered",
                    "value": None,
                    "reason": "No subgroup data.",
                    "cap_tier": "high",
                },
            },
        ),
    ]
    for order, (section, key, qtype, options, condition, scoring) in enumerate(specs):
        QuestionFactory(
            section=section,
            key=key,
            type=qtype,
            order=order,
            prompt=f"Prompt for {key}",
            help_text="Help for the vendor.",
            guidance="What a good answer looks like.",
            allows_na=qtype == "yes_no",
            is_required=qtype != "long_text",
            weight="1.25" if qtype == "number" else "1.00",
            options=options,
            condition=condition,
            scoring=scoring,
            references=[{"citation": "45 CFR 164.514(b)", "url": "https://www.ecfr.gov/", "standing": "law"}],
            requires_evidence=qtype == "file",
            evidence_hint="Attach the report." if qtype == "file" else "",
        )
    return template


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    """A record only; `stored_evidence` also writes the file, for tests that download it."""

    class Meta:
        model = "procurement.EvidenceFile"

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    question = factory.SubFactory(
        QuestionFactory, template=factory.SelfAttribute("..evaluation.template"), type=Question.Type.FILE
    )
    original_name = factory.Sequence(lambda n: f"evidence-{n}.pdf")
    stored_name = factory.Sequence(lambda n: f"stored-{n}-{secrets.token_hex(8)}")
    content_type = "application/pdf"
    size = 2048
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"evidence {n}".encode()).hexdigest())


def stored_evidence(content: bytes = b"%PDF-1.7\n%%EOF\n", **kwargs) -> EvidenceFile:
    """An evidence record with its file in the default storage, fingerprinted as an upload would be."""
    evidence = EvidenceFileFactory(sha256=hashlib.sha256(content).hexdigest(), size=len(content), **kwargs)
    default_storage.save(evidence_storage_name(evidence.stored_name), ContentFile(content))
    return evidence


def evidence_file_path(stored_name: str) -> Path:
    """Where the file-system storage (the embedded default and the tests) keeps an evidence file."""
    return Path(default_storage.path(evidence_storage_name(stored_name)))


class ClarificationRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "procurement.ClarificationRequest"

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    question = factory.SubFactory(QuestionFactory, template=factory.SelfAttribute("..evaluation.template"))
    requested_by = factory.SubFactory(UserFactory)
    message = "Please give the subgroup sizes."


class ScoreRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "procurement.ScoreRun"

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    status = "done"
    rules_version = "2025.1"
    overall_score = 72
    risk_tier = "moderate"
    finished_at = factory.LazyFunction(timezone.now)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "procurement.Finding"

    score_run = factory.SubFactory(ScoreRunFactory)
    organization = factory.SelfAttribute("score_run.organization")
    kind = "critical"
    code = factory.Sequence(lambda n: f"finding-{n}")
    title = factory.Sequence(lambda n: f"Finding {n}")
    detail = "Details of the finding."
    question_keys = factory.LazyFunction(list)


class ReviewCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "procurement.ReviewComment"

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    question = factory.SubFactory(QuestionFactory, template=factory.SelfAttribute("..evaluation.template"))
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Reviewer comment {n}")
    is_visible_to_vendor = True


class ReviewerAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewerAssignment

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    reviewer = factory.SubFactory(UserFactory)
    section = None


class ScoreOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "procurement.ScoreOverride"

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    question = factory.SubFactory(QuestionFactory, template=factory.SelfAttribute("..evaluation.template"))
    score = 50
    justification = "The evidence only partly supports the answer."
    created_by = factory.SubFactory(UserFactory)


class DecisionConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "procurement.DecisionCondition"

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    description = factory.Sequence(lambda n: f"Condition {n}")


# An inherent-risk intake in the template format: three items, rules up to critical.
SAMPLE_INTAKE = {
    "items": [
        {"key": "phi", "prompt": "Does it handle PHI?", "type": "yes_no"},
        {"key": "patient_facing", "prompt": "Does its output reach patients directly?", "type": "yes_no"},
        {
            "key": "autonomy",
            "prompt": "What does it do with its output?",
            "type": "single_choice",
            "choices": [
                {"value": "informs", "label": "Informs a clinician, who decides"},
                {"value": "autonomous", "label": "Acts without a clinician's review"},
            ],
        },
    ],
    "rules": [
        {"tier": "moderate", "reason": "It handles PHI.", "when": [{"item": "phi", "equals": True}]},
        {
            "tier": "high",
            "reason": "It acts without a clinician.",
            "when": [{"item": "autonomy", "equals": "autonomous"}],
        },
        {
            "tier": "critical",
            "reason": "It acts on its own and reaches patients.",
            "when": [
                {"item": "autonomy", "equals": "autonomous"},
                {"item": "patient_facing", "equals": True},
            ],
        },
    ],
}
LOW_RISK_INTAKE = {"phi": False, "patient_facing": False, "autonomy": "informs"}
CRITICAL_INTAKE = {"phi": True, "patient_facing": True, "autonomy": "autonomous"}
