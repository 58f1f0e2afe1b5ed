"""Factories for every model, so that tests build only what they are about."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import factory
from django.utils import timezone

from procurement.models import Evaluation, Membership, Organization, ScoreOverride, ScoreRun, User
from procurement.roles import Role
from questionnaires.models import Answer, EvidenceFile, Question, Section, Template
from vendors.models import Contact, Invite, Product, Vendor


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


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceFile

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    question = factory.SubFactory(
        QuestionFactory, template=factory.SelfAttribute("..evaluation.template"), type=Question.Type.FILE
    )
    original_name = "soc2-type2.pdf"
    stored_name = factory.LazyFunction(lambda: secrets.token_hex(16))
    content_type = "application/pdf"
    size = 1024
    sha256 = factory.LazyFunction(lambda: secrets.token_hex(32))


class ScoreRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoreRun

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")


class ScoreOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoreOverride

    evaluation = factory.SubFactory(EvaluationFactory)
    organization = factory.SelfAttribute("evaluation.organization")
    question = factory.SubFactory(QuestionFactory, template=factory.SelfAttribute("..evaluation.template"))
    score = 50
    justification = "Reviewed the evidence by hand."
    created_by = factory.SubFactory(UserFactory)
