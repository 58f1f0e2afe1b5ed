"""A small scored questionnaire and an evaluation answering it, shared by the scoring tests."""

from __future__ import annotations

from procurement.models import Answer
from questionnaires.models import Question
from tests.factories import EvaluationFactory, QuestionFactory, SectionFactory

BAA_KNOCKOUT = {
    "operator": "equals",
    "value": "will_not_sign",
    "reason": "The vendor will not sign a BAA although it would handle PHI.",
    "cap_tier": "critical",
    "citation": "45 CFR 164.502(e)",
}


def build_evaluation(org, *, extra_questions: int = 0, answers: dict | None = None, **evaluation_kwargs):
    """An evaluation of a fresh template: use, BAA and FDA questions, plus `extra_questions` yes/no ones."""
    evaluation = EvaluationFactory(organization=org, **evaluation_kwargs)
    template = evaluation.template
    if "template" not in evaluation_kwargs:
        _build_questions(template, extra_questions)
    values = {
        "use.processes_phi": "yes",
        "use.data_modalities": ["ehr_structured"],
        "fda.status": "cleared_510k",
        "baa.will_sign": "customer_baa",
        "baa.breach_notice_days": 5,
        **{f"more.q{i}": "yes" for i in range(extra_questions)},
        **(answers or {}),
    }
    set_answers(evaluation, values)
    return evaluation


def _build_questions(template, extra_questions: int) -> None:
    template.risk_thresholds = {"low": 80, "moderate": 60, "high": 40}
    template.save()
    use = SectionFactory(template=template, key="use", title="Product and intended use", order=1)
    baa = SectionFactory(template=template, key="baa", title="Business associate agreement", order=2)

    def question(section, key, qtype, scoring=None, **kwargs):
        return QuestionFactory(
            section=section, template=template, key=key, type=qtype, scoring=scoring, **kwargs
        )

    question(use, "use.processes_phi", "yes_no")
    question(use, "use.data_modalities", "multi_choice", options={"choices": [{"value": "medical_images"}]})
    question(
        use,
        "fda.status",
        "single_choice",
        {"points": {"cleared_510k": 100, "non_device_cds": 60, "unknown": 0}},
        options={"choices": [{"value": v} for v in ("cleared_510k", "non_device_cds", "unknown")]},
    )
    question(
        baa,
        "baa.will_sign",
        "single_choice",
        {"points": {"customer_baa": 100, "negotiated": 80, "will_not_sign": 0}, "critical": BAA_KNOCKOUT},
        options={"choices": [{"value": v} for v in ("customer_baa", "negotiated", "will_not_sign")]},
    )
    question(
        baa,
        "baa.breach_notice_days",
        "number",
        {"bands": [{"min": 0, "max": 10, "points": 100}, {"min": 11, "max": 60, "points": 50}]},
        allows_na=True,
    )
    if extra_questions:
        more = SectionFactory(template=template, key="more", title="More", order=3)
        Question.objects.bulk_create(
            [
                Question(
                    section=more,
                    template=template,
                    key=f"more.q{i}",
                    prompt=f"Extra {i}?",
                    type="yes_no",
                    order=i,
                    scoring={"expected": "yes"},
                )
                for i in range(extra_questions)
            ]
        )


def set_answers(evaluation, values: dict) -> None:
    questions = {q.key: q for q in Question.objects.filter(template=evaluation.template)}
    for key, value in values.items():
        Answer.objects.update_or_create(
            evaluation=evaluation,
            question=questions[key],
            defaults={"organization": evaluation.organization, "value": value, "version": 1},
        )
