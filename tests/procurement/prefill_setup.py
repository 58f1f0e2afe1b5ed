"""A product whose earlier evaluation the vendor submitted, with answers and one evidence file."""

from __future__ import annotations

import hashlib
import secrets
from types import SimpleNamespace

from django.utils import timezone

from procurement.models import Evaluation, EvidenceFile
from procurement.services.evaluations import evaluation_create
from tests.factories import AnswerFactory, EvaluationFactory, InviteFactory
from tests.factories import evidence_file_path as evidence_path
from tests.procurement.conftest import build_questionnaire

PDF = b"%PDF-1.4\n% carried evidence\n%%EOF\n"


def stored_evidence(evaluation, question, *, content: bytes = PDF, expires_on=None) -> EvidenceFile:
    stored_name = f"{secrets.token_hex(16)}.pdf"
    path = evidence_path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return EvidenceFile.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        question=question,
        original_name="soc2-type2.pdf",
        stored_name=stored_name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        expires_on=expires_on,
    )


def submitted_evaluation(org, officer) -> SimpleNamespace:
    """An evaluation under review whose vendor answered every required question of the small questionnaire."""
    old = EvaluationFactory(
        organization=org,
        owner=officer,
        status=Evaluation.Status.UNDER_REVIEW,
        submitted_at=timezone.now() - timezone.timedelta(days=365),
    )
    q = build_questionnaire(old)
    for question, value in (
        (q.phi, "yes"),
        (q.method, "safe_harbor"),
        (q.zip, "no"),
        (q.days, 30),
        (q.modalities, ["audio"]),
        (q.table, [{"subgroup": "Women", "n": 120}]),
    ):
        AnswerFactory(evaluation=old, question=question, value=value)
    file = stored_evidence(old, q.report)
    return SimpleNamespace(evaluation=old, questions=q, file=file)


def carried_evaluation(org, officer, old: Evaluation, **extra) -> Evaluation:
    return evaluation_create(
        organization=org,
        product=old.product,
        template=old.template,
        owner=officer,
        created_by=officer,
        carry_forward=True,
        **extra,
    )


def sent(evaluation: Evaluation):
    """The evaluation sent to the vendor, with the vendor's invite."""
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.SENT)
    evaluation.refresh_from_db()
    return InviteFactory(evaluation=evaluation)
