"""Export and import of templates in the `clinical-ai-dd-template/1` JSON format.

The format is described in questionnaires/schema/README.md and checked in two passes: the JSON
Schema (structure and types) and then the rules of questionnaires/engine/rules.py (meaning). Every problem
is reported at once, each prefixed with the path of the offending field.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from jsonschema import Draft202012Validator

from questionnaires import services
from questionnaires.engine import facts, intake, rules
from questionnaires.models import Question, Section, Template

FORMAT = "clinical-ai-dd-template/1"
SCHEMA_PATH = Path(__file__).parent / "schema" / "template.schema.json"


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _number(value: Decimal) -> float | int:
    return float(value)


def _reference(ref: dict) -> dict:
    return {
        "citation": ref.get("citation", ""),
        "url": ref.get("url") or "",
        "standing": ref.get("standing", ""),
    }


def _condition(condition: dict | None) -> dict | None:
    if not condition:
        return None
    return {
        "question": condition.get("question"),
        "operator": condition.get("operator"),
        "value": condition.get("value"),
    }


def template_export(template: Template) -> dict[str, Any]:
    """The template as a dict in the exchange format: every key present, in a fixed order."""
    sections = list(template.sections.all())
    questions: dict[int, list[Question]] = {s.pk: [] for s in sections}
    for question in template.questions.order_by("order", "id"):
        questions[question.section_id].append(question)
    return {
        "format": FORMAT,
        "slug": template.slug,
        "name": template.name,
        "version": template.version,
        "description": template.description,
        "risk_thresholds": {name: template.thresholds[name] for name in ("low", "moderate", "high")},
        "intake": template.intake,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "description": section.description,
                "weight": _number(section.weight),
                "asked_from": section.asked_from,
                "questions": [
                    {
                        "key": q.key,
                        "prompt": q.prompt,
                        "help_text": q.help_text,
                        "guidance": q.guidance,
                        "type": q.type,
                        "required": q.is_required,
                        "allows_na": q.allows_na,
                        "weight": _number(q.weight),
                        "options": q.options or {},
                        "condition": _condition(q.condition),
                        "references": [_reference(r) for r in q.references or []],
                        "requires_evidence": q.requires_evidence,
                        "evidence_hint": q.evidence_hint,
                        "scoring": q.scoring,
                        "asked_from": q.asked_from,
                        "fact": q.fact,
                    }
                    for q in questions[section.pk]
                ],
            }
            for section in sections
        ],
    }


def template_export_json(template: Template) -> str:
    return json.dumps(template_export(template), indent=2, ensure_ascii=False) + "\n"


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _two_decimals(value: Any) -> bool:
    return Decimal(str(value)).as_tuple().exponent >= -2


def validation_errors(data: Any) -> list[str]:
    """Every problem of an import file, each as 'path: message'. Empty list: importable."""
    schema_errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if schema_errors:
        # The semantic pass assumes the structure is right, so structural errors come alone.
        return [f"{_path(e.absolute_path)}: {e.message}" for e in schema_errors]
    errors: list[str] = []
    thresholds = services._threshold_errors(data["risk_thresholds"])
    errors.extend(f"risk_thresholds: {m}" for m in thresholds)
    errors.extend(intake.validate_intake(data.get("intake")))
    section_keys: set[str] = set()
    question_paths: dict[str, str] = {}
    fact_paths: dict[str, str] = {}
    refs: list[rules.QuestionRef] = []
    for i, section in enumerate(data["sections"]):
        spath = f"sections[{i}]"
        if section["key"] in section_keys:
            errors.append(f"{spath}.key: the section key {section['key']!r} is used twice.")
        section_keys.add(section["key"])
        if not _two_decimals(section["weight"]):
            errors.append(f"{spath}.weight: at most two decimal places.")
        for j, question in enumerate(section["questions"]):
            qpath = f"{spath}.questions[{j}]"
            key, qtype, options = question["key"], question["type"], question["options"]
            if key in question_paths:
                errors.append(
                    f"{qpath}.key: the question key {key!r} is already used at {question_paths[key]}."
                )
            else:
                question_paths[key] = qpath
            if not _two_decimals(question["weight"]):
                errors.append(f"{qpath}.weight: at most two decimal places.")
            errors.extend(f"{qpath}.options: {m}" for m in _options_errors(qtype, options))
            errors.extend(
                f"{qpath}.scoring{_scoring_field(m)}: {m}"
                for m in rules.validate_scoring(qtype, question["scoring"], options)
            )
            errors.extend(
                f"{qpath}.references: {m}" for m in rules.validate_references(question["references"])
            )
            refs.append(rules.QuestionRef(key=key, condition=question["condition"]))
            fact = question.get("fact", "")
            errors.extend(f"{qpath}.fact: {m}" for m in facts.fact_errors(fact))
            if fact and fact in fact_paths:
                errors.append(f"{qpath}.fact: the fact {fact!r} is already recorded at {fact_paths[fact]}.")
            elif fact:
                fact_paths[fact] = qpath
    for message in rules.validate_condition_graph(refs):
        key, _, detail = message.partition(": ")
        errors.append(f"{question_paths.get(key, key)}.condition: {detail}")
    return errors


def _options_errors(qtype: str, options: dict) -> list[str]:
    # A draft may still lack choices or columns; publishing reports that, importing a draft does not.
    if (qtype in rules.CHOICE_TYPES and not options.get("choices")) or (
        qtype == "table" and not options.get("columns")
    ):
        return []
    return rules.validate_options(qtype, options)


def _scoring_field(message: str) -> str:
    """Points at the part of a scoring rule a message is about, where the message says so."""
    if message.startswith(("every band", "band ")):
        return ".bands"
    for field in (
        "points",
        "bands",
        "expected",
        "min_length",
        "max_age_days",
        "min_rows",
        "mode",
        "critical",
    ):
        if message.startswith(field) or f" {field}" in message:
            return f".{field}"
    if "knock-out" in message or "cap_tier" in message:
        return ".critical"
    return ""


@transaction.atomic
def template_import(*, data: Any, organization, publish: bool = False) -> Template:
    """Creates a template from exchange-format data: a draft of the organization (None: the library),
    published straight away when `publish`. All or nothing; ValidationError lists every problem."""
    errors = validation_errors(data)
    if errors:
        raise ValidationError(errors)
    if Template.objects.filter(
        organization=organization, slug=data["slug"], version=data["version"]
    ).exists():
        owner = "the library" if organization is None else "your organization"
        raise ValidationError(
            [
                f"version: {owner} already has version {data['version']} of {data['slug']!r}; "
                "change the version or the slug in the file."
            ]
        )
    template = Template.objects.create(
        organization=organization,
        name=data["name"],
        slug=data["slug"],
        description=data["description"],
        version=data["version"],
        status=Template.Status.DRAFT,
        risk_thresholds=dict(data["risk_thresholds"]),
        intake=data.get("intake"),
    )
    questions = []
    for s_order, section_data in enumerate(data["sections"]):
        section = Section.objects.create(
            template=template,
            key=section_data["key"],
            title=section_data["title"],
            description=section_data["description"],
            weight=Decimal(str(section_data["weight"])),
            order=s_order,
            asked_from=section_data.get("asked_from", ""),
        )
        for q_order, q in enumerate(section_data["questions"]):
            questions.append(
                Question(
                    template=template,
                    section=section,
                    order=q_order,
                    key=q["key"],
                    prompt=q["prompt"],
                    help_text=q["help_text"],
                    guidance=q["guidance"],
                    type=q["type"],
                    is_required=q["required"],
                    allows_na=q["allows_na"],
                    weight=Decimal(str(q["weight"])),
                    options=q["options"],
                    condition=_condition(q["condition"]),
                    references=[_reference(r) for r in q["references"]],
                    requires_evidence=q["requires_evidence"],
                    evidence_hint=q["evidence_hint"],
                    scoring=q["scoring"],
                    asked_from=q.get("asked_from", ""),
                    fact=q.get("fact", ""),
                )
            )
    Question.objects.bulk_create(questions)
    if publish:
        services.publish_unchecked(template=template)
    return template


def parse_json(raw: bytes | str) -> Any:
    """Decodes an uploaded file; a decoding problem is a ValidationError like any other."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError([f"(file): not valid JSON ({exc})."]) from exc
