"""The checks that read facts only library version 2 (or a template declaring them) records.

Each check: the facts that fire it, the one change that silences it, and with any fact it needs
missing it does not fire (and a template that asks none of them reports it as not assessable).
"""

from __future__ import annotations

import datetime

import pytest

from questionnaires.engine.checks import (
    CHECKS,
    Citation,
    NotAssessable,
    not_assessable,
    period_days,
    run_checks,
)
from questionnaires.engine.facts import FACTS, FACTS_BY_NAME, fact_errors, fact_of, question_facts
from questionnaires.engine.scoring import QuestionSpec, SectionSpec, score_answers

SH = "deid.method_training"
ALL_DUA = [
    "permitted_uses",
    "who_may_use",
    "no_further_disclosure",
    "safeguards",
    "report_violations",
    "agents_bound",
    "no_identification_or_contact",
]
ADULTS = [{"study": "A", "model_version": "4.2", "age_min": 18, "age_max": 90}]


def register_row(phi: str, agreement: str) -> dict:
    return {
        "name": "Cloud host",
        "service": "hosting",
        "phi_access": phi,
        "location": "US",
        "agreement": agreement,
    }


# code -> (facts that fire it, the change that silences it)
FACT_CASES = {
    "subcontractor_phi_without_baa": (
        {"subcontractors.register": [register_row("yes", "yes"), register_row("Yes", "no")]},
        {"subcontractors.register": [register_row("yes", "yes"), register_row("no", "no")]},
    ),
    "safe_harbor_with_lds_basis": (
        {SH: "safe_harbor", "deid.legal_basis": ["deidentified", "limited_data_set"]},
        {"deid.legal_basis": ["deidentified"]},
    ),
    "expert_determination_outdated": (
        {
            SH: "expert_determination",
            "deid.expert.report_date": "2025-01-31",
            "deid.expert.data_through": "2025-06-30",
        },
        {"deid.expert.report_date": "2025-06-30"},
    ),
    "expert_determination_data_added": (
        {SH: "expert_determination", "deid.expert.data_combined_since": "yes"},
        {"deid.expert.data_combined_since": "no"},
    ),
    "expert_determination_scope_omits_training": (
        {SH: "expert_determination", "deid.expert.scope": ["validation_data", "outputs"]},
        {"deid.expert.scope": ["training_data", "validation_data"]},
    ),
    "lds_without_dua": (
        {SH: "limited_data_set", "deid.lds.dua": "no"},
        {"deid.lds.dua": "yes"},
    ),
    "lds_dua_incomplete": (
        {SH: "limited_data_set", "deid.lds.dua": "yes", "deid.lds.dua_elements": ALL_DUA[:-1]},
        {"deid.lds.dua_elements": ALL_DUA},
    ),
    "intended_ages_unvalidated": (
        {
            "population.intended.age_min": 12,
            "population.intended.age_max": 90,
            "population.validation": ADULTS,
        },
        {"population.intended.age_min": 18},
    ),
    "intended_settings_unvalidated": (
        {
            "population.intended.settings": ["inpatient", "emergency"],
            "population.validated.settings": ["inpatient"],
        },
        {"population.validated.settings": ["inpatient", "emergency", "icu"]},
    ),
    "evidence_for_other_version": (
        {
            "model.version.offered": "4.2",
            "evidence.subgroup.model_version": "4.2",
            "evidence.bias.model_version": "4.1",
        },
        {"evidence.bias.model_version": "v4.2"},
    ),
    "authorized_version_differs": (
        {"fda.status": "de_novo", "model.version.offered": "4.2", "fda.authorized_model_version": "3.0"},
        {"fda.authorized_model_version": "4.2"},
    ),
    "pccp_outside_scope": (
        {"pccp.modification_types": ["recalibration", "new_population"]},
        {"pccp.modification_types": ["recalibration", "retrain_same_population", "new_input_source"]},
    ),
    "continuous_updates_without_pccp": (
        {"change.update_cadence": "continuous", "fda.status": "cleared_510k", "fda.pccp": "none"},
        {"fda.pccp": "authorized"},
    ),
    "protected_inputs_without_subgroups": (
        {"bias.protected_inputs": ["age", "race", "sdoh"], "bias.subgroups_tested": ["age"]},
        {"bias.subgroups_tested": ["age", "race"]},
    ),
    "authorized_status_denied": (
        {"fda.status": "pma", "fda.has_authorization": "no"},
        {"fda.has_authorization": "yes"},
    ),
    "cds_generative": (
        {"fda.status": "non_device_cds", "use.generative_output": "yes"},
        {"use.generative_output": "no"},
    ),
    "us_only_but_offshore": (
        {"residency.us_only_claimed": "yes", "residency.storage": "offshore_storage"},
        {"residency.storage": "us_only"},
    ),
}


