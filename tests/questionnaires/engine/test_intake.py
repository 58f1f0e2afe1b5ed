"""The inherent-risk intake: declaration checks, answer cleaning, the tier and the scope rule."""

import copy

import pytest

from questionnaires.engine.intake import (
    IntakeError,
    IntakeResult,
    clean_intake_answers,
    in_scope,
    inherent_tier,
    validate_intake,
)
from tests.factories import CRITICAL_INTAKE, LOW_RISK_INTAKE, SAMPLE_INTAKE


@pytest.mark.parametrize(
    ("asked_from", "tier", "asked"),
    [
        ("", "low", True),
        ("", "critical", True),
        ("moderate", "low", False),
        ("moderate", "moderate", True),
        ("moderate", "high", True),
        ("high", "moderate", False),
        ("high", "high", True),
        ("critical", "high", False),
        ("critical", "critical", True),
        # No intake answered: everything is asked.
        ("critical", "", True),
        ("high", "", True),
    ],
)
def test_in_scope_asks_a_part_from_its_tier_upwards(asked_from, tier, asked):
    assert in_scope(asked_from, tier) is asked


def test_no_rule_matching_is_low_with_no_reason():
    assert inherent_tier(SAMPLE_INTAKE, LOW_RISK_INTAKE) == IntakeResult(tier="low", reasons=())


def test_the_highest_matching_rule_sets_the_tier_and_every_match_is_a_reason():
    assert inherent_tier(SAMPLE_INTAKE, CRITICAL_INTAKE) == IntakeResult(
        tier="critical",
        reasons=(
            "It handles PHI.",
            "It acts without a clinician.",
            "It acts on its own and reaches patients.",
        ),
    )


def test_a_rule_needs_all_its_conditions():
    answers = {**CRITICAL_INTAKE, "patient_facing": False, "phi": False}
    assert inherent_tier(SAMPLE_INTAKE, answers) == IntakeResult(
        tier="high", reasons=("It acts without a clinician.",)
    )


def test_a_lower_rule_after_a_higher_one_does_not_lower_the_tier():
    spec = copy.deepcopy(SAMPLE_INTAKE)
    spec["rules"].reverse()
    assert inherent_tier(spec, CRITICAL_INTAKE).tier == "critical"
    assert inherent_tier(spec, {**LOW_RISK_INTAKE, "phi": True}).tier == "moderate"


def test_clean_accepts_form_strings_for_yes_no():
    raw = {"phi": "yes", "patient_facing": "No", "autonomy": "informs"}
    assert clean_intake_answers(SAMPLE_INTAKE, raw) == {
        "phi": True,
        "patient_facing": False,
        "autonomy": "informs",
    }


def test_clean_names_every_missing_wrong_or_unknown_item():
    with pytest.raises(IntakeError) as caught:
        clean_intake_answers(SAMPLE_INTAKE, {"phi": 1, "autonomy": "sometimes", "colour": "blue"})
    assert caught.value.errors == {
        "phi": "Choose one of the offered answers.",
        "patient_facing": "Answer this question.",
        "autonomy": "Choose one of the offered answers.",
        "colour": "This is not an item of the intake.",
    }


def test_clean_refuses_an_empty_string():
    with pytest.raises(IntakeError) as caught:
        clean_intake_answers(SAMPLE_INTAKE, {**LOW_RISK_INTAKE, "autonomy": ""})
    assert caught.value.errors == {"autonomy": "Answer this question."}


def test_the_sample_declaration_is_valid_and_none_means_no_intake():
    assert validate_intake(SAMPLE_INTAKE) == []
    assert validate_intake(None) == []


def _broken(mutate):
    spec = copy.deepcopy(SAMPLE_INTAKE)
    mutate(spec)
    return validate_intake(spec)


