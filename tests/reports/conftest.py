"""An evaluation with every kind of answer, scores, findings, comments and evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation
from tests.factories import (
    AnswerFactory,
    DecisionConditionFactory,
    EvaluationFactory,
    EvidenceFileFactory,
    FindingFactory,
    QuestionFactory,
    ReviewCommentFactory,
    ScoreOverrideFactory,
    ScoreRunFactory,
    SectionFactory,
)


def build_evaluation(
    org, *, extra_questions: int = 0, files: int = 1, vendor_name: str = "Acme Clinical AI", **overrides
) -> Evaluation:
    now = timezone.now()
    fields = {
        "organization": org,
        "status": Evaluation.Status.DECIDED,
        "purpose": Evaluation.Purpose.NEW_PURCHASE,
        "sent_at": now - timedelta(days=20),
        "submitted_at": now - timedelta(days=10),
        "decided_at": now - timedelta(days=1),
        "decision": Evaluation.Decision.APPROVED_WITH_CONDITIONS,
        "decision_rationale": "Acceptable once the BAA is signed.",
        "overall_score": 64,
        "risk_tier": "moderate",
        "template__name": "Clinical AI Vendor Due Diligence",
    }
    if "product" not in overrides:
        fields.update(
            {
                "product__vendor__legal_name": vendor_name,
                "product__name": "SepsisWatch",
                "product__version": "3.2",
            }
        )
    evaluation = EvaluationFactory(**{**fields, **overrides})
    template = evaluation.template
    use = SectionFactory(template=template, key="intended-use", title="Product and intended use", weight=2)
    privacy = SectionFactory(template=template, key="privacy", title="Privacy and de-identification")
    evidence = SectionFactory(template=template, key="security", title="Security evidence")

    def ask(section, key, qtype, value, **kwargs):
        answer_kwargs = {k[7:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("answer_")}
        question = QuestionFactory(section=section, template=template, key=key, type=qtype, **kwargs)
        if value is not None or answer_kwargs:
            AnswerFactory(evaluation=evaluation, question=question, value=value, **answer_kwargs)
        return question

    ask(
        use,
        "use.intended_use",
        "long_text",
        "Predicts sepsis six hours ahead.",
        prompt="Describe the intended use.",
    )
    ask(
        use,
        "use.data_modalities",
        "multi_choice",
        ["ehr_structured", "clinical_notes"],
        prompt="Which data does it use?",
        options={
            "choices": [
                {"value": "ehr_structured", "label": "Structured EHR data"},
                {"value": "clinical_notes", "label": "Clinical notes"},
            ]
        },
    )
    ask(
        use,
        "use.time_critical",
        "yes_no",
        "yes",
        prompt="Is the output time-critical?",
        scoring={"expected": "no"},
    )
    ask(
        privacy,
        "deid.method_training",
        "single_choice",
        "expert_determination",
        prompt="How was training data de-identified?",
        options={
            "choices": [
                {"value": "safe_harbor", "label": "Safe Harbor"},
                {"value": "expert_determination", "label": "Expert Determination"},
            ]
        },
    )
    ask(
        privacy,
        "deid.safe_harbor.full_zip",
        "yes_no",
        "yes",
        prompt="Are full ZIP codes kept?",
        condition={"question": "deid.method_training", "operator": "equals", "value": "safe_harbor"},
    )
    ask(
        privacy,
        "baa.breach_notice_days",
        "number",
        30,
        prompt="Breach notice days?",
        options={"unit": "days"},
    )
    ask(
        privacy,
        "fda.pccp",
        "single_choice",
        None,
        prompt="PCCP?",
        answer_is_not_applicable=True,
        allows_na=True,
    )
    ask(
        privacy,
        "bias.subgroup_table",
        "table",
        [{"subgroup": "Female", "n": 1200, "value": 0.81}, {"subgroup": "Male", "n": 1100, "value": 0.79}],
        prompt="Performance by subgroup",
        options={
            "columns": [
                {"key": "subgroup", "label": "Subgroup", "type": "text"},
                {"key": "n", "label": "N", "type": "number"},
                {"key": "value", "label": "AUROC", "type": "number"},
            ]
        },
    )
    ask(privacy, "change.review_date", "date", "2025-03-01", prompt="Last review date?")
    soc2 = ask(evidence, "security.soc2_type2", "file", None, prompt="Upload the SOC 2 Type II report.")
    for n in range(files):
        EvidenceFileFactory(
            evaluation=evaluation, question=soc2, original_name=f"soc2-report-{n}.pdf", size=123456 + n
        )
    for n in range(extra_questions):
        ask(evidence, f"extra.q{n}", "short_text", f"Answer number {n}", prompt=f"Extra question {n}?")

    run = ScoreRunFactory(
        evaluation=evaluation,
        overall_score=64.5,
        risk_tier="moderate",
        rules_version="rules-2025.2",
        section_scores={
            str(use.id): {"title": use.title, "score": 55.0, "weight": 2.0},
            str(privacy.id): {"title": privacy.title, "score": 70.0, "weight": 1.0},
            str(evidence.id): {"title": evidence.title, "score": 90.0, "weight": 1.0},
        },
        question_scores={"use.time_critical": 0, "deid.method_training": 80},
    )
    FindingFactory(
        score_run=run,
        kind="consistency",
        title="Decision role conflicts with time-critical use",
        question_keys=["use.time_critical"],
    )
    FindingFactory(
        score_run=run,
        kind="critical",
        title="No signed business associate agreement",
        caps_tier_at="high",
        citation="45 CFR 164.502(e)",
    )
    time_critical = template.questions.get(key="use.time_critical")
    ReviewCommentFactory(
        evaluation=evaluation, question=time_critical, body="Internal: check the alerting path."
    )
    ScoreOverrideFactory(
        evaluation=evaluation,
        question=template.questions.get(key="deid.method_training"),
        score=60,
        justification="The determination is four years old.",
    )
    DecisionConditionFactory(evaluation=evaluation, description="Sign the BAA before go-live.")
    AuditEvent.objects.create(
        organization=org,
        evaluation=evaluation,
        kind=AuditEvent.Kind.STATUS_CHANGED,
        actor_label="Olivia Officer",
        summary="Sent to vendor",
    )
    return evaluation


def laid_out_tables(document) -> list:
    """Every table box of a document laid out by reports.pdf.layout_pdf, page by page."""
    from weasyprint.formatting_structure.boxes import TableBox

    return [
        box
        for page in document.pages
        for box in page._page_box.descendants()  # WeasyPrint's laid-out box tree of the page
        if isinstance(box, TableBox)
    ]


@pytest.fixture
def evaluation(org):
    return build_evaluation(org)


@pytest.fixture(autouse=True)
def _forget_celery_backend():
    """Eager tasks make Celery cache its result backend per thread; a later test that points the
    app at Redis (the real-worker tests) must not inherit the disabled one."""
    from config.celery import app

    yield
    app._local.__dict__.pop("backend", None)
