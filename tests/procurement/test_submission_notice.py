from __future__ import annotations

import pytest
from django.core import mail

from procurement.models import Evaluation
from procurement.services.submission import evaluation_submit
from tests.factories import ContactFactory, EvaluationFactory

pytestmark = pytest.mark.django_db


def test_the_owner_is_told_when_the_vendor_submits(officer, django_capture_on_commit_callbacks):
    evaluation = EvaluationFactory(status=Evaluation.Status.IN_PROGRESS, owner=officer)
    contact = ContactFactory(vendor=evaluation.product.vendor)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_submit(evaluation=evaluation, contact=contact)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert evaluation.product.name in mail.outbox[0].subject + mail.outbox[0].body
