"""Progress a vendor can trust: the total does not jump as follow-ups appear."""

from __future__ import annotations

from types import SimpleNamespace

from questionnaires.engine.answers import QuestionnaireState


def _q(pk, key, *, condition=None, required=True, qtype="yes_no", section="a"):
    return SimpleNamespace(
        id=pk,
        key=key,
        condition=condition,
        is_required=required,
        type=qtype,
        allows_na=True,
        requires_evidence=False,
        section=section,
    )


def _when(key, value):
    return {"question": key, "operator": "equals", "value": value}


# ai: a root with a follow-up, which has its own follow-up; data: a plain question;
# monitoring lives in section b and follows up on ai from there.
QUESTIONS = [
    _q(1, "ai", section="a"),
    _q(2, "ai.model", condition=_when("ai", "yes"), qtype="short_text", section="a"),
    _q(3, "ai.model.version", condition=_when("ai.model", "v1"), qtype="short_text", section="a"),
    _q(4, "data", section="a"),
    _q(5, "notes", required=False, qtype="long_text", section="a"),
    _q(6, "monitoring", condition=_when("ai", "yes"), section="b"),
    _q(7, "hidden.optional", condition=_when("data", "yes"), required=False, section="c"),
]


def _state(**values):
    by_key = {q.key: q for q in QUESTIONS}
    answers = {
        by_key[k].id: SimpleNamespace(value=v, is_not_applicable=v == "n/a") for k, v in values.items()
    }
    return QuestionnaireState(questions=QUESTIONS, answers=answers)


def _section(name):
    return [q for q in QUESTIONS if q.section == name]


def test_the_total_stays_the_same_when_an_answer_reveals_follow_ups():
    assert _state().progress() == (0, 2)
    assert _state(ai="yes").progress() == (0, 2)
    assert _state(ai="yes", **{"ai.model": "v1"}).progress() == (0, 2)
    assert _state(ai="no").progress() == (1, 2)


def test_an_item_is_complete_only_with_its_shown_follow_ups_answered():
    answered = {"ai": "yes", "ai.model": "v1", "data": "no"}
    assert _state(**answered).progress() == (1, 2)
    assert _state(**answered, **{"ai.model.version": "1.2"}).progress() == (1, 2)  # monitoring open
    assert _state(**answered, **{"ai.model.version": "1.2"}, monitoring="yes").progress() == (2, 2)
    assert _state(ai="yes", **{"ai.model": "v2"}, monitoring="no", data="no").progress() == (2, 2)


def test_a_section_counts_its_items_and_a_follow_up_from_elsewhere_only_while_shown():
    assert _state().progress(_section("a")) == (0, 2)
    assert _state(ai="yes").progress(_section("a")) == (0, 2)
    assert _state().progress(_section("b")) == (0, 0)
    assert _state(ai="yes").progress(_section("b")) == (0, 1)
    assert _state(ai="yes", monitoring="yes").progress(_section("b")) == (1, 1)


def test_nothing_required_shown_is_zero_of_zero_not_complete_work():
    # Section c holds only an optional question: 0 of 0, which the portal shows as nothing required.
    assert _state().progress(_section("c")) == (0, 0)
    assert _state(data="yes").progress(_section("c")) == (0, 0)


def test_the_missing_list_still_names_every_shown_unanswered_required_question():
    state = _state(ai="yes", **{"ai.model": "v1"})
    assert [q.key for q in state.missing()] == ["ai.model.version", "data", "monitoring"]
    assert [q.key for q in _state().missing()] == ["ai", "data"]
