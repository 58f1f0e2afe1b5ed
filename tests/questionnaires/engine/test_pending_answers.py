"""A prefilled answer the vendor has not confirmed is no answer: not complete, not revealing follow-ups."""

from __future__ import annotations

from questionnaires.engine.answers import QuestionnaireState
from tests.questionnaires.engine.test_questionnaire_state import BAA, NOTES, PENTEST, PHI, QUESTIONS, SOC2, a


def state(answers, pending=frozenset(), file_counts=None):
    return QuestionnaireState(
        questions=QUESTIONS, answers=answers, file_counts=file_counts or {}, pending=frozenset(pending)
    )


def test_a_pending_answer_is_not_answered_and_stays_missing():
    s = state({1: a("yes"), 4: a("notes")}, pending={1})
    assert s.is_pending(PHI)
    assert not s.is_pending(NOTES)
    assert not s.is_answered(PHI)
    assert s.is_answered(NOTES)
    assert s.missing() == [PHI, SOC2, PENTEST]
    assert s.progress() == (0, 3)


def test_a_pending_answer_does_not_reveal_its_follow_up_until_confirmed():
    pending = state({1: a("yes")}, pending={1})
    assert not pending.is_visible(BAA)
    assert pending.values_by_key == {}
    confirmed = state({1: a("yes")})
    assert confirmed.is_visible(BAA)
    assert confirmed.values_by_key == {"use.processes_phi": "yes"}


def test_carried_evidence_of_a_pending_file_question_does_not_count():
    s = state({3: a(None)}, pending={3}, file_counts={3: 1})
    assert s.has_evidence(SOC2)
    assert not s.is_answered(SOC2)
    assert SOC2 in s.missing()
    assert state({3: a(None)}, file_counts={3: 1}).is_answered(SOC2)


def test_a_pending_not_applicable_is_not_answered():
    s = state({5: a(None, na=True)}, pending={5})
    assert not s.is_answered(PENTEST)
    assert state({5: a(None, na=True)}).is_answered(PENTEST)


def test_confirming_every_pending_answer_completes_the_same_progress_as_typing_them():
    answers = {1: a("no"), 3: a(None), 5: a(None, na=True)}
    assert state(answers, pending={1, 3, 5}, file_counts={3: 1}).progress() == (0, 3)
    assert state(answers, file_counts={3: 1}).progress() == (3, 3)
