"""Library version 2 of Clinical AI Vendor Due Diligence: beside version 1, every fact a check
reads asked once, knock-outs with their standing and worded as what they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from questionnaires.engine.checks import CHECKS, citations_of
from questionnaires.engine.facts import DERIVED_NAMES, FACTS_BY_NAME, LEGACY_NAMES, fact_of

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
SLUG = "clinical-ai-vendor-due-diligence"


def load(name: str) -> dict:
    return json.loads((TEMPLATES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def v1() -> dict:
    return load(f"{SLUG}.json")


@pytest.fixture(scope="module")
def v2() -> dict:
    return load(f"{SLUG}.v2.json")


def questions(template: dict) -> dict[str, dict]:
    return {q["key"]: q for s in template["sections"] for q in s["questions"]}


def test_version_2_ships_beside_version_1_under_the_same_slug(v1, v2):
    assert (v1["slug"], v1["version"]) == (SLUG, 1)
    assert (v2["slug"], v2["version"]) == (SLUG, 2)
    assert [s["key"] for s in v2["sections"]] == [s["key"] for s in v1["sections"]]
    # Version 1 keeps every question; version 2 keeps every key of version 1 and adds the new ones.
    assert set(questions(v1)) < set(questions(v2))
    assert not any("fact" in q for q in questions(v1).values())


def test_every_fact_a_check_reads_is_asked_by_exactly_one_question(v2):
    recorded = [q["fact"] for q in questions(v2).values() if q["fact"]]
    assert len(recorded) == len(set(recorded))
    assert set(recorded) <= set(FACTS_BY_NAME)
    read = {name for check in CHECKS for name in check.reads}
    # Derived facts come from the evidence files and the marked HTI-1 attribute questions.
    assert read - DERIVED_NAMES <= set(recorded)


def test_version_2_declares_every_legacy_fact_it_asks(v2):
    for key, question in questions(v2).items():
        if key in LEGACY_NAMES:
            assert question["fact"] == key


@pytest.mark.parametrize(
    ("key", "fact"),
    [
        ("use.model_version", "model.version.offered"),
        ("population.intended_age_min", "population.intended.age_min"),
        ("population.intended_age_max", "population.intended.age_max"),
        ("use.care_settings", "population.intended.settings"),
        ("population.training", "population.training"),
        ("population.validation", "population.validation"),
        ("population.validated_settings", "population.validated.settings"),
        ("fda.authorized_model_version", "fda.authorized_model_version"),
        ("bias.subgroup_model_version", "evidence.subgroup.model_version"),
        ("bias.assessment_model_version", "evidence.bias.model_version"),
        ("hti.performance_model_version", "evidence.hti1.model_version"),
        ("change.pccp_modification_types", "pccp.modification_types"),
        ("baa.subcontractor_register", "subcontractors.register"),
        ("baa.breach_notice_terms", "baa.breach_notice_period"),
        ("deid.expert.data_through", "deid.expert.data_through"),
        ("deid.lds.dua_in_place", "deid.lds.dua"),
        ("deid.lds.dua_elements", "deid.lds.dua_elements"),
        ("baa.offshore", "residency.storage"),
        ("security.us_only", "residency.us_only_claimed"),
        ("bias.input_variables", "bias.protected_inputs"),
    ],
)
def test_the_structured_questions_record_their_facts(v2, key, fact):
    assert fact_of(key, questions(v2)[key]["fact"]) == fact


def test_the_populations_are_structured_rows_with_ages_in_years(v2):
    for key in ("population.training", "population.validation"):
        columns = {c["key"]: c["type"] for c in questions(v2)[key]["options"]["columns"]}
        assert columns["age_min"] == columns["age_max"] == "number"
        assert {"sex", "settings", "sites", "period"} <= set(columns)
    assert "model_version" in {c["key"] for c in questions(v2)["population.validation"]["options"]["columns"]}


def test_the_register_and_the_pccp_list_use_the_values_the_checks_read(v2):
    register = [c["key"] for c in questions(v2)["baa.subcontractor_register"]["options"]["columns"]]
    assert register == ["name", "service", "phi_access", "location", "agreement", "retention"]
    pccp = {c["value"] for c in questions(v2)["change.pccp_modification_types"]["options"]["choices"]}
    assert {"new_intended_use", "new_population", "new_input_type", "retrain_same_population"} <= pccp
    inputs = {c["value"] for c in questions(v2)["bias.input_variables"]["options"]["choices"]}
    assert {"race", "color", "national_origin", "sex", "age", "disability"} <= inputs


def test_every_knock_out_states_its_standing_or_one_per_part(v2):
    for key, question in questions(v2).items():
        critical = (question["scoring"] or {}).get("critical")
        if not critical:
            continue
        assert "cap" not in critical["reason"].casefold(), key
        parts = citations_of(critical["citation"], critical.get("standing", ""))
        assert parts, key
        assert all(c.standing in ("law", "proposed", "guidance", "voluntary") for c in parts), key


def test_safe_harbor_dates_zip_and_ages_raise_the_tier_like_the_other_identifiers(v1, v2):
    for key in (
        "deid.safe_harbor.dates_beyond_year",
        "deid.safe_harbor.full_zip",
        "deid.safe_harbor.ages_over_89",
    ):
        assert "critical" not in (questions(v1)[key]["scoring"] or {})
        critical = questions(v2)[key]["scoring"]["critical"]
        assert (critical["operator"], critical["value"], critical["cap_tier"]) == ("equals", "yes", "high")
        assert critical["standing"] == "law"


def test_the_subgroup_knock_out_is_the_buyers_policy_citing_what_section_1557_requires(v2):
    critical = questions(v2)["bias.subgroup_testing"]["scoring"]["critical"]
    assert critical["reason"].startswith("Buyer policy: no subgroup performance testing.")
    assert "does not itself require subgroup testing" in critical["reason"]
    assert (critical["citation"], critical["standing"]) == ("45 CFR 92.210(b)-(c)", "law")


def test_version_2_declares_an_intake_that_scopes_a_low_risk_use_to_four_sections(v2):
    from questionnaires.engine.intake import in_scope, inherent_tier, validate_intake

    assert validate_intake(v2["intake"]) == []
    low = {
        "phi": False,
        "patient_facing": False,
        "autonomy": "informs",
        "time_critical": False,
        "images_signals": False,
        "generative": False,
        "in_ehr": False,
        "patients": "under_1000",
    }
    assert inherent_tier(v2["intake"], low).tier == "low"
    asked = [s["key"] for s in v2["sections"] if in_scope(s["asked_from"], "low")]
    assert asked == ["intended-use", "training-data", "bias", "security"]
    assert sum(len(s["questions"]) for s in v2["sections"] if s["key"] in asked) < 255 / 2
    autonomous = {**low, "autonomy": "autonomous", "patient_facing": True}
    assert inherent_tier(v2["intake"], autonomous).tier == "critical"
    assert inherent_tier(v2["intake"], {**low, "phi": True}).tier == "moderate"
    assert all(in_scope(s["asked_from"], "moderate") for s in v2["sections"])