def codes(facts, files=None) -> set[str]:
    return {f.code for f in run_checks(facts=facts, files=files or {})}


def check(code: str):
    return next(c for c in CHECKS if c.code == code)


@pytest.mark.parametrize("code", sorted(FACT_CASES))
def test_it_fires_on_the_contradiction(code):
    firing, _ = FACT_CASES[code]
    assert code in codes(firing)


@pytest.mark.parametrize("code", sorted(FACT_CASES))
def test_it_stays_quiet_once_the_answer_is_consistent(code):
    firing, fix = FACT_CASES[code]
    assert code not in codes({**firing, **fix})


@pytest.mark.parametrize("code", sorted(FACT_CASES))
def test_it_does_not_fire_with_a_fact_it_needs_missing(code):
    firing, _ = FACT_CASES[code]
    for name in check(code).facts:
        assert code not in codes({k: v for k, v in firing.items() if k != name}), name
    # Of `any_of`, at least one must be there.
    if check(code).any_of:
        assert code not in codes({k: v for k, v in firing.items() if k not in check(code).any_of})


@pytest.mark.parametrize("code", sorted(FACT_CASES))
def test_a_template_that_asks_none_of_its_facts_reports_it_not_assessable(code):
    listed = {n.code: n for n in not_assessable(asked=set())}
    assert listed[code].missing == (check(code).facts or check(code).any_of)
    assert code not in {n.code for n in not_assessable(asked=set(check(code).reads))}


def test_not_assessable_names_only_the_missing_facts():
    (entry,) = [n for n in not_assessable(asked={SH}) if n.code == "expert_determination_outdated"]
    assert entry == NotAssessable(
        code="expert_determination_outdated",
        title="The Expert Determination is older than the data it is said to cover",
        missing=("deid.expert.report_date", "deid.expert.data_through"),
    )


def test_every_fact_a_check_reads_is_in_the_vocabulary():
    for c in CHECKS:
        assert set(c.reads) <= set(FACTS_BY_NAME), c.code
        assert {citation.standing for citation in c.citations} <= {"law", "proposed", "guidance", "voluntary"}


def test_the_vocabulary_names_each_fact_once_with_a_type_and_description():
    assert len(FACTS_BY_NAME) == len(FACTS)
    for fact in FACTS:
        assert fact.type in ("yes_no", "choice", "choices", "text", "number", "date", "file", "table")
        assert fact.description.endswith(".")


def test_a_declared_fact_must_be_in_the_vocabulary():
    assert fact_errors("") == []
    assert fact_errors(None) == []
    assert fact_errors("deid.lds.dua") == []
    assert fact_errors("deid.made_up") == ["'deid.made_up' is not a fact of the vocabulary."]


def test_a_question_records_its_declared_fact_or_the_legacy_fact_of_its_key():
    assert fact_of("anything", "deid.lds.dua") == "deid.lds.dua"
    assert fact_of("fda.status", "") == "fda.status"
    # Library version 1 asks this too, but declares no fact: its evaluations keep their findings.
    assert fact_of("baa.subcontractor_baas", "") == ""
    assert fact_of("free.text", "") == ""
    assert question_facts([("a", "fda.status"), ("fda.status", ""), ("b", ""), ("c", "deid.lds.dua")]) == {
        "fda.status": "a",
        "deid.lds.dua": "c",
    }


def test_a_finding_names_each_fact_it_read_with_the_question_that_recorded_it():
    facts = {"fda.status": "pma", "fda.has_authorization": "no"}
    (finding,) = run_checks(
        facts=facts, sources={"fda.status": "reg.status", "fda.has_authorization": "reg.auth"}
    )
    assert finding.facts == (("fda.status", "reg.status"), ("fda.has_authorization", "reg.auth"))
    assert finding.question_keys == ("reg.status", "reg.auth")
    assert finding.citations == (Citation("FD&C Act 510(k), 513(f)(2), 515", "law"),)
    assert finding.citation == "FD&C Act 510(k), 513(f)(2), 515 (law)"
    assert finding.ask == "Which is right? Give the submission number if there is an authorization."


def test_an_any_of_finding_lists_only_the_facts_that_were_recorded():
    (finding,) = run_checks(facts={"baa.subcontractor_flowdown": "no"})
    assert finding.facts == (("baa.subcontractor_flowdown", "baa.subcontractor_flowdown"),)


