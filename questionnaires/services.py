"""Building, publishing, versioning and cloning questionnaire templates.

A template is edited only while it is an organization's draft (`Template.ensure_editable`); every
write below checks that first, so published versions and the shipped library never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from questionnaires.engine import facts, rules
from questionnaires.models import Question, Section, Template

TEMPLATE_FIELDS = ("name", "description", "risk_thresholds")
SECTION_FIELDS = ("key", "title", "description", "weight")
QUESTION_FIELDS = (
    "key",
    "prompt",
    "help_text",
    "guidance",
    "type",
    "is_required",
    "allows_na",
    "weight",
    "options",
    "condition",
    "references",
    "requires_evidence",
    "evidence_hint",
    "scoring",
    "fact",
)


# --- helpers -----------------------------------------------------------------------------------


def _lock(template: Template) -> Template:
    """Reloads the template under a row lock, so two editors never interleave a publish and an edit."""
    locked = Template.objects.select_for_update().get(pk=template.pk)
    locked.ensure_editable()
    return locked


def _threshold_errors(thresholds: Any) -> list[str]:
    if not isinstance(thresholds, Mapping):
        return ["risk thresholds must be an object with low, moderate and high."]
    values = {}
    for name in ("low", "moderate", "high"):
        value = thresholds.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or not 0 <= value <= 100:
            return [f"the {name} threshold must be a number from 0 to 100."]
        values[name] = value
    if not values["low"] > values["moderate"] > values["high"]:
        return ["thresholds must fall from low to moderate to high (e.g. 80, 60, 40)."]
    unknown = sorted(set(thresholds) - {"low", "moderate", "high"})
    if unknown:
        return [f"unknown thresholds: {', '.join(unknown)}."]
    return []


def ordered_questions(template: Template) -> list[Question]:
    """All questions in questionnaire order (section order, then question order)."""
    return list(
        Question.objects.filter(template=template)
        .select_related("section")
        .order_by("section__order", "section__id", "order", "id")
    )


def _renumber(items: list) -> None:
    for index, item in enumerate(items):
        if item.order != index:
            item.order = index
            item.save(update_fields=["order"])


def _move(items: list, item, *, direction: str | None, position: int | None) -> None:
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    if position is None:
        if direction not in ("up", "down"):
            raise ValidationError("Move up or down, or give a position.")
        position = index - 1 if direction == "up" else index + 1
    position = max(0, min(len(items) - 1, position))
    items.insert(position, items.pop(index))
    _renumber(items)


def _clean_question_data(*, template: Template, data: dict[str, Any], question: Question | None) -> None:
    """Field errors of a question as a dict (shown next to the form fields). Drafts may still lack
    choices or columns: publishing reports those, so a question can be saved before it is complete."""
    errors: dict[str, list[str]] = {}
    qtype = data["type"]
    if qtype not in rules.QUESTION_TYPES:
        errors.setdefault("type", []).append(f"Unknown question type {qtype!r}.")
    key = data["key"]
    if not key:
        errors.setdefault("key", []).append("A question needs a key.")
    others = Question.objects.filter(template=template, key=key)
    if question is not None:
        others = others.exclude(pk=question.pk)
    if key and others.exists():
        errors.setdefault("key", []).append(f"Another question already uses the key {key!r}.")
    if question is not None and key != question.key:
        dependants = [
            q.key for q in ordered_questions(template) if (q.condition or {}).get("question") == question.key
        ]
        if dependants:
            errors.setdefault("key", []).append(
                f"The conditions of {', '.join(dependants)} refer to this key; change them first."
            )
    options = data.get("options") or {}
    incomplete = (qtype in rules.CHOICE_TYPES and not options.get("choices")) or (
        qtype == "table" and not options.get("columns")
    )
    if not incomplete:
        for message in rules.validate_options(qtype, options):
            errors.setdefault("options", []).append(message)
    for message in rules.validate_scoring(qtype, data.get("scoring"), options):
        errors.setdefault("scoring", []).append(message)
    for message in rules.validate_references(data.get("references") or []):
        errors.setdefault("references", []).append(message)
    fact = data.get("fact") or ""
    errors.setdefault("fact", []).extend(facts.fact_errors(fact))
    recording = Question.objects.filter(template=template, fact=fact).exclude(key=key)
    if question is not None:
        recording = recording.exclude(pk=question.pk)
    other = recording.values_list("key", flat=True).first() if fact else None
    if other:
        errors["fact"].append(f"The question {other!r} already records the fact {fact!r}.")
    condition = data.get("condition")
    if condition:
        messages = rules.validate_condition_shape(condition)
        if not messages:
            earlier = _earlier_keys(template=template, question=question, section=data.get("section"))
            source = condition["question"]
            if source == key:
                messages.append("the condition refers to the question itself.")
            elif source not in earlier:
                messages.append(f"the condition must refer to an earlier question; {source!r} is not one.")
        errors.setdefault("condition", []).extend(messages)
    errors = {field: msgs for field, msgs in errors.items() if msgs}
    if errors:
        raise ValidationError(errors)


def _earlier_keys(*, template: Template, question: Question | None, section: Section | None) -> list[str]:
    """Keys a condition of `question` may refer to: those before it (new questions go last in `section`)."""
    keys = []
    for other in ordered_questions(template):
        if question is not None and other.pk == question.pk:
            return keys
        if question is None and section is not None and other.section.order > section.order:
            return keys
        keys.append(other.key)
    return keys


def earlier_question_keys(question: Question | None = None, *, section: Section | None = None) -> list[str]:
    template = question.template if question is not None else section.template
    return _earlier_keys(template=template, question=question, section=section)


# --- templates ---------------------------------------------------------------------------------


@transaction.atomic
def template_create(
    *,
    organization,
    name: str,
    slug: str,
    description: str = "",
    risk_thresholds: dict | None = None,
) -> Template:
    thresholds = risk_thresholds if risk_thresholds is not None else dict(Template.DEFAULT_RISK_THRESHOLDS)
    errors: dict[str, list[str]] = {}
    if Template.objects.filter(organization=organization, slug=slug).exists():
        errors["slug"] = [f"Your organization already has a template with the slug {slug!r}."]
    if _threshold_errors(thresholds):
        errors["risk_thresholds"] = _threshold_errors(thresholds)
    if errors:
        raise ValidationError(errors)
    return Template.objects.create(
        organization=organization,
        name=name,
        slug=slug,
        description=description,
        version=1,
        status=Template.Status.DRAFT,
        risk_thresholds=thresholds,
    )


@transaction.atomic
def template_update(*, template: Template, **fields: Any) -> Template:
    """Changes a draft's name, description or risk thresholds."""
    template = _lock(template)
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    if "risk_thresholds" in fields and _threshold_errors(fields["risk_thresholds"]):
        raise ValidationError({"risk_thresholds": _threshold_errors(fields["risk_thresholds"])})
    for name, value in fields.items():
        setattr(template, name, value)
    template.save(update_fields=list(fields))
    return template


