"""The question markup (a Jinja2 template) escapes what people wrote and links where Django routes."""

from __future__ import annotations

import uuid

import pytest
from django.urls import NoReverseMatch, reverse

from portal.templating import _url
from procurement.models import Evaluation
from questionnaires.models import Question
from tests.factories import (
    AnswerFactory,
    ClarificationRequestFactory,
    EvaluationFactory,
    EvidenceFileFactory,
    InviteFactory,
    QuestionFactory,
    ReviewCommentFactory,
    SectionFactory,
)
from tests.procurement.conftest import portal_url

pytestmark = pytest.mark.django_db
ATTACK = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def test_every_text_on_a_question_is_escaped_and_its_links_are_djangos(client):
    evaluation = EvaluationFactory(status=Evaluation.Status.IN_PROGRESS)
    section = SectionFactory(template=evaluation.template, order=0)
    text = QuestionFactory(
        section=section, type=Question.Type.SHORT_TEXT, prompt=f"Prompt {ATTACK}", help_text=f"Help {ATTACK}"
    )
    choice = QuestionFactory(
        section=section,
        type=Question.Type.SINGLE_CHOICE,
        options={"choices": [{"value": "a", "label": f"Label {ATTACK}"}]},
    )
    evidence = QuestionFactory(section=section, type=Question.Type.FILE)
    AnswerFactory(evaluation=evaluation, question=text, value=f"Value {ATTACK}")
    ReviewCommentFactory(evaluation=evaluation, question=text, body=f"First line {ATTACK}\nsecond line")
    ClarificationRequestFactory(evaluation=evaluation, question=choice, message=f"Ask {ATTACK}")
    upload = EvidenceFileFactory(evaluation=evaluation, question=evidence, original_name=f"x{ATTACK}.pdf")
    invite = InviteFactory(evaluation=evaluation)

    body = client.get(portal_url(invite)).content.decode()

    assert "<script>alert(2)</script>" not in body
    assert "<img src=x" not in body
    escaped = "&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
    for written in ("Prompt ", "Help ", "Value ", "Label ", "Ask ", "x"):
        # Jinja2 writes a quote as &#34;, Django as &quot;: either is escaped.
        assert f"{written}&#34;{escaped}" in body or f"{written}&quot;{escaped}" in body, written
    assert "alert(2)&lt;/script&gt;<br>second line" in body  # line breaks kept, as <br>
    token = invite.token
    # The clarification round leaves only the question asked about open to change.
    assert f'hx-post="{reverse("portal_answer", args=[token, choice.key])}"' in body
    assert f'hx-post="{reverse("portal_answer", args=[token, text.key])}"' not in body
    assert f'href="{reverse("portal_evidence_download", args=[token, upload.public_id])}"' in body
    assert 'data-evidence="' in body  # the evidence description, a Django partial, is included


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal_answer", ("tok-ABC_123", "model.version-2")),
        ("portal_upload", ("tok", "k")),
        ("portal_answer", ("a b?c#d", "é%&+")),  # quoted as reverse() quotes
        ("portal_evidence_download", ("tok", uuid.UUID(int=7))),  # a UUID goes through reverse()
        ("portal_answer", ("tok", "")),
    ],
)
def test_the_markups_url_builder_gives_what_reverse_gives(name, args):
    try:
        expected = reverse(name, args=args)
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            _url(name, *args)
    else:
        assert _url(name, *args) == expected