@pytest.mark.parametrize(
    "facts",
    [
        {"baa.subcontractor_flowdown": "no"},
        {"baa.subcontractor_baas": "no"},
        {"subcontractors.register": [register_row(" YES ", "")]},
        {"subcontractors.register": [register_row("y", "pending")]},
        {"baa.subcontractor_flowdown": "yes", "baa.subcontractor_baas": "no"},
    ],
)
def test_phi_at_a_subcontractor_without_an_agreement_is_caught_however_it_is_written(facts):
    assert "subcontractor_phi_without_baa" in codes(facts)


@pytest.mark.parametrize(
    "facts",
    [
        {"baa.subcontractor_flowdown": "yes", "baa.subcontractor_baas": "yes"},
        {"subcontractors.register": [register_row("no", "no"), register_row("true", "true")]},
        {"subcontractors.register": "Cloud host, yes, no"},
        {"subcontractors.register": ["not a row"]},
    ],
)
def test_subcontractors_under_agreement_or_without_phi_are_fine(facts):
    assert "subcontractor_phi_without_baa" not in codes(facts)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Within 90 days of discovery", 90.0),
        ("no later than sixty (60) calendar days", 60.0),
        ("45 business days", 63.0),
        ("10 working days", 14.0),
        ("two months", 62.0),
        ("3 weeks, at most 1 month", 31.0),
        ("one year", 365.0),
        ("promptly", None),
        ("", None),
    ],
)
def test_period_days_reads_the_longest_period_in_calendar_days(text, days):
    assert period_days(text) == days


@pytest.mark.parametrize(
    ("period", "fires"),
    [
        ("90 days", True),
        ("two months", True),
        ("45 business days", True),
        ("60 calendar days", False),
        ("", False),
    ],
)
def test_a_breach_notice_written_out_beyond_60_days_is_caught(period, fires):
    assert ("breach_notice_over_60_days" in codes({"baa.breach_notice_period": period})) is fires


def test_a_breach_notice_number_or_text_over_60_fires_either_way():
    assert "breach_notice_over_60_days" in codes(
        {"baa.breach_notice_days": 30, "baa.breach_notice_period": "90 days"}
    )
    assert "breach_notice_over_60_days" in codes(
        {"baa.breach_notice_days": 61, "baa.breach_notice_period": "30 days"}
    )


@pytest.mark.parametrize(
    ("intended", "fires"),
    [((18, 90), False), ((17, 90), True), ((18, 91), True), ((30, 60), False), ((None, 90), False)],
)
def test_intended_ages_are_compared_with_the_union_of_the_validated_ranges(intended, fires):
    rows = [
        {"study": "A", "age_min": 18, "age_max": 65},
        {"study": "B", "age_min": "40", "age_max": "90"},
        {"study": "C", "age_min": "", "age_max": ""},
    ]
    facts = {
        "population.intended.age_min": intended[0],
        "population.intended.age_max": intended[1],
        "population.validation": rows,
    }
    assert ("intended_ages_unvalidated" in codes(facts)) is fires


def test_no_validated_ages_is_no_age_finding():
    facts = {
        "population.intended.age_min": 0,
        "population.intended.age_max": 120,
        "population.validation": [{"study": "A", "age_min": "", "age_max": ""}],
    }
    assert "intended_ages_unvalidated" not in codes(facts)


@pytest.mark.parametrize(
    ("evidence", "fires"),
    [
        ({"evidence.hti1.model_version": "4.1"}, True),
        ({"population.validation": [{"study": "A", "model_version": "4.0"}]}, True),
        ({"population.validation": [{"study": "A", "model_version": " V4.2 "}]}, False),
        ({"population.validation": [{"study": "A", "model_version": ""}]}, False),
        ({"evidence.subgroup.model_version": ""}, False),
    ],
)
def test_evidence_versions_are_compared_with_the_offered_version(evidence, fires):
    assert ("evidence_for_other_version" in codes({"model.version.offered": "4.2", **evidence})) is fires


def test_no_offered_version_is_no_version_finding():
    assert "evidence_for_other_version" not in codes(
        {"model.version.offered": " ", "evidence.bias.model_version": "4.1"}
    )


@pytest.mark.parametrize("status", ["cleared_510k", "de_novo", "pma"])
def test_every_authorized_status_is_compared_with_the_authorized_version(status):
    facts = {"fda.status": status, "model.version.offered": "4.2", "fda.authorized_model_version": "4.1"}
    assert "authorized_version_differs" in codes(facts)
    assert "authorized_version_differs" not in codes({**facts, "fda.status": "under_review"})
    assert "authorized_version_differs" not in codes({**facts, "fda.authorized_model_version": ""})