def template_problems(template: Template) -> list[str]:
    """Everything that stops a template from being published, all at once, in questionnaire order."""
    problems: list[str] = []
    sections = list(template.sections.all())
    questions = ordered_questions(template)
    if not sections:
        problems.append("The template has no sections.")
    by_section: dict[int, list[Question]] = {s.pk: [] for s in sections}
    for question in questions:
        by_section[question.section_id].append(question)
    for section in sections:
        if not by_section[section.pk]:
            problems.append(f"Section {section.title!r} has no questions.")
    problems.extend(_threshold_errors(template.thresholds))
    for question in questions:
        for message in rules.validate_options(question.type, question.options or {}):
            problems.append(f"{question.key}: {message}")
        for message in rules.validate_scoring(question.type, question.scoring, question.options or {}):
            problems.append(f"{question.key}: {message}")
        for message in rules.validate_references(question.references or []):
            problems.append(f"{question.key}: {message}")
    problems.extend(
        rules.validate_condition_graph(rules.QuestionRef(key=q.key, condition=q.condition) for q in questions)
    )
    return problems


@transaction.atomic
def template_publish(*, template: Template) -> Template:
    """Publishes a draft after validating it; raises ValidationError listing every problem."""
    return publish_unchecked(template=_lock(template))


def publish_unchecked(*, template: Template) -> Template:
    """Validates and publishes without the editability check: the library loader's path, since
    library templates (organization None) are otherwise never writable."""
    if template.status != Template.Status.DRAFT:
        raise ValidationError(f"Version {template.version} is not a draft.")
    problems = template_problems(template)
    if problems:
        raise ValidationError(problems)
    template.status = Template.Status.PUBLISHED
    template.published_at = timezone.now()
    template.save(update_fields=["status", "published_at"])
    return template


