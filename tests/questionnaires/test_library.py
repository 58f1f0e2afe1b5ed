"""Content checks for the shipped questionnaire library (fixtures/templates/*.json).

The scoring engine's consistency checks and knock-outs refer to question keys and choice values of the
main template, so these tests pin them down; the rest checks every file against the shapes in
questionnaires/engine/rules.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from questionnaires.engine.rules import (
    QUESTION_TYPES,
    STANDINGS,
    QuestionRef,
    validate_condition_graph,
    validate_options,
    validate_references,
    validate_scoring,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
TEMPLATE_FILES = sorted(TEMPLATES_DIR.glob("*.json"))
MAIN_SLUG = "clinical-ai-vendor-due-diligence"

TOP_KEYS = ["format", "slug", "name", "version", "description", "risk_thresholds", "sections"]
SECTION_KEYS = ["key", "title", "description", "weight", "questions"]
QUESTION_KEYS = [
    "key",
    "prompt",
    "help_text",
    "guidance",
    "type",
    "required",
    "allows_na",
    "weight",
    "options",
    "condition",
    "references",
    "requires_evidence",
    "evidence_hint",
    "scoring",
]

MAIN_SECTIONS = [
    "Product and intended use",
    "Training data provenance",
    "HIPAA de-identification",
    "Business Associate Agreement",
    "FDA regulatory status",
    "Bias and performance testing",
    "Change control and monitoring",
    "ONC HTI-1 source attributes",
    "Security and privacy controls",
]

# The brief's table of keys that scoring relies on: type and, for choice questions, the exact values.
CONTRACT: dict[str, tuple[str, list[str] | None]] = {
    "use.intended_use": ("long_text", None),
    "use.data_modalities": (
        "multi_choice",
        [
            "ehr_structured",
            "clinical_notes",
            "medical_images",
            "physiological_signals",
            "ivd_results",
            "audio",
            "patient_reported",
            "other",
        ],
    ),
    "use.decision_role": ("single_choice", ["informs", "augments", "replaces", "autonomous"]),
    "use.time_critical": ("yes_no", None),
    "use.patient_facing": ("yes_no", None),
    "use.processes_phi": ("yes_no", None),
    "data.sources": ("long_text", None),
    "deid.method_training": (
        "single_choice",
        [
            "safe_harbor",
            "expert_determination",
            "limited_data_set",
            "identified_phi_baa",
            "patient_authorization",
            "no_patient_data",
            "unknown",
        ],
    ),
    "deid.safe_harbor.dates_beyond_year": ("yes_no", None),
    "deid.safe_harbor.full_zip": ("yes_no", None),
    "deid.safe_harbor.ages_over_89": ("yes_no", None),
    "deid.safe_harbor.actual_knowledge": ("yes_no", None),
    "deid.expert.report": ("file", None),
    "deid.customer_data_training": (
        "single_choice",
        ["never", "opt_in_deidentified", "deidentified_by_default", "identifiable"],
    ),
    "baa.will_sign": ("single_choice", ["customer_baa", "vendor_baa", "negotiated", "will_not_sign"]),
    "baa.breach_notice_days": ("number", None),
    "baa.training_permitted": ("yes_no", None),
    "fda.status": (
        "single_choice",
        [
            "cleared_510k",
            "de_novo",
            "pma",
            "exempt",
            "non_device_cds",
            "enforcement_discretion",
            "not_medical_device",
            "under_review",
            "unknown",
        ],
    ),
    "fda.submission_number": ("short_text", None),
    "fda.intended_use_match": ("single_choice", ["same", "narrower", "broader", "not_applicable"]),
    "fda.pccp": ("single_choice", ["authorized", "submitted", "none", "not_applicable"]),
    "bias.subgroup_testing": ("yes_no", None),
    "bias.subgroup_table": ("table", None),
    "bias.external_validation": ("yes_no", None),
    "change.customer_notice_days": ("number", None),
    "security.soc2_type2": ("file", None),
}

SAFE_HARBOR_KEYS = [
    "deid.safe_harbor.dates_beyond_year",
    "deid.safe_harbor.full_zip",
    "deid.safe_harbor.ages_over_89",
    "deid.safe_harbor.actual_knowledge",
]

# (question key, operator, value) of every knock-out the main template must carry.
REQUIRED_KNOCKOUTS = [
    ("baa.will_sign", "equals", "will_not_sign"),
    ("deid.customer_data_training", "equals", "identifiable"),
    ("deid.method_training", "equals", "unknown"),
    ("bias.subgroup_testing", "equals", "no"),
    ("baa.breach_notice_days", "at_least", 61),
    ("deid.safe_harbor.actual_knowledge", "equals", "yes"),
]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def questions_of(template: dict) -> list[dict]:
    return [question for section in template["sections"] for question in section["questions"]]


def by_key(template: dict) -> dict[str, dict]:
    return {question["key"]: question for question in questions_of(template)}


@pytest.fixture(scope="module")
def main_template() -> dict:
    return load(TEMPLATES_DIR / f"{MAIN_SLUG}.json")


def test_the_library_ships_the_three_templates():
    slugs = {load(path)["slug"] for path in TEMPLATE_FILES}
    assert slugs == {MAIN_SLUG, "ai-scribe-screener", "reassessment-after-model-update"}


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_file_is_formatted_utf8_json_named_after_its_slug(path):
    raw = path.read_text(encoding="utf-8")
    template = json.loads(raw)
    assert raw == json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    # A later version ships beside the first as SLUG.vN.json.
    expected = template["slug"] if template["version"] == 1 else f"{template['slug']}.v{template['version']}"
    assert path.stem == expected


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_file_has_every_key_of_the_format_in_order(path):
    template = load(path)
    # Version 1 files were written before templates had an intake and parts an inherent tier.
    later = template["version"] > 1
    assert list(template) == ([*TOP_KEYS[:-1], "intake", "sections"] if later else TOP_KEYS)
    assert template["format"] == "clinical-ai-dd-template/1"
    assert isinstance(template["version"], int)
    assert template["version"] >= 1
    assert template["name"]
    assert template["description"]
    for section in template["sections"]:
        expected_section = [*SECTION_KEYS[:-1], "asked_from", "questions"] if later else SECTION_KEYS
        assert list(section) == expected_section, section.get("key")
        for question in section["questions"]:
            # Version 1 files were written before questions could declare a fact.
            expected = [*QUESTION_KEYS, "asked_from", "fact"] if later else QUESTION_KEYS
            assert list(question) == expected, question.get("key")


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_risk_thresholds_descend(path):
    thresholds = load(path)["risk_thresholds"]
    assert set(thresholds) == {"low", "moderate", "high"}
    assert 100 >= thresholds["low"] > thresholds["moderate"] > thresholds["high"] > 0


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_section_and_question_keys_are_unique(path):
    template = load(path)
    section_keys = [section["key"] for section in template["sections"]]
    question_keys = [question["key"] for question in questions_of(template)]
    assert len(section_keys) == len(set(section_keys))
    assert len(question_keys) == len(set(question_keys))


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_keys_fit_the_database_columns(path):
    template = load(path)
    for section in template["sections"]:
        assert 0 < len(section["key"]) <= 80
        assert section["key"].replace("-", "").replace("_", "").isalnum()
        assert 0 < len(section["title"]) <= 200
        assert section["questions"], f"{section['key']} is empty"
        assert section["weight"] > 0
    for question in questions_of(template):
        prefix, _, name = question["key"].partition(".")
        assert prefix, question["key"]
        assert name, question["key"]
        assert len(question["key"]) <= 100
        assert len(question["evidence_hint"]) <= 300, question["key"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_every_question_is_written_out(path):
    for question in questions_of(load(path)):
        key = question["key"]
        assert question["type"] in QUESTION_TYPES, key
        assert question["prompt"].strip(), key
        assert question["help_text"].strip(), key
        assert question["guidance"].strip(), key
        assert isinstance(question["required"], bool), key
        assert isinstance(question["allows_na"], bool), key
        assert isinstance(question["weight"], int | float), key
        assert question["weight"] > 0, key
        assert question["requires_evidence"] == bool(question["evidence_hint"]), key


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_options_scoring_and_references_are_valid(path):
    errors = []
    for question in questions_of(load(path)):
        key, qtype = question["key"], question["type"]
        errors += [f"{key} options: {e}" for e in validate_options(qtype, question["options"])]
        errors += [
            f"{key} scoring: {e}" for e in validate_scoring(qtype, question["scoring"], question["options"])
        ]
        errors += [f"{key} references: {e}" for e in validate_references(question["references"])]
    assert errors == []


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_conditions_refer_only_to_earlier_questions(path):
    refs = [QuestionRef(q["key"], q["condition"]) for q in questions_of(load(path))]
    assert validate_condition_graph(refs) == []


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_conditions_name_a_value_the_source_question_can_take(path):
    questions = by_key(load(path))
    for question in questions.values():
        condition = question["condition"]
        if not condition:
            continue
        source = questions[condition["question"]]
        if source["type"] == "yes_no":
            assert condition["value"] in ("yes", "no"), question["key"]
        elif source["type"] in ("single_choice", "multi_choice"):
            values = {choice["value"] for choice in source["options"]["choices"]}
            assert condition["value"] in values, question["key"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_references_carry_a_standing_and_a_url_key(path):
    for question in questions_of(load(path)):
        for reference in question["references"]:
            assert list(reference) == ["citation", "url", "standing"], question["key"]
            assert reference["standing"] in STANDINGS
            assert reference["url"] == "" or reference["url"].startswith("https://"), question["key"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_knockouts_are_complete(path):
    for question in questions_of(load(path)):
        critical = (question["scoring"] or {}).get("critical")
        if critical:
            assert critical["cap_tier"] in ("high", "critical"), question["key"]
            assert critical["reason"].strip(), question["key"]
            assert critical["citation"].strip(), question["key"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_evidence_files_with_an_expiry_are_scored_on_it(path):
    for question in questions_of(load(path)):
        if question["type"] == "file" and question["options"].get("has_expiry"):
            assert question["scoring"]["require_unexpired"] is True, question["key"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_hti1_source_attributes_are_never_presented_as_binding_on_the_vendor(path):
    for question in questions_of(load(path)):
        for reference in question["references"]:
            if reference["citation"].startswith("45 CFR 170.315(b)(11)"):
                assert reference["standing"] == "voluntary", question["key"]
            if "HTI-5" in reference["citation"] or "NPRM" in reference["citation"]:
                assert reference["standing"] == "proposed", question["key"]
            if reference["citation"].startswith("FDA,"):
                assert reference["standing"] == "guidance", question["key"]


def test_main_template_has_the_nine_sections_in_order(main_template):
    titles = [section["title"] for section in main_template["sections"]]
    assert titles[: len(MAIN_SECTIONS)] == MAIN_SECTIONS


def test_main_template_has_at_least_80_questions(main_template):
    assert len(questions_of(main_template)) >= 80


def test_main_template_weights_the_high_risk_sections_above_the_product_section(main_template):
    weights = {section["key"]: section["weight"] for section in main_template["sections"]}
    for key in ("hipaa-deid", "baa", "fda", "bias"):
        assert weights[key] > weights["intended-use"]


@pytest.mark.parametrize("key", sorted(CONTRACT))
def test_main_template_keeps_the_keys_scoring_relies_on(main_template, key):
    question = by_key(main_template).get(key)
    assert question is not None, f"{key} is missing"
    qtype, values = CONTRACT[key]
    assert question["type"] == qtype
    if values is not None:
        assert [choice["value"] for choice in question["options"]["choices"]] == values


def test_safe_harbor_details_show_only_for_safe_harbor(main_template):
    questions = by_key(main_template)
    safe_harbor = [key for key in questions if key.startswith("deid.safe_harbor.")]
    assert set(SAFE_HARBOR_KEYS) <= set(safe_harbor)
    for key in safe_harbor:
        assert questions[key]["condition"] == {
            "question": "deid.method_training",
            "operator": "equals",
            "value": "safe_harbor",
        }
    assert questions["deid.expert.report"]["condition"]["value"] == "expert_determination"


def test_safe_harbor_asks_about_each_of_the_18_identifiers(main_template):
    letters = set()
    for question in by_key(main_template).values():
        for reference in question["references"]:
            citation = reference["citation"]
            if question["key"].startswith("deid.safe_harbor.") and "164.514(b)(2)(i)(" in citation:
                letters.add(citation.split("164.514(b)(2)(i)(")[1][0])
    assert letters == set("ABCDEFGHIJKLMNOPQR")


def test_bias_subgroup_table_has_the_agreed_columns(main_template):
    table = by_key(main_template)["bias.subgroup_table"]
    columns = {column["key"]: column["type"] for column in table["options"]["columns"]}
    assert columns == {"subgroup": "text", "n": "number", "metric": "text", "value": "number", "ci95": "text"}


def test_breach_notice_is_counted_in_days(main_template):
    assert by_key(main_template)["baa.breach_notice_days"]["options"]["unit"] == "days"
    assert by_key(main_template)["change.customer_notice_days"]["options"]["unit"] == "days"


def test_soc2_report_carries_an_expiry(main_template):
    assert by_key(main_template)["security.soc2_type2"]["options"] == {"has_expiry": True}


def test_hti1_section_lists_all_31_predictive_attributes(main_template):
    section = next(s for s in main_template["sections"] if s["key"] == "hti1-source-attributes")
    numbers = sorted(
        int(question["key"].split(".p")[1][:2])
        for question in section["questions"]
        if question["key"].startswith("hti.p")
    )
    assert numbers == list(range(1, 32))


@pytest.mark.parametrize(("key", "operator", "value"), REQUIRED_KNOCKOUTS)
def test_main_template_carries_the_required_knockouts(main_template, key, operator, value):
    critical = by_key(main_template)[key]["scoring"]["critical"]
    assert (critical["operator"], critical["value"]) == (operator, value)
