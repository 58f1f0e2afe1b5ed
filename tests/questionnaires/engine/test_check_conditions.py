"""Each consistency check against the answers that trigger it and the closest answers that do not.

test_checks.py pins one contradiction per check; here every alternative a check accepts (each
status, each training use, each device input) and every near miss is tried on its own.
"""

from __future__ import annotations

import pytest

from questionnaires.engine.checks import CHECKS, CheckFinding, Citation, run_checks
from tests.questionnaires.engine.test_document_checks import DOCUMENT_CASES
from tests.questionnaires.engine.test_fact_checks import FACT_CASES

SH = "deid.method_training"
FULL_ROW = {"subgroup": "Female", "n": 0, "metric": "AUROC", "value": 0.8, "ci95": "0.7-0.9"}

# (code, answers, files, fires)
CASES = [
    # Safe Harbor claims: each kept identifier, only under Safe Harbor, only when answered yes.
    *[
        case
        for key, code in [
            ("deid.safe_harbor.dates_beyond_year", "safe_harbor_dates_kept"),
            ("deid.safe_harbor.full_zip", "safe_harbor_full_zip_kept"),
            ("deid.safe_harbor.ages_over_89", "safe_harbor_ages_over_89_kept"),
            ("deid.safe_harbor.actual_knowledge", "safe_harbor_actual_knowledge"),
        ]
        for case in [
            (code, {SH: "safe_harbor", key: "yes"}, {}, True),
            (code, {SH: "safe_harbor", key: "no"}, {}, False),
            (code, {SH: "expert_determination", key: "yes"}, {}, False),
            (code, {SH: "safe_harbor", key: None}, {}, False),
        ]
    ],
    (
        "expert_determination_without_report",
        {SH: "expert_determination", "deid.expert.report": None},
        {},
        True,
    ),
    (
        "expert_determination_without_report",
        {SH: "expert_determination", "deid.expert.report": None},
        {"deid.expert.report": 0},
        True,
    ),
    (
        "expert_determination_without_report",
        {SH: "expert_determination", "deid.expert.report": None},
        {"deid.expert.report": 2},
        False,
    ),
    ("expert_determination_without_report", {SH: "safe_harbor", "deid.expert.report": None}, {}, False),
    *[
        (
            "deidentified_claim_but_identifiable_customer_data",
            {SH: m, "deid.customer_data_training": t},
            {},
            fires,
        )
        for m, t, fires in [
            ("safe_harbor", "identifiable", True),
            ("expert_determination", "identifiable", True),
            ("no_patient_data", "identifiable", False),
            ("safe_harbor", "deidentified_by_default", False),
        ]
    ],
    *[
        (
            "no_patient_data_but_customer_phi_trains",
            {SH: m, "use.processes_phi": phi, "deid.customer_data_training": t},
            {},
            fires,
        )
        for m, phi, t, fires in [
            ("no_patient_data", "yes", "opt_in_deidentified", True),
            ("no_patient_data", "yes", "deidentified_by_default", True),
            ("no_patient_data", "yes", "identifiable", True),
            ("no_patient_data", "yes", "never", False),
            ("no_patient_data", "no", "identifiable", False),
            ("safe_harbor", "yes", "identifiable", False),
        ]
    ],
    *[
        (
            "identifiable_training_but_no_phi",
            {"use.processes_phi": phi, "deid.customer_data_training": t},
            {},
            fires,
        )
        for phi, t, fires in [
            ("no", "identifiable", True),
            ("yes", "identifiable", False),
            ("no", "opt_in_deidentified", False),
        ]
    ],
    *[
        (
            "training_not_permitted_by_baa",
            {"deid.customer_data_training": t, "baa.training_permitted": p},
            {},
            fires,
        )
        for t, p, fires in [
            ("opt_in_deidentified", "no", True),
            ("deidentified_by_default", "no", True),
            ("identifiable", "no", True),
            ("never", "no", False),
            ("identifiable", "yes", False),
        ]
    ],
    *[
        ("phi_without_baa", {"use.processes_phi": phi, "baa.will_sign": s}, {}, fires)
        for phi, s, fires in [
            ("yes", "will_not_sign", True),
            ("no", "will_not_sign", False),
            ("yes", "will_sign", False),
        ]
    ],
    *[
        ("breach_notice_over_60_days", {"baa.breach_notice_days": days}, {}, fires)
        for days, fires in [
            (61, True),
            (60.5, True),
            ("90", True),
            (60, False),
            (0, False),
            (None, False),
            ("two months", False),
            (True, False),
        ]
    ],
    *[
        ("cds_analyzes_images_or_signals", {"fda.status": s, "use.data_modalities": m}, {}, fires)
        for s, m, fires in [
            ("non_device_cds", ["medical_images"], True),
            ("non_device_cds", ["ehr_structured", "physiological_signals"], True),
            ("non_device_cds", ["ivd_results"], True),
            ("non_device_cds", ["ehr_structured", "clinical_notes"], False),
            ("non_device_cds", "medical_images", False),
            ("cleared_510k", ["medical_images"], False),
        ]
    ],
    *[
        (code, {"fda.status": s, key: v}, {}, fires)
        for code, key in [
            ("cds_patient_facing", "use.patient_facing"),
            ("cds_time_critical", "use.time_critical"),
        ]
        for s, v, fires in [
            ("non_device_cds", "yes", True),
            ("non_device_cds", "no", False),
            ("pma", "yes", False),
        ]
    ],
    *[
        ("cds_not_independently_reviewable", {"fda.status": s, "use.decision_role": r}, {}, fires)
        for s, r, fires in [
            ("non_device_cds", "replaces", True),
            ("non_device_cds", "autonomous", True),
            ("non_device_cds", "informs", False),
            ("not_medical_device", "autonomous", False),
        ]
    ],
    *[
        ("device_function_without_device_status", {"fda.status": s, "use.data_modalities": m}, {}, fires)
        for s, m, fires in [
            ("not_medical_device", ["medical_images"], True),
            ("unknown", ["ivd_results"], True),
            ("unknown", ["clinical_notes"], False),
            ("non_device_cds", ["medical_images"], False),
        ]
    ],
    *[
        ("autonomous_but_not_device", {"fda.status": s, "use.decision_role": r}, {}, fires)
        for s, r, fires in [
            ("not_medical_device", "replaces", True),
            ("not_medical_device", "autonomous", True),
            ("not_medical_device", "informs", False),
            ("unknown", "autonomous", False),
        ]
    ],
    *[
        ("pccp_without_authorization", {"fda.pccp": p, "fda.status": s}, {}, fires)
        for p, s, fires in [
            ("authorized", "exempt", True),
            ("authorized", "under_review", True),
            ("authorized", "cleared_510k", False),
            ("authorized", "de_novo", False),
            ("authorized", "pma", False),
            ("submitted", "not_medical_device", True),
            ("submitted", "under_review", False),
            ("submitted", "cleared_510k", False),
            ("submitted", "de_novo", False),
            ("submitted", "pma", False),
            ("none", "exempt", False),
        ]
    ],
    *[
        ("authorized_use_narrower", {"fda.intended_use_match": m, "use.intended_use": "Sepsis"}, {}, fires)
        for m, fires in [("narrower", True), ("same", False), ("broader", False)]
    ],
    *[
        ("submission_number_format", {"fda.status": s, "fda.submission_number": n}, {}, fires)
        for s, n, fires in [
            ("cleared_510k", "K201234", False),
            ("cleared_510k", " k201234 ", False),
            ("cleared_510k", "K20123", True),
            ("cleared_510k", "K2012345", True),
            ("cleared_510k", "XK201234", True),
            ("cleared_510k", "DEN201234", True),
            ("de_novo", "DEN201234", False),
            ("de_novo", "den201234", False),
            ("de_novo", "K201234", True),
            ("pma", "P201234", False),
            ("pma", "P201234/S001", False),
            ("pma", "P201234/S01", True),
            ("pma", "K201234", True),
            ("cleared_510k", "   ", False),
            ("cleared_510k", 201234, False),
            ("exempt", "K20", False),
            ("under_review", "K20", False),
        ]
    ],
    *[
        ("authorization_without_number", {"fda.status": s, "fda.submission_number": n}, {}, fires)
        for s, n, fires in [
            ("cleared_510k", None, True),
            ("de_novo", "  ", True),
            ("pma", "", True),
            ("pma", "P201234", False),
            ("cleared_510k", 201234, False),
            ("exempt", None, False),
        ]
    ],
    *[
        ("bias_testing_table_empty", {"bias.subgroup_testing": t, "bias.subgroup_table": rows}, {}, fires)
        for t, rows, fires in [
            ("yes", [], True),
            ("yes", None, True),
            ("yes", "Female: 0.8", True),
            ("yes", [FULL_ROW], False),
            ("no", [], False),
        ]
    ],
    *[
        (
            "bias_testing_table_incomplete",
            {"bias.subgroup_testing": t, "bias.subgroup_table": rows},
            {},
            fires,
        )
        for t, rows, fires in [
            ("yes", [FULL_ROW, {**FULL_ROW, "ci95": None}], True),
            ("yes", [{**FULL_ROW, "metric": "  "}], True),
            ("yes", [{}], True),
            ("yes", ["Female"], True),
            ("yes", [FULL_ROW, FULL_ROW], False),
            ("yes", [], False),
            ("no", [{}], False),
        ]
    ],
    *[
        ("bias_table_without_testing", {"bias.subgroup_testing": t, "bias.subgroup_table": rows}, {}, fires)
        for t, rows, fires in [
            ("no", [FULL_ROW], True),
            ("no", [{}], True),
            ("no", None, False),
            ("no", "Female", False),
            ("yes", [FULL_ROW], False),
        ]
    ],
]


