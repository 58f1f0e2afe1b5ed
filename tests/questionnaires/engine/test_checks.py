"""Each consistency check fires on its contradiction and stays quiet on the consistent answer."""

from __future__ import annotations

import pytest

from questionnaires.engine.checks import CHECKS, run_checks
from tests.questionnaires.engine.test_document_checks import DOCUMENT_CASES
from tests.questionnaires.engine.test_fact_checks import FACT_CASES

# code -> (answers that fire it, the same with one answer changed so that it does not fire, files)
CASES = {
    "safe_harbor_dates_kept": (
        {"deid.method_training": "safe_harbor", "deid.safe_harbor.dates_beyond_year": "yes"},
        {"deid.safe_harbor.dates_beyond_year": "no"},
    ),
    "safe_harbor_full_zip_kept": (
        {"deid.method_training": "safe_harbor", "deid.safe_harbor.full_zip": "yes"},
        {"deid.safe_harbor.full_zip": "no"},
    ),
    "safe_harbor_ages_over_89_kept": (
        {"deid.method_training": "safe_harbor", "deid.safe_harbor.ages_over_89": "yes"},
        {"deid.safe_harbor.ages_over_89": "no"},
    ),
    "safe_harbor_actual_knowledge": (
        {"deid.method_training": "safe_harbor", "deid.safe_harbor.actual_knowledge": "yes"},
        {"deid.safe_harbor.actual_knowledge": "no"},
    ),
    "expert_determination_without_report": (
        {"deid.method_training": "expert_determination", "deid.expert.report": None},
        {"deid.method_training": "safe_harbor"},
    ),
    "deidentified_claim_but_identifiable_customer_data": (
        {"deid.method_training": "expert_determination", "deid.customer_data_training": "identifiable"},
        {"deid.customer_data_training": "opt_in_deidentified"},
    ),
    "no_patient_data_but_customer_phi_trains": (
        {
            "deid.method_training": "no_patient_data",
            "use.processes_phi": "yes",
            "deid.customer_data_training": "deidentified_by_default",
        },
        {"deid.customer_data_training": "never"},
    ),
    "identifiable_training_but_no_phi": (
        {"use.processes_phi": "no", "deid.customer_data_training": "identifiable"},
        {"use.processes_phi": "yes"},
    ),
    "training_not_permitted_by_baa": (
        {"deid.customer_data_training": "opt_in_deidentified", "baa.training_permitted": "no"},
        {"baa.training_permitted": "yes"},
    ),
    "phi_without_baa": (
        {"use.processes_phi": "yes", "baa.will_sign": "will_not_sign"},
        {"baa.will_sign": "negotiated"},
    ),
    "breach_notice_over_60_days": ({"baa.breach_notice_days": 90}, {"baa.breach_notice_days": 60}),
    "cds_analyzes_images_or_signals": (
        {"fda.status": "non_device_cds", "use.data_modalities": ["ehr_structured", "medical_images"]},
        {"use.data_modalities": ["ehr_structured", "clinical_notes"]},
    ),
    "cds_patient_facing": (
        {"fda.status": "non_device_cds", "use.patient_facing": "yes"},
        {"use.patient_facing": "no"},
    ),
    "cds_time_critical": (
        {"fda.status": "non_device_cds", "use.time_critical": "yes"},
        {"use.time_critical": "no"},
    ),
    "cds_not_independently_reviewable": (
        {"fda.status": "non_device_cds", "use.decision_role": "autonomous"},
        {"use.decision_role": "informs"},
    ),
    "device_function_without_device_status": (
        {"fda.status": "unknown", "use.data_modalities": ["physiological_signals"]},
        {"fda.status": "cleared_510k"},
    ),
    "autonomous_but_not_device": (
        {"fda.status": "not_medical_device", "use.decision_role": "replaces"},
        {"use.decision_role": "augments"},
    ),
    "pccp_without_authorization": (
        {"fda.pccp": "authorized", "fda.status": "under_review"},
        {"fda.status": "de_novo"},
    ),
    "authorized_use_narrower": (
        {"fda.intended_use_match": "narrower", "use.intended_use": "Sepsis prediction in all adults"},
        {"fda.intended_use_match": "same"},
    ),
    "submission_number_format": (
        {"fda.status": "cleared_510k", "fda.submission_number": "DEN200001"},
        {"fda.submission_number": "k201234"},
    ),
    "authorization_without_number": (
        {"fda.status": "pma", "fda.submission_number": ""},
        {"fda.submission_number": "P200012"},
    ),
    "bias_testing_table_empty": (
        {"bias.subgroup_testing": "yes", "bias.subgroup_table": []},
        {
            "bias.subgroup_table": [
                {"subgroup": "Female", "n": 10, "metric": "AUROC", "value": 0.8, "ci95": "x"}
            ]
        },
    ),
    "bias_testing_table_incomplete": (
        {
            "bias.subgroup_testing": "yes",
            "bias.subgroup_table": [
                {"subgroup": "Female", "n": 10, "metric": "AUROC", "value": None, "ci95": ""}
            ],
        },
        {
            "bias.subgroup_table": [
                {"subgroup": "Female", "n": 10, "metric": "AUROC", "value": 0.8, "ci95": "x"}
            ]
        },
    ),
    "bias_table_without_testing": (
        {"bias.subgroup_testing": "no", "bias.subgroup_table": [{"subgroup": "Male"}]},
        {"bias.subgroup_table": []},
    ),
}


def codes(answers, files=None):
    return {f.code for f in run_checks(facts=answers, files=files or {})}


def test_every_check_has_a_case_a_citation_and_its_keys():
    assert set(CASES) | set(FACT_CASES) | set(DOCUMENT_CASES) == {c.code for c in CHECKS}
    assert not set(CASES) & set(FACT_CASES)
    for check in CHECKS:
        assert check.citations
        assert check.reads
        assert check.explanation
        assert check.ask


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_fires_on_the_contradiction(code):
    firing, _ = CASES[code]
    assert code in codes(firing)
    finding = next(f for f in run_checks(facts=firing) if f.code == code)
    assert set(finding.question_keys) <= set(firing)


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_stays_quiet_on_consistent_answers(code):
    firing, fix = CASES[code]
    assert code not in codes({**firing, **fix})


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_does_not_fire_when_one_of_its_questions_is_absent_or_hidden(code):
    firing, _ = CASES[code]
    check = next(c for c in CHECKS if c.code == code)
    for key in [k for k in check.reads if k in firing]:
        assert code not in codes({k: v for k, v in firing.items() if k != key})


def test_expert_report_attached_silences_the_missing_report_check():
    answers = {"deid.method_training": "expert_determination", "deid.expert.report": None}
    assert "expert_determination_without_report" not in codes(answers, files={"deid.expert.report": 1})


def test_submitted_pccp_is_fine_while_the_marketing_submission_is_under_review():
    assert "pccp_without_authorization" not in codes({"fda.pccp": "submitted", "fda.status": "under_review"})
    assert "pccp_without_authorization" in codes({"fda.pccp": "submitted", "fda.status": "exempt"})


def test_device_function_without_status_caps_the_tier():
    finding = run_checks(facts=CASES["device_function_without_device_status"][0])[0]
    assert finding.cap_tier == "high"