@transaction.atomic
def template_retire(*, template: Template) -> Template:
    """Withdraws a published version from new evaluations; running evaluations keep using it."""
    template = Template.objects.select_for_update().get(pk=template.pk)
    if template.is_library:
        raise ValidationError("Library templates are read-only; clone one to change it.")
    if template.status != Template.Status.PUBLISHED:
        raise ValidationError("Only a published version can be retired.")
    template.status = Template.Status.RETIRED
    template.retired_at = timezone.now()
    template.save(update_fields=["status", "retired_at"])
    return template


def _copy_content(*, source: Template, target: Template) -> None:
    sections = list(source.sections.all())
    questions = list(source.questions.order_by("order", "id"))
    new_sections: dict[int, Section] = {}
    for section in sections:
        new_sections[section.pk] = Section.objects.create(
            template=target,
            key=section.key,
            title=section.title,
            description=section.description,
            order=section.order,
            weight=section.weight,
        )
    Question.objects.bulk_create(
        [
            Question(
                template=target,
                section=new_sections[q.section_id],
                order=q.order,
                **{name: getattr(q, name) for name in QUESTION_FIELDS},
            )
            for q in questions
        ]
    )


@transaction.atomic
def template_new_version(*, template: Template) -> Template:
    """Copies a published or retired version into a new draft numbered after the latest one."""
    if template.is_library:
        raise ValidationError("Library templates are read-only; clone one to change it.")
    if template.status == Template.Status.DRAFT:
        raise ValidationError("This version is still a draft; edit it directly.")
    family = Template.objects.select_for_update().filter(
        organization=template.organization, slug=template.slug
    )
    draft = family.filter(status=Template.Status.DRAFT).first()
    if draft is not None:
        raise ValidationError(
            f"Version {draft.version} of {template.slug!r} is already a draft; finish or delete it first."
        )
    latest = family.aggregate(latest=Max("version"))["latest"] or 0
    new = Template.objects.create(
        organization=template.organization,
        name=template.name,
        slug=template.slug,
        description=template.description,
        version=latest + 1,
        status=Template.Status.DRAFT,
        risk_thresholds=dict(template.thresholds),
    )
    _copy_content(source=template, target=new)
    return new


@transaction.atomic
def template_clone(*, template: Template, organization, slug: str, name: str) -> Template:
    """A new draft template (version 1) in the organization, copied from a library or own template."""
    if template.organization_id is not None and template.organization_id != organization.pk:
        raise ValidationError("Only library templates and your own can be cloned.")
    if Template.objects.filter(organization=organization, slug=slug).exists():
        raise ValidationError({"slug": [f"Your organization already has a template with the slug {slug!r}."]})
    new = Template.objects.create(
        organization=organization,
        name=name,
        slug=slug,
        description=template.description,
        version=1,
        status=Template.Status.DRAFT,
        risk_thresholds=dict(template.thresholds),
    )
    _copy_content(source=template, target=new)
    return new


@transaction.atomic
def template_delete_draft(*, template: Template) -> None:
    """Discards a draft (never a published version: evaluations may point at it)."""
    template = _lock(template)
    try:
        template.delete()
    except ProtectedError as exc:
        raise ValidationError("Evaluations use this draft, so it cannot be deleted.") from exc


# --- sections ----------------------------------------------------------------------------------


def _section_key_taken(template: Template, key: str, exclude: Section | None = None) -> bool:
    qs = Section.objects.filter(template=template, key=key)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exists()


