"""The template upgrade plan: what becomes of each question and of its answer."""

import pytest

from questionnaires.engine.upgrade import (
    ARCHIVE,
    CHANGED,
    CHOICE_REMOVED,
    CONFIRM,
    EMPTY,
    KEEP,
    NEW,
    REMOVED,
    RETYPED,
    UNCHANGED,
    AnswerData,
    PlanItem,
    QuestionData,
    UpgradePlan,
    carried_value,
    is_compatible,
    match,
    plan,
    same_meaning,
)

CHOICES = {"choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]}
FEWER = {"choices": [{"value": "a", "label": "A"}]}


def q(key, type="short_text", prompt="Prompt?", options=None, fact="", allows_na=False):
    return QuestionData(
        key=key, type=type, prompt=prompt, options=options or {}, fact=fact, allows_na=allows_na
    )


def only(result, key):
    (item,) = [i for i in result.items if key in (i.new_key, i.old_key)]
    return item


def test_unchanged_question_keeps_its_answer():
    result = plan(old=[q("a")], new=[q("a")], answers={"a": AnswerData("text")})
    assert result.items == (PlanItem("a", "a", UNCHANGED, KEEP, "", "text"),)


def test_unchanged_ignores_surrounding_whitespace_of_the_prompt():
    assert same_meaning(q("a", prompt="Prompt? "), q("a", prompt="  Prompt?\n"))
    assert same_meaning(q("a", prompt=" Prompt?"), q("a", prompt="Prompt?"))


@pytest.mark.parametrize(
    "other",
    [
        q("b"),
        q("a", type="long_text"),
        q("a", prompt="Other?"),
        q("a", options={"max_length": 10}),
        q("a", fact="x"),
        q("a", allows_na=True),
    ],
)
def test_any_difference_in_meaning_is_a_change(other):
    assert not same_meaning(q("a"), other)


def test_reworded_question_keeps_the_answer_for_confirmation():
    result = plan(old=[q("a")], new=[q("a", prompt="New?")], answers={"a": AnswerData("text")})
    assert result.items == (PlanItem("a", "a", CHANGED, CONFIRM, "", "text"),)


def test_changed_answer_value_is_cleaned_for_the_new_question():
    old, new = q("n", type="number"), q("n", type="number", options={"unit": "ms"})
    result = plan(old=[old], new=[new], answers={"n": AnswerData("12")})
    assert result.items == (PlanItem("n", "n", CHANGED, CONFIRM, "", 12),)


def test_changed_question_whose_value_no_longer_fits_is_archived():
    old, new = q("n", type="number"), q("n", type="number", options={"max": 5})
    item = only(plan(old=[old], new=[new], answers={"n": AnswerData(12)}), "n")
    assert (item.change, item.action, item.value) == (CHANGED, ARCHIVE, None)
    assert "at most 5" in item.reason


def test_removed_choice_is_flagged():
    old, new = q("c", "single_choice", options=CHOICES), q("c", "single_choice", options=FEWER)
    item = only(plan(old=[old], new=[new], answers={"c": AnswerData("b")}), "c")
    assert item == PlanItem("c", "c", CHANGED, CHOICE_REMOVED, "No longer an option: b.", None)
    assert item.label == "Choice removed"


def test_remaining_choice_is_kept_for_confirmation():
    old, new = q("c", "single_choice", options=CHOICES), q("c", "single_choice", options=FEWER)
    assert only(plan(old=[old], new=[new], answers={"c": AnswerData("a")}), "c").action == CONFIRM


def test_one_removed_choice_among_several_flags_the_answer():
    old, new = q("m", "multi_choice", options=CHOICES), q("m", "multi_choice", options=FEWER)
    item = only(plan(old=[old], new=[new], answers={"m": AnswerData(["a", "b"])}), "m")
    assert (item.action, item.reason) == (CHOICE_REMOVED, "No longer an option: b.")


def test_single_choice_carried_to_multi_choice_becomes_a_list():
    old, new = q("c", "single_choice", options=CHOICES), q("c", "multi_choice", options=CHOICES)
    item = only(plan(old=[old], new=[new], answers={"c": AnswerData("b")}), "c")
    assert (item.change, item.action, item.value) == (CHANGED, CONFIRM, ["b"])


def test_carried_value_converts_only_single_to_multi():
    assert carried_value(q("c", "single_choice"), q("c", "multi_choice"), "a") == ["a"]
    assert carried_value(q("c", "single_choice"), q("c", "multi_choice"), None) is None
    assert carried_value(q("c", "short_text"), q("c", "long_text"), "a") == "a"
    assert carried_value(q("c", "multi_choice"), q("c", "multi_choice"), ["a"]) == ["a"]


def test_short_text_to_long_text_is_compatible():
    item = only(plan(old=[q("t")], new=[q("t", "long_text")], answers={"t": AnswerData("x")}), "t")
    assert (item.change, item.action, item.value) == (CHANGED, CONFIRM, "x")


@pytest.mark.parametrize(
    ("old", "new", "compatible"),
    [
        ("short_text", "short_text", True),
        ("short_text", "long_text", True),
        ("long_text", "short_text", False),
        ("single_choice", "multi_choice", True),
        ("multi_choice", "single_choice", False),
        ("yes_no", "number", False),
    ],
)
def test_type_compatibility(old, new, compatible):
    assert is_compatible(old, new) is compatible


def test_incompatible_type_change_archives_the_answer():
    item = only(plan(old=[q("a")], new=[q("a", "number")], answers={"a": AnswerData("x")}), "a")
    assert item == PlanItem("a", "a", RETYPED, ARCHIVE, "The question changed from short_text to number.")


def test_removed_question_with_an_answer_is_archived():
    result = plan(old=[q("a"), q("gone")], new=[q("a")], answers={"gone": AnswerData("x")})
    assert result.items == (
        PlanItem("a", "a", UNCHANGED, EMPTY),
        PlanItem("gone", "", REMOVED, ARCHIVE, "The question is no longer asked."),
    )


def test_removed_question_without_an_answer_archives_nothing():
    result = plan(old=[q("gone")], new=[], answers={"gone": AnswerData("")})
    assert result.items == (PlanItem("gone", "", REMOVED, EMPTY, ""),)


def test_new_question_starts_empty():
    result = plan(old=[], new=[q("fresh")], answers={})
    assert result.items == (PlanItem("", "fresh", NEW, EMPTY),)
    assert result.counts["new"] == 1


def test_same_fact_under_another_key_is_a_change_to_confirm():
    old, new = q("old_key", fact="f"), q("new_key", fact="f")
    result = plan(old=[old], new=[new], answers={"old_key": AnswerData("x")})
    assert result.items == (PlanItem("old_key", "new_key", CHANGED, CONFIRM, "", "x"),)


def test_fact_match_needs_a_compatible_type():
    old, new = q("old_key", fact="f"), q("new_key", "number", fact="f")
    assert match([old], [new]) == {}


def test_fact_match_does_not_take_a_question_whose_key_continues():
    kept, fresh = q("a", fact="f"), q("b", fact="f")
    assert match([kept], [q("a", fact="f"), fresh]) == {"a": kept}


def test_fact_match_takes_each_old_question_once():
    old = q("x", fact="f")
    assert match([old], [q("y", fact="f"), q("z", fact="f")]) == {"y": old}


def test_fact_match_prefers_the_first_old_question_with_the_fact():
    first, second = q("x1", fact="f"), q("x2", fact="f")
    assert match([first, second], [q("y", fact="f")]) == {"y": first}


def test_question_without_fact_is_not_matched_by_fact():
    assert match([q("x")], [q("y")]) == {}


def test_not_applicable_is_kept_when_still_allowed():
    old, new = q("a", allows_na=True), q("a", prompt="New?", allows_na=True)
    item = only(plan(old=[old], new=[new], answers={"a": AnswerData(None, True)}), "a")
    assert (item.action, item.value) == (CONFIRM, None)


def test_not_applicable_no_longer_allowed_is_archived():
    old, new = q("a", allows_na=True), q("a")
    item = only(plan(old=[old], new=[new], answers={"a": AnswerData(None, True)}), "a")
    assert (item.action, item.reason) == (ARCHIVE, "Not applicable is no longer allowed.")


def test_evidence_files_count_as_an_answer():
    old, new = q("f", "file"), q("f", "file", prompt="Attach the new policy")
    assert only(plan(old=[old], new=[old], answers={"f": AnswerData(files=1)}), "f").action == KEEP
    assert only(plan(old=[old], new=[new], answers={"f": AnswerData(files=2)}), "f").action == CONFIRM
    assert only(plan(old=[old], new=[new], answers={"f": AnswerData()}), "f").action == EMPTY


@pytest.mark.parametrize(
    ("answer", "given"),
    [
        (AnswerData(), False),
        (AnswerData(""), False),
        (AnswerData([]), False),
        (AnswerData(0), True),
        (AnswerData("x"), True),
        (AnswerData(None, True), True),
        (AnswerData(None, False, 1), True),
    ],
)
def test_what_counts_as_a_given_answer(answer, given):
    assert answer.is_given is given


def test_unanswered_changed_question_has_nothing_to_carry():
    item = only(plan(old=[q("a")], new=[q("a", prompt="New?")], answers={}), "a")
    assert (item.change, item.action) == (CHANGED, EMPTY)


def test_plan_lists_new_version_order_then_removed_questions():
    result = plan(old=[q("r1"), q("b"), q("r2")], new=[q("b"), q("n")], answers={})
    assert [(i.old_key, i.new_key) for i in result.items] == [("b", "b"), ("", "n"), ("r1", ""), ("r2", "")]


def test_counts_and_filters():
    old = [q("k"), q("c"), q("gone"), q("ch", "single_choice", options=CHOICES)]
    new = [q("k"), q("c", prompt="New?"), q("ch", "single_choice", options=FEWER), q("n")]
    answers = {"k": AnswerData("1"), "c": AnswerData("2"), "gone": AnswerData("3"), "ch": AnswerData("b")}
    result = plan(old=old, new=new, answers=answers)
    assert result.counts == {
        "keep": 1,
        "confirm": 1,
        "archive": 1,
        "choice_removed": 1,
        "empty": 1,
        "new": 1,
    }
    assert [i.old_key for i in result.with_action(ARCHIVE)] == ["gone"]
    assert UpgradePlan(items=()).counts == dict.fromkeys(
        ["keep", "confirm", "archive", "choice_removed", "empty", "new"], 0
    )


def test_labels():
    assert [PlanItem("a", "a", UNCHANGED, action).label for action in (KEEP, CONFIRM, ARCHIVE, EMPTY)] == [
        "Kept",
        "Kept, to confirm",
        "Archived",
        "Starts empty",
    ]


def test_defaults():
    assert QuestionData("k", "yes_no", "P?") == QuestionData("k", "yes_no", "P?", {}, "", False)
    assert AnswerData() == AnswerData(None, False, 0)
    item = PlanItem("a", "a", UNCHANGED, KEEP)
    assert (item.reason, item.value) == ("", None)


def test_missing_options_read_as_none():
    bare = QuestionData("a", "short_text", "P?", options=None)
    assert same_meaning(bare, QuestionData("a", "short_text", "P?", options={}))
    assert same_meaning(QuestionData("a", "short_text", "P?", options={}), bare)


def test_several_removed_choices_are_all_named():
    old = q("m", "multi_choice", options={"choices": [*CHOICES["choices"], {"value": "c", "label": "C"}]})
    new = q("m", "multi_choice", options=FEWER)
    item = only(plan(old=[old], new=[new], answers={"m": AnswerData(["a", "b", "c"])}), "m")
    assert item.reason == "No longer an option: b, c."


def test_choice_question_without_choices_flags_every_answer():
    old, new = q("c", "single_choice", options=CHOICES), q("c", "single_choice", prompt="New?")
    assert only(plan(old=[old], new=[new], answers={"c": AnswerData("a")}), "c").action == CHOICE_REMOVED


def test_malformed_choice_entries_are_ignored():
    options = {"choices": ["a", {"value": "a", "label": "A"}]}
    old, new = q("c", "single_choice", options=CHOICES), q("c", "single_choice", options=options)
    assert only(plan(old=[old], new=[new], answers={"c": AnswerData("a")}), "c").action == CONFIRM


def test_plan_accepts_any_iterables():
    result = plan(old=iter([q("a"), q("gone")]), new=(x for x in [q("a")]), answers={"a": AnswerData("x")})
    assert [i.action for i in result.items] == [KEEP, EMPTY]


def test_fact_match_after_key_matches():
    fact_old = q("x", fact="f")
    assert match([q("a"), fact_old], [q("a"), q("y", fact="f")]) == {"a": q("a"), "y": fact_old}


def test_removed_choice_is_named_whole():
    old = q("c", "single_choice", options={"choices": [{"value": "beta", "label": "Beta"}]})
    new = q("c", "single_choice", options=FEWER)
    item = only(plan(old=[old], new=[new], answers={"c": AnswerData("beta")}), "c")
    assert item.reason == "No longer an option: beta."


def test_not_applicable_kept_for_confirmation_has_no_reason():
    old, new = q("a", allows_na=True), q("a", prompt="New?", allows_na=True)
    assert only(plan(old=[old], new=[new], answers={"a": AnswerData(None, True)}), "a").reason == ""


def test_every_problem_of_a_value_that_no_longer_fits_is_given():
    old = q("t", "table", options={"columns": [{"key": "a", "label": "A"}]})
    new = q("t", "table", options={"columns": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]})
    item = only(plan(old=[old], new=[new], answers={"t": AnswerData([{"a": "1"}, {"a": "2"}])}), "t")
    assert item.action == ARCHIVE
    assert item.reason == (
        "Row 1: fill in every column to save this row (missing: B). "
        "Row 2: fill in every column to save this row (missing: B)."
    )


def test_questions_after_a_new_one_are_planned_too():
    result = plan(old=[q("a")], new=[q("fresh"), q("a")], answers={"a": AnswerData("x")})
    assert [(i.new_key, i.action) for i in result.items] == [("fresh", EMPTY), ("a", KEEP)]
