"""A small questionnaire with one question of each kind, sent to a vendor contact."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from procurement.models import Evaluation
from questionnaires.models import Question
from tests.factories import EvaluationFactory, InviteFactory, QuestionFactory, SectionFactory

T = Question.Type


@pytest.fixture(autouse=True)
def _clear_cache():
    # Guess throttling and the hourly "link used" audit live in the cache.
    cache.clear()
    yield
    cache.clear()


def build_questionnaire(evaluation: Evaluation) -> SimpleNamespace:
    template = evaluation.template
    first = SectionFactory(template=template, key="intended-use", title="Intended use", order=1)
    second = SectionFactory(template=template, key="evidence", title="Evidence", order=2)
    q = SimpleNamespace(first=first, second=second)
    q.phi = QuestionFactory(section=first, key="use.processes_phi", type=T.YES_NO, order=1)
    q.method = QuestionFactory(
        section=first,
        key="deid.method_training",
        type=T.SINGLE_CHOICE,
        order=2,
        options={
            "choices": [
                {"value": "safe_harbor", "label": "Safe harbor"},
                {"value": "unknown", "label": "Unknown"},
            ]
        },
    )
    q.zip = QuestionFactory(
        section=first,
        key="deid.safe_harbor.full_zip",
        type=T.YES_NO,
        order=3,
        condition={"question": "deid.method_training", "operator": "equals", "value": "safe_harbor"},
    )
    q.days = QuestionFactory(
        section=first,
        key="baa.breach_notice_days",
        type=T.NUMBER,
        order=4,
        options={"unit": "days", "min": 0, "max": 365},
    )
    q.modalities = QuestionFactory(
        section=first,
        key="use.data_modalities",
        type=T.MULTI_CHOICE,
        order=5,
        is_required=False,
        options={
            "choices": [{"value": "audio", "label": "Audio"}, {"value": "medical_images", "label": "Images"}]
        },
    )
    q.table = QuestionFactory(
        section=second,
        key="bias.subgroup_table",
        type=T.TABLE,
        order=1,
        options={
            "columns": [
                {"key": "subgroup", "label": "Subgroup", "type": "text"},
                {"key": "n", "label": "N", "type": "number"},
            ]
        },
    )
    q.report = QuestionFactory(
        section=second, key="security.soc2_type2", type=T.FILE, order=2, options={"has_expiry": True}
    )
    q.site = QuestionFactory(section=second, key="security.site", type=T.URL, order=3, is_required=False)
    q.date = QuestionFactory(
        section=second, key="security.pentest_date", type=T.DATE, order=4, is_required=False
    )
    return q


@pytest.fixture
def evaluation(org, officer):
    return EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)


@pytest.fixture
def questions(evaluation):
    return build_questionnaire(evaluation)


@pytest.fixture
def invite(evaluation, questions):
    return InviteFactory(evaluation=evaluation)


def portal_url(invite, suffix: str = "") -> str:
    return f"/v/{invite.token}/{suffix}"


def answer_post(question, value=None, *, version=0, na=False, **extra) -> dict:
    data = {f"q{question.pk}-version": str(version)}
    if isinstance(value, list) or value is not None:
        data[f"q{question.pk}-value"] = value
    if na:
        data[f"q{question.pk}-not_applicable"] = "on"
    data.update(extra)
    return data
