"""Two versions of a small questionnaire and an evaluation of v1 with answers of every fate."""

from __future__ import annotations

from types import SimpleNamespace

from procurement.models import Evaluation
from questionnaires.models import Question
from tests.factories import (
    AnswerFactory,
    EvaluationFactory,
    EvidenceFileFactory,
    QuestionFactory,
    SectionFactory,
    TemplateFactory,
)

T = Question.Type
AB = {"choices": [{"value": "a", "label": "Option A"}, {"value": "b", "label": "Option B"}]}
A_ONLY = {"choices": [{"value": "a", "label": "Option A"}]}


def two_versions(org, *, slug: str = "vendor-review"):
    v1 = TemplateFactory(organization=org, slug=slug, name="Vendor review", version=1)
    v2 = TemplateFactory(organization=org, slug=slug, name="Vendor review", version=2)
    s1 = SectionFactory(template=v1, key="security", title="Security", order=1)
    s2 = SectionFactory(template=v2, key="security", title="Security", order=1)

    def both(key, type, prompt, *, new_prompt=None, new_type=None, options=None, new_options=None):
        old = QuestionFactory(section=s1, key=key, type=type, prompt=prompt, options=options or {})
        new = QuestionFactory(
            section=s2,
            key=key,
            type=new_type or type,
            prompt=new_prompt or prompt,
            options=new_options if new_options is not None else (options or {}),
        )
        return old, new

    q = SimpleNamespace(v1=v1, v2=v2)
    q.keep = both("sec.encrypted", T.YES_NO, "Is data encrypted at rest?")
    q.reword = both(
        "sec.owner", T.SHORT_TEXT, "Who owns security?", new_prompt="Who is accountable for security?"
    )
    q.choice = both("sec.hosting", T.SINGLE_CHOICE, "Hosting?", options=AB, new_options=A_ONLY)
    q.retype = both("sec.staff", T.SHORT_TEXT, "How many security staff?", new_type=T.NUMBER)
    q.file = both("sec.policy", T.FILE, "Attach your security policy.")
    q.empty = both("sec.pentest", T.YES_NO, "Do you run penetration tests?")
    q.gone = QuestionFactory(section=s1, key="sec.fax", type=T.SHORT_TEXT, prompt="Fax number?")
    q.fresh = QuestionFactory(section=s2, key="sec.sbom", type=T.YES_NO, prompt="Do you publish an SBOM?")
    return q


def evaluation_on_v1(org, officer, *, status=Evaluation.Status.IN_PROGRESS, **extra):
    q = two_versions(org)
    evaluation = EvaluationFactory(organization=org, owner=officer, template=q.v1, status=status, **extra)
    q.evaluation = evaluation
    q.a_keep = AnswerFactory(evaluation=evaluation, question=q.keep[0], value="yes")
    q.a_reword = AnswerFactory(evaluation=evaluation, question=q.reword[0], value="Jane Doe, CISO")
    q.a_choice = AnswerFactory(evaluation=evaluation, question=q.choice[0], value="b")
    q.a_retype = AnswerFactory(evaluation=evaluation, question=q.retype[0], value="about twelve")
    q.a_gone = AnswerFactory(evaluation=evaluation, question=q.gone, value="+1 555 0100")
    q.a_empty = AnswerFactory(evaluation=evaluation, question=q.empty[0], value=None)
    q.policy_file = EvidenceFileFactory(evaluation=evaluation, question=q.file[0], original_name="policy.pdf")
    return q
