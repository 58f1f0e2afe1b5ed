"""Library version 2: a diligent vendor's complete answers raise no finding and leave no check
unassessable; the same answers with one fact changed raise exactly that check."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

import pytest

from demo.profiles import EARLY_WARN, PROFILES
from tests.demo.test_library_v1_scores import score_demo

V2 = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "templates"
    / "clinical-ai-vendor-due-diligence.v2.json"
)
TODAY = datetime.date(2026, 12, 1)


@pytest.fixture(scope="module")
def v2() -> dict:
    return json.loads(V2.read_text(encoding="utf-8"))


@pytest.fixture
def with_answers(monkeypatch):
    """The EarlyWarn profile with some answers changed, registered under a name of its own."""

    def change(**answers) -> str:
        profile = dataclasses.replace(
            EARLY_WARN, product="EarlyWarn (changed)", answers={**EARLY_WARN.answers, **answers}
        )
        monkeypatch.setitem(PROFILES, profile.product, profile)
        return profile.product

    return change


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def test_a_clean_complete_vendor_raises_no_finding_and_every_check_is_assessable(v2):
    result = score_demo(v2, "EarlyWarn", today=TODAY)
    assert result.findings == []
    assert result.knockouts == []
    assert result.not_assessable == []
    assert result.tier == "low"


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"bias.assessment_model_version": "1.9"}, "evidence_for_other_version"),
        ({"fda.authorized_model_version": "1.9"}, "authorized_version_differs"),
        ({"population.intended_age_min": 12}, "intended_ages_unvalidated"),
        ({"use.care_settings": ["inpatient", "home_remote"]}, "intended_settings_unvalidated"),
        ({"change.pccp_modification_types": ["recalibration", "new_population"]}, "pccp_outside_scope"),
        ({"change.update_cadence": "continuous", "fda.pccp": "none"}, "continuous_updates_without_pccp"),
        ({"bias.input_variables": ["age", "sex", "disability"]}, "protected_inputs_without_subgroups"),
        ({"baa.offshore": "offshore_storage"}, "us_only_but_offshore"),
        ({"baa.breach_notice_terms": "Within ninety (90) days of discovery."}, "breach_notice_over_60_days"),
        ({"baa.subcontractor_baas": "no"}, "subcontractor_phi_without_baa"),
        ({"deid.expert.data_combined_since": "yes"}, "expert_determination_data_added"),
        ({"deid.expert.scope": ["validation_data"]}, "expert_determination_scope_omits_training"),
        ({"deid.expert.data_through": "2026-11-30"}, "expert_determination_outdated"),
        ({"fda.status": "non_device_cds", "use.generative_ai": "yes"}, "cds_generative"),
        ({"fda.status": "pma", "fda.has_authorization": "no"}, "authorized_status_denied"),
    ],
)
def test_one_inconsistent_answer_raises_its_check(v2, with_answers, answers, code):
    result = score_demo(v2, with_answers(**answers), today=TODAY)
    assert code in codes(result)


def test_safe_harbor_identifiers_kept_raise_the_tier_on_version_2(v2, with_answers):
    product = with_answers(
        **{
            "deid.method_training": "safe_harbor",
            "deid.safe_harbor.full_zip": "yes",
            "data.legal_basis": ["deidentified", "limited_data_set"],
        }
    )
    result = score_demo(v2, product, today=TODAY)
    assert {"safe_harbor_full_zip_kept", "safe_harbor_with_lds_basis"} <= codes(result)
    assert ("deid.safe_harbor.full_zip", "high") in {(k.question_key, k.cap_tier) for k in result.knockouts}
    assert result.tier == "high"


def test_a_limited_data_set_without_its_agreement_raises_the_tier_on_version_2(v2, with_answers):
    product = with_answers(**{"deid.method_training": "limited_data_set", "deid.lds.dua_in_place": "no"})
    result = score_demo(v2, product, today=TODAY)
    assert "lds_without_dua" in codes(result)
    assert result.tier == "high"
