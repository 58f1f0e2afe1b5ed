"""Consistency checks across answers: contradictions a regulatory reviewer would catch by hand.

Each check names the questions it reads (`keys`). A check runs only when every one of those
questions is visible in this evaluation, so a template without a key, or an answer path that hides
a question, simply never triggers it. Checks see visible answers only; "not applicable" reads as
no answer. A check may carry `cap_tier` when the contradiction alone makes the product high risk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from questionnaires.engine.rules import _number


@dataclass(frozen=True)
class Facts:
    """What a check may look at: visible answers, and how many files each file question has."""

    answers: Mapping[str, Any]
    files: Mapping[str, int]

    def get(self, key: str) -> Any:
        return self.answers.get(key)

    def is_(self, key: str, *values: Any) -> bool:
        return self.answers.get(key) in values

    def has_any(self, key: str, *values: Any) -> bool:
        value = self.answers.get(key)
        return isinstance(value, list) and any(v in value for v in values)

    def number(self, key: str) -> float | None:
        value = _number(self.answers.get(key))
        return None if value is None else float(value)


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    explanation: str
    citation: str
    keys: tuple[str, ...]
    test: Callable[[Facts], bool]
    cap_tier: str = ""


@dataclass(frozen=True)
class CheckFinding:
    code: str
    title: str
    detail: str
    citation: str
    question_keys: tuple[str, ...]
    cap_tier: str = ""


DEVICE_INPUTS = ("medical_images", "physiological_signals", "ivd_results")
AUTHORIZED = ("cleared_510k", "de_novo", "pma")
TRAINS_ON_CUSTOMER_DATA = ("opt_in_deidentified", "deidentified_by_default", "identifiable")
SUBMISSION_FORMATS = {
    "cleared_510k": (re.compile(r"^K\d{6}$"), "K followed by 6 digits"),
    "de_novo": (re.compile(r"^DEN\d{6}$"), "DEN followed by 6 digits"),
    "pma": (re.compile(r"^P\d{6}(/S\d{3})?$"), "P followed by 6 digits"),
}


def _submission_number_mismatch(f: Facts) -> bool:
    expected = SUBMISSION_FORMATS.get(f.get("fda.status"))
    number = f.get("fda.submission_number")
    if expected is None or not isinstance(number, str) or not number.strip():
        return False
    return not expected[0].match(number.strip().upper())


def _table_rows(f: Facts, key: str) -> list:
    value = f.get(key)
    return value if isinstance(value, list) else []


def _row_incomplete(row: Any) -> bool:
    if not isinstance(row, Mapping) or not row:
        return True
    return any(v is None or (isinstance(v, str) and not v.strip()) for v in row.values())


def _pccp_without_authorization(f: Facts) -> bool:
    if f.is_("fda.pccp", "authorized"):
        return not f.is_("fda.status", *AUTHORIZED)
    if f.is_("fda.pccp", "submitted"):
        # A PCCP can accompany a pending marketing submission.
        return not f.is_("fda.status", *AUTHORIZED, "under_review")
    return False


SAFE_HARBOR = "deid.method_training"


def _safe_harbor_dates_kept(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "safe_harbor") and f.is_("deid.safe_harbor.dates_beyond_year", "yes")


def _safe_harbor_full_zip_kept(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "safe_harbor") and f.is_("deid.safe_harbor.full_zip", "yes")


def _safe_harbor_ages_over_89_kept(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "safe_harbor") and f.is_("deid.safe_harbor.ages_over_89", "yes")


def _safe_harbor_actual_knowledge(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "safe_harbor") and f.is_("deid.safe_harbor.actual_knowledge", "yes")


def _expert_determination_without_report(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "expert_determination") and not f.files.get("deid.expert.report")


def _deidentified_claim_but_identifiable_customer_data(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "safe_harbor", "expert_determination") and f.is_(
        "deid.customer_data_training", "identifiable"
    )


def _no_patient_data_but_customer_phi_trains(f: Facts) -> bool:
    return (
        f.is_(SAFE_HARBOR, "no_patient_data")
        and f.is_("use.processes_phi", "yes")
        and f.is_("deid.customer_data_training", *TRAINS_ON_CUSTOMER_DATA)
    )


def _identifiable_training_but_no_phi(f: Facts) -> bool:
    return f.is_("use.processes_phi", "no") and f.is_("deid.customer_data_training", "identifiable")


def _training_not_permitted_by_baa(f: Facts) -> bool:
    return f.is_("deid.customer_data_training", *TRAINS_ON_CUSTOMER_DATA) and f.is_(
        "baa.training_permitted", "no"
    )


def _phi_without_baa(f: Facts) -> bool:
    return f.is_("use.processes_phi", "yes") and f.is_("baa.will_sign", "will_not_sign")


def _breach_notice_over_60_days(f: Facts) -> bool:
    days = f.number("baa.breach_notice_days")
    return days is not None and days > 60


def _cds_analyzes_images_or_signals(f: Facts) -> bool:
    return f.is_("fda.status", "non_device_cds") and f.has_any("use.data_modalities", *DEVICE_INPUTS)


def _cds_patient_facing(f: Facts) -> bool:
    return f.is_("fda.status", "non_device_cds") and f.is_("use.patient_facing", "yes")


def _cds_time_critical(f: Facts) -> bool:
    return f.is_("fda.status", "non_device_cds") and f.is_("use.time_critical", "yes")


def _cds_not_independently_reviewable(f: Facts) -> bool:
    return f.is_("fda.status", "non_device_cds") and f.is_("use.decision_role", "replaces", "autonomous")


def _device_function_without_device_status(f: Facts) -> bool:
    return f.is_("fda.status", "not_medical_device", "unknown") and f.has_any(
        "use.data_modalities", *DEVICE_INPUTS
    )


def _autonomous_but_not_device(f: Facts) -> bool:
    return f.is_("fda.status", "not_medical_device") and f.is_("use.decision_role", "replaces", "autonomous")


def _authorized_use_narrower(f: Facts) -> bool:
    return f.is_("fda.intended_use_match", "narrower")


def _authorization_without_number(f: Facts) -> bool:
    return f.is_("fda.status", *AUTHORIZED) and not str(f.get("fda.submission_number") or "").strip()


def _bias_testing_table_empty(f: Facts) -> bool:
    return f.is_("bias.subgroup_testing", "yes") and not _table_rows(f, "bias.subgroup_table")


def _bias_testing_table_incomplete(f: Facts) -> bool:
    return f.is_("bias.subgroup_testing", "yes") and any(
        _row_incomplete(r) for r in _table_rows(f, "bias.subgroup_table")
    )


def _bias_table_without_testing(f: Facts) -> bool:
    return f.is_("bias.subgroup_testing", "no") and bool(_table_rows(f, "bias.subgroup_table"))


CHECKS: tuple[Check, ...] = (
    Check(
        code="safe_harbor_dates_kept",
        title="Safe Harbor claimed, but dates more specific than the year are kept",
        explanation="Safe Harbor requires removing every element of dates (except the year) "
        "directly related to an individual, such as admission, discharge, birth and death dates.",
        citation="45 CFR 164.514(b)(2)(i)(C)",
        keys=(SAFE_HARBOR, "deid.safe_harbor.dates_beyond_year"),
        test=_safe_harbor_dates_kept,
    ),
    Check(
        code="safe_harbor_full_zip_kept",
        title="Safe Harbor claimed, but full ZIP codes are kept",
        explanation="Under Safe Harbor only the first three ZIP digits may remain, and only where that "
        "area holds more than 20,000 people; otherwise they become 000.",
        citation="45 CFR 164.514(b)(2)(i)(B)",
        keys=(SAFE_HARBOR, "deid.safe_harbor.full_zip"),
        test=_safe_harbor_full_zip_kept,
    ),
    Check(
        code="safe_harbor_ages_over_89_kept",
        title="Safe Harbor claimed, but exact ages over 89 are kept",
        explanation="Safe Harbor requires ages over 89 (and dates revealing them) to be grouped into a "
        "single category of 90 or older.",
        citation="45 CFR 164.514(b)(2)(i)(C)",
        keys=(SAFE_HARBOR, "deid.safe_harbor.ages_over_89"),
        test=_safe_harbor_ages_over_89_kept,
    ),
    Check(
        code="safe_harbor_actual_knowledge",
        title="Safe Harbor claimed although the vendor knows the data could identify people",
        explanation="Removing the 18 identifiers is not enough: Safe Harbor also requires no actual "
        "knowledge that the remaining information could identify an individual.",
        citation="45 CFR 164.514(b)(2)(ii)",
        keys=(SAFE_HARBOR, "deid.safe_harbor.actual_knowledge"),
        test=_safe_harbor_actual_knowledge,
    ),
    Check(
        code="expert_determination_without_report",
        title="Expert Determination claimed without the written determination",
        explanation="The expert must document the methods and results that justify the determination; "
        "without the report the claim cannot be verified.",
        citation="45 CFR 164.514(b)(1)(ii)",
        keys=(SAFE_HARBOR, "deid.expert.report"),
        test=_expert_determination_without_report,
    ),
    Check(
        code="deidentified_claim_but_identifiable_customer_data",
        title="De-identified training claimed, but customer data is used in identifiable form",
        explanation="The training data is said to be de-identified, yet this customer's data would be "
        "used for training in identifiable form: that use is of PHI and needs a permitted basis.",
        citation="45 CFR 164.502(a), 164.502(d), 164.514(a)-(b)",
        keys=(SAFE_HARBOR, "deid.customer_data_training"),
        test=_deidentified_claim_but_identifiable_customer_data,
    ),
    Check(
        code="no_patient_data_but_customer_phi_trains",
        title="'No patient data' claimed for training, but this customer's PHI may be used for training",
        explanation="The vendor says no patient data is used for training, yet it processes this "
        "customer's PHI and says customer data may be used to train or improve the model.",
        citation="45 CFR 164.502(a), 164.502(d)",
        keys=(SAFE_HARBOR, "use.processes_phi", "deid.customer_data_training"),
        test=_no_patient_data_but_customer_phi_trains,
    ),
    Check(
        code="identifiable_training_but_no_phi",
        title="No PHI processed, yet customer data is used for training in identifiable form",
        explanation="Receiving identifiable customer data to train a model is handling PHI on the "
        "customer's behalf, which makes the vendor a business associate.",
        citation="45 CFR 160.103 (business associate)",
        keys=("use.processes_phi", "deid.customer_data_training"),
        test=_identifiable_training_but_no_phi,
    ),
    Check(
        code="training_not_permitted_by_baa",
        title="Customer data is used for training, but the BAA does not permit it",
        explanation="A business associate may use PHI, or create de-identified data from it, only as its "
        "BAA permits; the answers say the BAA does not permit training use.",
        citation="45 CFR 164.504(e)(2)(i), 164.502(a)(3), 164.502(d)(1)",
        keys=("deid.customer_data_training", "baa.training_permitted"),
        test=_training_not_permitted_by_baa,
        cap_tier="high",
    ),
    Check(
        code="phi_without_baa",
        title="The product processes PHI, but the vendor will not sign a BAA",
        explanation="A covered entity may disclose PHI to a business associate only under a BAA.",
        citation="45 CFR 164.502(e), 164.504(e)",
        keys=("use.processes_phi", "baa.will_sign"),
        test=_phi_without_baa,
        cap_tier="critical",
    ),
    Check(
        code="breach_notice_over_60_days",
        title="Breach notice window longer than the 60 days the rule allows",
        explanation="A business associate must notify the covered entity of a breach of unsecured PHI "
        "without unreasonable delay and no later than 60 calendar days after discovery.",
        citation="45 CFR 164.410(b)",
        keys=("baa.breach_notice_days",),
        test=_breach_notice_over_60_days,
    ),
    Check(
        code="cds_analyzes_images_or_signals",
        title="Non-device CDS claimed, but the product analyzes images, signals or IVD results",
        explanation="Software that acquires, processes or analyzes a medical image, an IVD signal or a "
        "pattern from a signal acquisition system fails the first non-device CDS criterion.",
        citation="FD&C Act 520(o)(1)(E) (criterion 1)",
        keys=("fda.status", "use.data_modalities"),
        test=_cds_analyzes_images_or_signals,
    ),
    Check(
        code="cds_patient_facing",
        title="Non-device CDS claimed, but the output is shown to patients or caregivers",
        explanation="The non-device CDS exclusion covers recommendations to health care professionals; "
        "patient- or caregiver-facing decision support is generally a device.",
        citation="FD&C Act 520(o)(1)(E) (criterion 3); FDA CDS Software guidance",
        keys=("fda.status", "use.patient_facing"),
        test=_cds_patient_facing,
    ),
    Check(
        code="cds_time_critical",
        title="Non-device CDS claimed for time-critical decisions",
        explanation="FDA considers output used in time-critical decisions to leave the clinician no "
        "real opportunity to review it independently, so such software tends to be a device.",
        citation="FD&C Act 520(o)(1)(E); FDA CDS Software guidance (2022, revised 2026)",
        keys=("fda.status", "use.time_critical"),
        test=_cds_time_critical,
    ),
    Check(
        code="cds_not_independently_reviewable",
        title="Non-device CDS claimed, but the output replaces the clinician or acts autonomously",
        explanation="The fourth criterion requires the professional to review the basis of the "
        "recommendation independently rather than rely on it; a replacing or autonomous role fails it.",
        citation="FD&C Act 520(o)(1)(E) (criterion 4)",
        keys=("fda.status", "use.decision_role"),
        test=_cds_not_independently_reviewable,
    ),
    Check(
        code="device_function_without_device_status",
        title="The product meets the device definition but claims no device status",
        explanation="Analyzing medical images, physiological signals or IVD results is a device "
        "function; 'not a medical device' or 'unknown' leaves the product without an FDA pathway.",
        citation="FD&C Act 201(h), 520(o)(1)(E)",
        keys=("fda.status", "use.data_modalities"),
        test=_device_function_without_device_status,
        cap_tier="high",
    ),
    Check(
        code="autonomous_but_not_device",
        title="Autonomous or replacing decision role, but the product claims not to be a medical device",
        explanation="Software that makes or replaces a clinician's diagnosis or treatment decision does "
        "not fit any exclusion from the device definition.",
        citation="FD&C Act 201(h), 520(o)(1)(E) (criterion 4)",
        keys=("fda.status", "use.decision_role"),
        test=_autonomous_but_not_device,
    ),
    Check(
        code="pccp_without_authorization",
        title="A PCCP is claimed without an FDA marketing authorization",
        explanation="A predetermined change control plan is authorized as part of a 510(k), De Novo or "
        "PMA; without one there is no authorized PCCP.",
        citation="FD&C Act 515C (21 U.S.C. 360e-4)",
        keys=("fda.pccp", "fda.status"),
        test=_pccp_without_authorization,
    ),
    Check(
        code="authorized_use_narrower",
        title="The authorized intended use is narrower than the declared intended use",
        explanation="Deploying the product beyond its cleared or approved indications is off-label use "
        "that the authorization does not cover.",
        citation="21 CFR 801.4; 21 CFR 807.81(a)(3)(ii)",
        keys=("fda.intended_use_match", "use.intended_use"),
        test=_authorized_use_narrower,
    ),
    Check(
        code="submission_number_format",
        title="The FDA submission number does not match the pathway",
        explanation="510(k) numbers are K plus 6 digits, De Novo numbers DEN plus 6 digits, PMA numbers "
        "P plus 6 digits; a mismatch suggests the wrong pathway or a wrong number.",
        citation="21 CFR 807 Subpart E; 21 CFR 860 Subpart D; 21 CFR 814",
        keys=("fda.status", "fda.submission_number"),
        test=_submission_number_mismatch,
    ),
    Check(
        code="authorization_without_number",
        title="FDA authorization claimed without a submission number",
        explanation="A cleared, granted or approved product has a public submission number that the "
        "buyer can look up in FDA's databases.",
        citation="FD&C Act 510(k), 513(f)(2), 515; FDA public device databases",
        keys=("fda.status", "fda.submission_number"),
        test=_authorization_without_number,
    ),
    Check(
        code="bias_testing_table_empty",
        title="Subgroup testing claimed, but the subgroup table is empty",
        explanation="Per-subgroup performance (n, metric, value, confidence interval) is the evidence "
        "a buyer needs to judge fairness; a claim without the figures cannot be assessed.",
        citation="45 CFR 170.315(b)(11)(iv)(B); 45 CFR 92.210",
        keys=("bias.subgroup_testing", "bias.subgroup_table"),
        test=_bias_testing_table_empty,
    ),
    Check(
        code="bias_testing_table_incomplete",
        title="Subgroup testing claimed, but rows of the subgroup table are incomplete",
        explanation="Every subgroup row needs its n, metric, value and confidence interval.",
        citation="45 CFR 170.315(b)(11)(iv)(B); 45 CFR 92.210",
        keys=("bias.subgroup_testing", "bias.subgroup_table"),
        test=_bias_testing_table_incomplete,
    ),
    Check(
        code="bias_table_without_testing",
        title="Subgroup results given although subgroup testing is denied",
        explanation="The answers deny subgroup testing but list subgroup results; one of them is wrong.",
        citation="45 CFR 170.315(b)(11)(iv)(B)",
        keys=("bias.subgroup_testing", "bias.subgroup_table"),
        test=_bias_table_without_testing,
    ),
)


def run_checks(*, answers: Mapping[str, Any], files: Mapping[str, int] | None = None) -> list[CheckFinding]:
    """Findings of every check whose questions are all visible (keys of `answers`)."""
    facts = Facts(answers=answers, files=files or {})
    findings = []
    for check in CHECKS:
        if not all(key in answers for key in check.keys):
            continue
        if check.test(facts):
            findings.append(
                CheckFinding(
                    code=check.code,
                    title=check.title,
                    detail=check.explanation,
                    citation=check.citation,
                    question_keys=check.keys,
                    cap_tier=check.cap_tier,
                )
            )
    return findings