@transaction.atomic
def section_create(
    *, template: Template, key: str, title: str, description: str = "", weight: Decimal | float = 1
) -> Section:
    template = _lock(template)
    if _section_key_taken(template, key):
        raise ValidationError({"key": [f"Another section already uses the key {key!r}."]})
    last = template.sections.aggregate(last=Max("order"))["last"]
    return Section.objects.create(
        template=template,
        key=key,
        title=title,
        description=description,
        weight=Decimal(str(weight)),
        order=0 if last is None else last + 1,
    )


@transaction.atomic
def section_update(*, section: Section, **fields: Any) -> Section:
    _lock(section.template)
    unknown = set(fields) - set(SECTION_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    if "key" in fields and _section_key_taken(section.template, fields["key"], exclude=section):
        raise ValidationError({"key": [f"Another section already uses the key {fields['key']!r}."]})
    for name, value in fields.items():
        setattr(section, name, Decimal(str(value)) if name == "weight" else value)
    section.save(update_fields=list(fields))
    return section


@transaction.atomic
def section_delete(*, section: Section) -> None:
    """Deletes a section and its questions, unless a question elsewhere depends on one of them."""
    template = _lock(section.template)
    keys = set(section.questions.values_list("key", flat=True))
    dependants = [
        q.key
        for q in ordered_questions(template)
        if q.section_id != section.pk and (q.condition or {}).get("question") in keys
    ]
    if dependants:
        raise ValidationError(
            f"Questions in other sections depend on this section's answers: {', '.join(dependants)}."
        )
    section.delete()
    _renumber(list(template.sections.all()))


@transaction.atomic
def section_move(*, section: Section, direction: str | None = None, position: int | None = None) -> None:
    template = _lock(section.template)
    _move(list(template.sections.all()), section, direction=direction, position=position)


# --- questions ---------------------------------------------------------------------------------


def _question_data(fields: Mapping[str, Any]) -> dict[str, Any]:
    data = {
        "key": (fields.get("key") or "").strip(),
        "prompt": fields.get("prompt", ""),
        "help_text": fields.get("help_text", ""),
        "guidance": fields.get("guidance", ""),
        "type": fields.get("type", ""),
        "is_required": bool(fields.get("is_required", True)),
        "allows_na": bool(fields.get("allows_na", False)),
        "weight": Decimal(str(fields.get("weight", 1))),
        "options": dict(fields.get("options") or {}),
        "condition": fields.get("condition") or None,
        "references": list(fields.get("references") or []),
        "requires_evidence": bool(fields.get("requires_evidence", False)),
        "evidence_hint": fields.get("evidence_hint", ""),
        "scoring": fields.get("scoring"),
        "fact": (fields.get("fact") or "").strip(),
    }
    return data


@transaction.atomic
def question_create(*, section: Section, **fields: Any) -> Question:
    """Adds a question at the end of the section. Fields: those of QUESTION_FIELDS."""
    template = _lock(section.template)
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown question fields: {', '.join(sorted(unknown))}.")
    data = _question_data(fields)
    _clean_question_data(template=template, data={**data, "section": section}, question=None)
    last = section.questions.aggregate(last=Max("order"))["last"]
    return Question.objects.create(
        template=template, section=section, order=0 if last is None else last + 1, **data
    )


@transaction.atomic
def question_update(*, question: Question, **fields: Any) -> Question:
    template = _lock(question.template)
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown question fields: {', '.join(sorted(unknown))}.")
    current = {name: getattr(question, name) for name in QUESTION_FIELDS}
    data = _question_data({**current, **fields})
    _clean_question_data(template=template, data=data, question=question)
    for name, value in data.items():
        setattr(question, name, value)
    question.save(update_fields=list(data))
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    template = _lock(question.template)
    dependants = [
        q.key for q in ordered_questions(template) if (q.condition or {}).get("question") == question.key
    ]
    if dependants:
        raise ValidationError(
            f"The conditions of {', '.join(dependants)} depend on this question; change them first."
        )
    section = question.section
    question.delete()
    _renumber(list(section.questions.all()))


@transaction.atomic
def question_move(*, question: Question, direction: str | None = None, position: int | None = None) -> None:
    """Moves a question within its section. Conditions that would then point forward are reported
    at publish time rather than blocking the move, so a reorder can be done in several steps."""
    _lock(question.template)
    _move(list(question.section.questions.all()), question, direction=direction, position=position)
