"""The inherent-risk intake: a few facts about the intended use that decide how much to ask.

Before a questionnaire goes to a vendor, the buyer describes the use (does it touch PHI, does its
output reach patients, does it act without a clinician, ...). A template's intake declares those
items and the rules that turn the buyer's answers into an *inherent* risk tier, by clinical impact
rather than by data access alone. Sections and questions declare the lowest inherent tier at which
they are asked, so a low-risk use sends a shorter questionnaire than an autonomous, patient-facing
one. The residual tier still comes from scoring the vendor's answers.

Pure: plain dicts in, plain values out; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TIERS = ("low", "moderate", "high", "critical")
TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}
ITEM_TYPES = ("yes_no", "single_choice")
ITEM_KEY_MAX = 60


class IntakeError(ValueError):
    """The buyer's intake answers cannot be used; `errors` maps each item key to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class IntakeResult:
    """The inherent tier and the reasons that set it (the rules that matched, in template order)."""

    tier: str
    reasons: tuple[str, ...] = field(default_factory=tuple)


def in_scope(asked_from: str, inherent_tier: str) -> bool:
    """Whether a part asked from tier `asked_from` is asked when the use is `inherent_tier`.

    Without an inherent tier (no intake, or not answered yet) everything is asked: the full
    questionnaire is never less safe than a shortened one.
    """
    if not inherent_tier or not asked_from:
        return True
    return TIER_RANK[inherent_tier] >= TIER_RANK[asked_from]


def _item_values(item: Mapping[str, Any]) -> list[Any]:
    if item.get("type") == "yes_no":
        return [True, False]
    return [choice.get("value") for choice in item.get("choices") or [] if isinstance(choice, Mapping)]


def validate_intake(spec: Any) -> list[str]:
    """Every problem of an intake declaration, each as 'path: message'. Empty: usable."""
    if spec is None:
        return []
    if not isinstance(spec, Mapping):
        return ["intake: must be an object with items and rules."]
    errors: list[str] = []
    items = spec.get("items")
    if not isinstance(items, list) or not items:
        return ["intake.items: list at least one item."]
    known: dict[str, list[Any]] = {}
    for i, item in enumerate(items):
        path = f"intake.items[{i}]"
        if not isinstance(item, Mapping):
            errors.append(f"{path}: must be an object.")
            continue
        key = item.get("key")
        if not isinstance(key, str) or not key or len(key) > ITEM_KEY_MAX:
            errors.append(f"{path}.key: give a key of 1 to {ITEM_KEY_MAX} characters.")
            continue
        if key in known:
            errors.append(f"{path}.key: the item key {key!r} is used twice.")
        if not isinstance(item.get("prompt"), str) or not item["prompt"].strip():
            errors.append(f"{path}.prompt: write the question the buyer answers.")
        if item.get("type") not in ITEM_TYPES:
            errors.append(f"{path}.type: must be one of {', '.join(ITEM_TYPES)}.")
        elif item["type"] == "single_choice" and len(_item_values(item)) < 2:
            errors.append(f"{path}.choices: a single-choice item needs at least two choices.")
        known[key] = _item_values(item)
    rules = spec.get("rules")
    if not isinstance(rules, list):
        return [*errors, "intake.rules: must be a list (it may be empty)."]
    for i, rule in enumerate(rules):
        path = f"intake.rules[{i}]"
        if not isinstance(rule, Mapping):
            errors.append(f"{path}: must be an object.")
            continue
        if rule.get("tier") not in TIERS:
            errors.append(f"{path}.tier: must be one of {', '.join(TIERS)}.")
        if not isinstance(rule.get("reason"), str) or not rule["reason"].strip():
            errors.append(f"{path}.reason: say in words why this raises the tier.")
        when = rule.get("when")
        if not isinstance(when, list) or not when:
            errors.append(f"{path}.when: list at least one condition.")
            continue
        for j, condition in enumerate(when):
            cpath = f"{path}.when[{j}]"
            item_key = condition.get("item") if isinstance(condition, Mapping) else None
            if item_key not in known:
                errors.append(f"{cpath}.item: no intake item has the key {item_key!r}.")
            elif condition.get("equals") not in known[item_key]:
                errors.append(f"{cpath}.equals: not one of the values of {item_key!r}.")
    return errors


def clean_intake_answers(spec: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The buyer's answers, one per item, checked against the item's values.

    yes/no items accept booleans and the strings "yes"/"no"/"true"/"false" (forms post strings).
    Raises IntakeError naming every item that is missing or not one of its values.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in spec.get("items", []):
        key = item["key"]
        value = raw.get(key)
        if item["type"] == "yes_no" and isinstance(value, str):
            value = {"yes": True, "true": True, "no": False, "false": False}.get(value.strip().lower(), value)
        if value is None or value == "":
            errors[key] = "Answer this question."
        elif value not in _item_values(item) or (item["type"] == "yes_no" and not isinstance(value, bool)):
            errors[key] = "Choose one of the offered answers."
        else:
            clean[key] = value
    unknown = sorted(set(raw) - {item["key"] for item in spec.get("items", [])})
    for key in unknown:
        errors[key] = "This is not an item of the intake."
    if errors:
        raise IntakeError(errors)
    return clean


def inherent_tier(spec: Mapping[str, Any], answers: Mapping[str, Any]) -> IntakeResult:
    """The highest tier among the rules whose conditions all hold; low when none does."""
    tier = TIERS[0]
    reasons: list[str] = []
    for rule in spec.get("rules", []):
        if all(answers.get(c["item"]) == c["equals"] for c in rule["when"]):
            reasons.append(rule["reason"])
            if TIER_RANK[rule["tier"]] > TIER_RANK[tier]:
                tier = rule["tier"]
    return IntakeResult(tier=tier, reasons=tuple(reasons))