@pytest.mark.parametrize("change", ["new_intended_use", "new_population", "new_input_type"])
def test_each_change_outside_a_pccp_is_caught(change):
    assert "pccp_outside_scope" in codes({"pccp.modification_types": [change]})


def test_continuous_updates_are_fine_without_a_pccp_when_the_product_is_no_authorized_device():
    facts = {"change.update_cadence": "continuous", "fda.status": "not_medical_device", "fda.pccp": "none"}
    assert "continuous_updates_without_pccp" not in codes(facts)
    assert "continuous_updates_without_pccp" not in codes(
        {**facts, "fda.status": "pma", "change.update_cadence": "locked"}
    )


@pytest.mark.parametrize("storage", ["offshore_storage", "offshore_access"])
def test_us_only_with_any_offshore_handling_is_caught(storage):
    assert "us_only_but_offshore" in codes({"residency.us_only_claimed": "yes", "residency.storage": storage})
    assert "us_only_but_offshore" not in codes(
        {"residency.us_only_claimed": "no", "residency.storage": storage}
    )


@pytest.mark.parametrize("method", ["safe_harbor", "limited_data_set", "identified_phi_baa"])
def test_expert_determination_checks_apply_only_to_an_expert_determination(method):
    facts = {
        SH: method,
        "deid.expert.report_date": "2025-01-31",
        "deid.expert.data_through": "2025-06-30",
        "deid.expert.data_combined_since": "yes",
        "deid.expert.scope": [],
    }
    assert not codes(facts) & {
        "expert_determination_outdated",
        "expert_determination_data_added",
        "expert_determination_scope_omits_training",
    }


def test_an_undated_determination_is_not_called_outdated():
    facts = {
        SH: "expert_determination",
        "deid.expert.report_date": "",
        "deid.expert.data_through": "2025-06-30",
    }
    assert "expert_determination_outdated" not in codes(facts)
    assert "expert_determination_outdated" not in codes(
        {**facts, "deid.expert.report_date": "2025-01-31", "deid.expert.data_through": None}
    )


@pytest.mark.parametrize("code", ["lds_without_dua", "lds_dua_incomplete"])
def test_dua_checks_apply_only_to_a_limited_data_set(code):
    firing, _ = FACT_CASES[code]
    assert code not in codes({**firing, SH: "expert_determination"})


def test_scoring_reads_declared_facts_and_reports_the_rest_not_assessable():
    questions = (
        QuestionSpec(key="reg.status", type="single_choice", fact="fda.status"),
        QuestionSpec(key="reg.holds", type="yes_no", fact="fda.has_authorization"),
        # Named like a v2 fact but declaring none: records nothing.
        QuestionSpec(key="use.generative_output", type="yes_no"),
    )
    result = score_answers(
        sections=[SectionSpec("s", "S", 1.0, questions)],
        answers={
            "reg.status": ("pma", False),
            "reg.holds": ("no", False),
            "use.generative_output": ("yes", False),
        },
        thresholds={"low": 80, "moderate": 60, "high": 40},
        today=datetime.date(2026, 1, 1),
    )
    assert [(f.code, f.facts) for f in result.findings] == [
        ("authorized_status_denied", (("fda.status", "reg.status"), ("fda.has_authorization", "reg.holds")))
    ]
    missing = {n.code: n.missing for n in result.not_assessable}
    assert missing["cds_generative"] == ("use.generative_output",)
    assert "authorized_status_denied" not in missing
    assert len(missing) == len(CHECKS) - 1


def test_a_register_row_saying_true_counts_as_yes():
    assert "subcontractor_phi_without_baa" in codes({"subcontractors.register": [register_row("TRUE", "no")]})
    assert "subcontractor_phi_without_baa" not in codes(
        {"subcontractors.register": [register_row("true", "True")]}
    )


def test_choice_facts_given_as_text_are_no_choices():
    facts = {"population.intended.settings": "inpatient", "population.validated.settings": []}
    assert "intended_settings_unvalidated" not in codes(facts)


def test_intended_settings_equal_to_the_validated_ones_are_fine():
    facts = {
        "population.intended.settings": ["inpatient", "icu"],
        "population.validated.settings": ["icu", "inpatient"],
    }
    assert "intended_settings_unvalidated" not in codes(facts)


@pytest.mark.parametrize(
    "row",
    [{"age_min": "", "age_max": 65}, {"age_min": 18, "age_max": ""}],
)
def test_a_validated_range_missing_one_end_is_no_age_finding(row):
    facts = {
        "population.intended.age_min": 0,
        "population.intended.age_max": 120,
        "population.validation": [row],
    }
    assert "intended_ages_unvalidated" not in codes(facts)
