"""Several vendors autosave at once through a real HTTP server on the default database.

The live server answers each request on its own thread with its own database connection, as a
threaded production server does; on SQLite that is where "database is locked" came from.
"""

from __future__ import annotations

import re
import threading

import pytest
import requests

from procurement.models import Answer, Evaluation
from questionnaires.models import Question
from tests.factories import EvaluationFactory, InviteFactory, QuestionFactory, SectionFactory

THREADS = 6
SAVES = 20
QUESTIONS = 4
pytestmark = pytest.mark.django_db(transaction=True)
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _vendor(org, officer, number: int):
    evaluation = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.SENT)
    section = SectionFactory(template=evaluation.template, key=f"s{number}", order=1)
    questions = [
        QuestionFactory(section=section, key=f"v{number}.q{i}", type=Question.Type.SHORT_TEXT, order=i)
        for i in range(QUESTIONS)
    ]
    return evaluation, InviteFactory(evaluation=evaluation), questions


def _autosave_run(base: str, invite, questions, errors: list, browse: bool) -> None:
    session = requests.Session()
    page = session.get(f"{base}/v/{invite.token}/", timeout=30)
    token = CSRF.search(page.text).group(1)
    headers = {"HX-Request": "true", "X-CSRFToken": token, "Referer": f"{base}/v/{invite.token}/"}
    versions = dict.fromkeys((q.pk for q in questions), 0)
    for n in range(SAVES):
        question = questions[n % QUESTIONS]
        data = {f"q{question.pk}-version": str(versions[question.pk]), f"q{question.pk}-value": f"text {n}"}
        try:
            response = session.post(
                f"{base}/v/{invite.token}/q/{question.key}/", data=data, headers=headers, timeout=60
            )
        except requests.RequestException as exc:
            errors.append(f"save {n}: {exc}")
            continue
        if response.status_code != 200 or "save-state-saved" not in response.text:
            errors.append(f"save {n}: {response.status_code} {response.text[:200]}")
            continue
        versions[question.pk] += 1
        if browse:  # a colleague reading the questionnaire between saves
            session.get(f"{base}/v/{invite.token}/", timeout=30)


def test_six_vendors_autosaving_at_once_lose_nothing(live_server, org, officer):
    vendors = [_vendor(org, officer, i) for i in range(THREADS)]
    errors: list[str] = []
    threads = [
        threading.Thread(target=_autosave_run, args=(live_server.url, invite, questions, errors, i % 2 == 0))
        for i, (_, invite, questions) in enumerate(vendors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    for evaluation, _, questions in vendors:
        for i, question in enumerate(questions):
            answer = Answer.objects.get(evaluation=evaluation, question=question)
            saves = list(range(i, SAVES, QUESTIONS))
            assert answer.value == f"text {saves[-1]}"
            assert answer.version == len(saves)
