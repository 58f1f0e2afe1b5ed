from __future__ import annotations

import pytest
from django.core import mail

from config.celery import app
from procurement.models import Evaluation, ScoreRun
from procurement.services.submission import evaluation_submit
from tests.conftest import reset_celery_connections
from tests.factories import AnswerFactory, ContactFactory, EvaluationFactory, QuestionFactory, SectionFactory

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


def test_submitting_scores_the_answers(officer, django_capture_on_commit_callbacks):
    evaluation = EvaluationFactory(status=Evaluation.Status.IN_PROGRESS, owner=officer)
    section = SectionFactory(template=evaluation.template)
    question = QuestionFactory(section=section, type="yes_no", scoring={"expected": "yes"})
    AnswerFactory(evaluation=evaluation, question=question, value="no")
    contact = ContactFactory(vendor=evaluation.product.vendor)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_submit(evaluation=evaluation, contact=contact)
    run = ScoreRun.objects.get(evaluation=evaluation)
    assert run.status == ScoreRun.Status.DONE
    evaluation.refresh_from_db()
    assert evaluation.overall_score == 0
    assert evaluation.risk_tier == Evaluation.RiskTier.CRITICAL


def test_a_submission_is_kept_when_the_broker_is_down(officer, django_capture_on_commit_callbacks):
    """With Redis unreachable the vendor's submission still commits; scoring waits in the outbox."""
    evaluation = EvaluationFactory(status=Evaluation.Status.IN_PROGRESS, owner=officer)
    contact = ContactFactory(vendor=evaluation.product.vendor)
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url="redis://127.0.0.1:9/0", task_always_eager=False)
    reset_celery_connections(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            evaluation_submit(evaluation=evaluation, contact=contact)
    finally:
        app.conf.update(saved)
        reset_celery_connections(app)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    run = ScoreRun.objects.get(evaluation=evaluation)
    assert run.status == ScoreRun.Status.QUEUED
    assert run.enqueued_at is None, "the sweep must pick it up once the broker is back"
