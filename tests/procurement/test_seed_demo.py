from __future__ import annotations

import pytest
from django.core.management import call_command

from procurement.models import Evaluation
from tests.factories import TemplateFactory
from vendors.models import Contact, Product, Vendor

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_skips_evaluations_without_the_library():
    call_command("seed_demo")
    call_command("seed_demo")
    assert Vendor.objects.count() == 3
    assert Product.objects.count() == 3
    assert Contact.objects.count() == 4
    assert not Evaluation.objects.exists()


def test_seed_demo_creates_evaluations_from_the_library_template_once():
    TemplateFactory(organization=None, slug="clinical-ai-vendor-due-diligence")
    call_command("seed_demo")
    call_command("seed_demo")
    assert Evaluation.objects.count() == 3
    assert {e.status for e in Evaluation.objects.all()} == {Evaluation.Status.DRAFT}
