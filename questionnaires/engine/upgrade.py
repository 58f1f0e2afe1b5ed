"""Moving an evaluation's answers from one version of a template to a newer one: the plan.

Pure functions over plain data (no queries, no imports from other apps). The plan says, for every
question of both versions, what becomes of it and of its answer:

- the question itself (`change`): unchanged (same key, type, prompt, options, fact and not-applicable
  rule), changed (same key, or the same declared fact, with a different wording, options or a
  compatible type), retyped (same key, a type the old answer cannot be read as), removed, or new;
- its answer (`action`): kept as it is, kept for the vendor to confirm, archived (the question was
  removed, its type changed, or the value no longer fits), or archived because a chosen option no
  longer exists (the vendor answers again). Evidence files go where their answer goes.

The layer that stores answers applies the plan in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from questionnaires.engine.answers import clean_value, is_empty

UNCHANGED, CHANGED, RETYPED, REMOVED, NEW = "unchanged", "changed", "retyped", "removed", "new"
KEEP, CONFIRM, ARCHIVE, CHOICE_REMOVED, EMPTY = "keep", "confirm", "archive", "choice_removed", "empty"
ACTIONS = (KEEP, CONFIRM, ARCHIVE, CHOICE_REMOVED, EMPTY)
ACTION_LABELS = {
    KEEP: "Kept",
    CONFIRM: "Kept, to confirm",
    ARCHIVE: "Archived",
    CHOICE_REMOVED: "Choice removed",
    EMPTY: "Starts empty",
}
CHOICE_TYPES = ("single_choice", "multi_choice")
# (old type, new type) pairs whose answers read the same under the new type.
COMPATIBLE_TYPES = frozenset({("short_text", "long_text"), ("single_choice", "multi_choice")})


@dataclass(frozen=True)
class QuestionData:
    """What the plan reads of a question (a plain copy of the stored one)."""

    key: str
    type: str
    prompt: str
    options: Mapping[str, Any] = field(default_factory=dict)
    fact: str = ""
    allows_na: bool = False


@dataclass(frozen=True)
class AnswerData:
    """What the plan reads of an answer: its value, not-applicable flag and evidence file count."""

    value: Any = None
    is_not_applicable: bool = False
    files: int = 0

    @property
    def is_given(self) -> bool:
        return self.is_not_applicable or self.files > 0 or not is_empty(self.value)


@dataclass(frozen=True)
class PlanItem:
    """The fate of one question: `old_key`/`new_key` are '' for a new/removed question."""

    old_key: str
    new_key: str
    change: str
    action: str
    reason: str = ""
    # The value stored under the new question (keep/confirm), in its new type's form.
    value: Any = None

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass(frozen=True)
class UpgradePlan:
    items: tuple[PlanItem, ...]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for item in self.items:
            counts[item.action] += 1
        counts["new"] = sum(1 for item in self.items if item.change == NEW)
        return counts

    def with_action(self, action: str) -> list[PlanItem]:
        return [item for item in self.items if item.action == action]


def _choice_values(options: Mapping[str, Any]) -> list[Any]:
    return [c.get("value") for c in options.get("choices", []) if isinstance(c, Mapping)]


def same_meaning(old: QuestionData, new: QuestionData) -> bool:
    """Whether an answer to `old` is, word for word, an answer to `new`."""
    return (
        old.key == new.key
        and old.type == new.type
        and old.prompt.strip() == new.prompt.strip()
        and dict(old.options or {}) == dict(new.options or {})
        and old.fact == new.fact
        and old.allows_na == new.allows_na
    )


def is_compatible(old_type: str, new_type: str) -> bool:
    return old_type == new_type or (old_type, new_type) in COMPATIBLE_TYPES


def match(old: Iterable[QuestionData], new: Iterable[QuestionData]) -> dict[str, QuestionData]:
    """New question key -> the old question it continues: the same key, else the same declared fact
    (of a compatible type) among the old questions no key claimed."""
    old = list(old)
    new = list(new)
    by_key = {q.key: q for q in old}
    new_keys = {q.key for q in new}
    by_fact: dict[str, QuestionData] = {}
    for question in old:
        if question.fact and question.key not in new_keys:
            by_fact.setdefault(question.fact, question)
    matched: dict[str, QuestionData] = {}
    taken: set[str] = set()
    for question in new:
        if question.key in by_key:
            matched[question.key] = by_key[question.key]
    for question in new:
        if question.key in matched:
            continue
        other = by_fact.get(question.fact)
        if other is not None and other.key not in taken and is_compatible(other.type, question.type):
            matched[question.key] = other
            taken.add(other.key)
    return matched


def carried_value(old: QuestionData, new: QuestionData, value: Any) -> Any:
    """The old answer's value in the new type's form (one option becomes a list of one)."""
    if old.type == "single_choice" and new.type == "multi_choice" and not is_empty(value):
        return [value]
    return value


def _removed_choices(new: QuestionData, value: Any) -> list[Any]:
    if new.type not in CHOICE_TYPES or is_empty(value):
        return []
    allowed = _choice_values(new.options or {})
    chosen = value if isinstance(value, list) else [value]
    return [v for v in chosen if v not in allowed]


def _answer_fate(old: QuestionData, new: QuestionData, answer: AnswerData) -> tuple[str, str, Any]:
    """(action, reason, value) for an answer given to a changed question."""
    if answer.is_not_applicable:
        if not new.allows_na:
            return ARCHIVE, "Not applicable is no longer allowed.", None
        return CONFIRM, "", None
    value = carried_value(old, new, answer.value)
    gone = _removed_choices(new, value)
    if gone:
        return CHOICE_REMOVED, "No longer an option: " + ", ".join(str(v) for v in gone) + ".", None
    if not is_empty(value):  # a file question's answer is its files: nothing to clean
        try:
            value = clean_value(new, value)
        except ValidationError as exc:
            return ARCHIVE, " ".join(exc.messages), None
    return CONFIRM, "", value


def plan(
    *, old: Iterable[QuestionData], new: Iterable[QuestionData], answers: Mapping[str, AnswerData]
) -> UpgradePlan:
    """The plan, in the new version's order followed by the removed questions in the old order.

    `answers` maps old question keys to the evaluation's answers; a question without a given
    answer (nothing typed, no file, not marked not applicable) has nothing to carry.
    """
    old = list(old)
    new = list(new)
    matched = match(old, new)
    continued = {q.key for q in matched.values()}
    items: list[PlanItem] = []
    for question in new:
        before = matched.get(question.key)
        if before is None:
            items.append(PlanItem("", question.key, NEW, EMPTY))
            continue
        answer = answers.get(before.key, AnswerData())
        if same_meaning(before, question):
            change = UNCHANGED
        elif is_compatible(before.type, question.type):
            change = CHANGED
        else:
            change = RETYPED
        if not answer.is_given:
            items.append(PlanItem(before.key, question.key, change, EMPTY))
        elif change == UNCHANGED:
            items.append(PlanItem(before.key, question.key, change, KEEP, value=answer.value))
        elif change == RETYPED:
            reason = f"The question changed from {before.type} to {question.type}."
            items.append(PlanItem(before.key, question.key, change, ARCHIVE, reason))
        else:
            action, reason, value = _answer_fate(before, question, answer)
            items.append(PlanItem(before.key, question.key, change, action, reason, value))
    for question in old:
        if question.key in continued:
            continue
        given = answers.get(question.key, AnswerData()).is_given
        reason = "The question is no longer asked." if given else ""
        items.append(PlanItem(question.key, "", REMOVED, ARCHIVE if given else EMPTY, reason))
    return UpgradePlan(items=tuple(items))