@pytest.mark.parametrize(("code", "answers", "files", "fires"), CASES)
def test_check_against_the_answers(code, answers, files, fires):
    codes = {f.code for f in run_checks(facts=answers, files=files)}
    assert (code in codes) is fires


def test_every_check_is_tried_here():
    assert {c.code for c in CHECKS} == {case[0] for case in CASES} | set(FACT_CASES) | set(DOCUMENT_CASES)


def test_a_finding_carries_the_check_text_its_questions_and_its_cap():
    answers = {"use.processes_phi": "yes", "baa.will_sign": "will_not_sign"}
    assert run_checks(facts=answers) == [
        CheckFinding(
            code="phi_without_baa",
            title="The product processes PHI, but the vendor will not sign a BAA",
            detail="A covered entity may disclose PHI to a business associate only under a BAA.",
            ask="Will the vendor sign a BAA? Without one, no PHI may be sent to the product.",
            citation="45 CFR 164.502(e), 164.504(e) (law)",
            citations=(Citation("45 CFR 164.502(e), 164.504(e)", "law"),),
            facts=(("use.processes_phi", "use.processes_phi"), ("baa.will_sign", "baa.will_sign")),
            cap_tier="critical",
        )
    ]


def test_a_finding_without_a_cap_has_an_empty_cap():
    (finding,) = run_checks(facts={"baa.breach_notice_days": 90})
    assert finding.cap_tier == ""
    assert finding.question_keys == ("baa.breach_notice_days",)


@pytest.mark.parametrize(
    ("code", "cap"),
    [
        ("training_not_permitted_by_baa", "high"),
        ("phi_without_baa", "critical"),
        ("device_function_without_device_status", "high"),
    ],
)
def test_the_capped_checks_and_their_caps(code, cap):
    assert {c.code: c.cap_tier for c in CHECKS if c.cap_tier} == {
        "training_not_permitted_by_baa": "high",
        "phi_without_baa": "critical",
        "device_function_without_device_status": "high",
        "subcontractor_phi_without_baa": "high",
        "lds_without_dua": "high",
    }
    assert next(c for c in CHECKS if c.code == code).cap_tier == cap


def test_findings_come_in_the_order_of_the_checks():
    answers = {
        "fda.status": "non_device_cds",
        "use.patient_facing": "yes",
        "use.time_critical": "yes",
        "baa.breach_notice_days": 61,
    }
    assert [f.code for f in run_checks(facts=answers)] == [
        "breach_notice_over_60_days",
        "cds_patient_facing",
        "cds_time_critical",
    ]


def test_no_answers_no_findings():
    assert run_checks(facts={}) == []
    assert run_checks(facts={}, files=None) == []