def test_validate_reports_each_problem_with_its_path():
    assert validate_intake([]) == ["intake: must be an object with items and rules."]
    assert validate_intake({"items": [], "rules": []}) == ["intake.items: list at least one item."]
    assert _broken(lambda s: s["items"].append(dict(s["items"][0]))) == [
        "intake.items[3].key: the item key 'phi' is used twice."
    ]
    assert _broken(lambda s: s["items"][0].update(prompt=" ")) == [
        "intake.items[0].prompt: write the question the buyer answers."
    ]
    assert _broken(lambda s: s["items"][0].update(type="number")) == [
        "intake.items[0].type: must be one of yes_no, single_choice.",
        "intake.rules[0].when[0].equals: not one of the values of 'phi'.",
    ]
    assert _broken(lambda s: s["items"][2].update(choices=[{"value": "x", "label": "X"}])) == [
        "intake.items[2].choices: a single-choice item needs at least two choices.",
        "intake.rules[1].when[0].equals: not one of the values of 'autonomy'.",
        "intake.rules[2].when[0].equals: not one of the values of 'autonomy'.",
    ]
    assert _broken(lambda s: s["items"][0].update(key="")) == [
        "intake.items[0].key: give a key of 1 to 60 characters.",
        "intake.rules[0].when[0].item: no intake item has the key 'phi'.",
    ]
    assert _broken(lambda s: s["items"].__setitem__(0, "phi")) == [
        "intake.items[0]: must be an object.",
        "intake.rules[0].when[0].item: no intake item has the key 'phi'.",
    ]


def test_validate_reports_rule_problems():
    assert _broken(lambda s: s.update(rules=None)) == ["intake.rules: must be a list (it may be empty)."]
    assert _broken(lambda s: s["rules"].append("x")) == ["intake.rules[3]: must be an object."]
    assert _broken(lambda s: s["rules"][0].update(tier="severe")) == [
        "intake.rules[0].tier: must be one of low, moderate, high, critical."
    ]
    assert _broken(lambda s: s["rules"][0].update(reason="")) == [
        "intake.rules[0].reason: say in words why this raises the tier."
    ]
    assert _broken(lambda s: s["rules"][0].update(when=[])) == [
        "intake.rules[0].when: list at least one condition."
    ]
    assert _broken(lambda s: s["rules"][0]["when"][0].update(equals="maybe")) == [
        "intake.rules[0].when[0].equals: not one of the values of 'phi'."
    ]
    assert _broken(lambda s: s["rules"][0]["when"][0].update(item="colour")) == [
        "intake.rules[0].when[0].item: no intake item has the key 'colour'."
    ]
    assert _broken(lambda s: s.update(rules=[])) == []


def test_a_long_key_is_refused():
    assert _broken(lambda s: s["items"].append({"key": "k" * 61, "prompt": "P?", "type": "yes_no"})) == [
        "intake.items[3].key: give a key of 1 to 60 characters."
    ]
    assert _broken(lambda s: s["items"].append({"key": "k" * 60, "prompt": "P?", "type": "yes_no"})) == []


def test_the_error_names_each_item_and_its_message():
    with pytest.raises(IntakeError) as caught:
        clean_intake_answers(
            SAMPLE_INTAKE, {"phi": "perhaps", "patient_facing": "true", "autonomy": "informs"}
        )
    assert str(caught.value) == "phi: Choose one of the offered answers."


def test_true_and_false_written_out_read_as_yes_and_no():
    raw = {"phi": " TRUE ", "patient_facing": "false", "autonomy": "autonomous"}
    assert clean_intake_answers(SAMPLE_INTAKE, raw) == {
        "phi": True,
        "patient_facing": False,
        "autonomy": "autonomous",
    }


def test_a_declaration_without_items_or_rules_cleans_nothing_and_is_low():
    assert clean_intake_answers({}, {}) == {}
    assert inherent_tier({}, {"phi": True}) == IntakeResult(tier="low", reasons=())
    with pytest.raises(IntakeError) as caught:
        clean_intake_answers({}, {"phi": True})
    assert caught.value.errors == {"phi": "This is not an item of the intake."}


def test_every_broken_rule_is_reported_not_only_the_first():
    def broken(spec):
        spec["rules"] = ["x", {"tier": "severe", "reason": "R.", "when": [{"item": "phi", "equals": True}]}]

    assert _broken(broken) == [
        "intake.rules[0]: must be an object.",
        "intake.rules[1].tier: must be one of low, moderate, high, critical.",
    ]
