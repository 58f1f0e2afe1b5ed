"""Consistency checks across answers: contradictions a regulatory reviewer would catch by hand.

Checks read facts (questionnaires.engine.facts), never question keys, so any template that asks
the same facts gets the same checks. Each check is a frozen record: the facts it reads, the tier
it caps (if the contradiction alone makes the product high risk), its citations with their
standing, a plain-language explanation and what to ask the vendor.

A check runs when every fact it reads (or, for `any_of`, at least one) is recorded by a visible
question. A fact recorded only by hidden questions means the check does not apply to this
answer path. A fact that no question of the template records at all makes the check "not
assessable": shown to reviewers, never counted as a finding. "Not applicable" reads as no answer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from questionnaires.engine.documents import ATTESTATION_MAX_AGE_DAYS, PERIOD_ATTESTATIONS, Document
from questionnaires.engine.rules import _number

STANDING_LABELS = {
    "law": "law",
    "proposed": "proposed rule",
    "guidance": "agency guidance, non-binding",
    "voluntary": "voluntary",
}


@dataclass(frozen=True)
class Citation:
    text: str
    standing: str  # law | proposed | guidance | voluntary

    def __str__(self) -> str:
        label = STANDING_LABELS.get(self.standing, "standing not stated")
        return f"{self.text} ({label})"


# For citations stored without their standing (library version 1 knock-outs): the standing each
# part's source has. HTI-1 binds certified health IT developers only, so for a vendor it is voluntary.
STANDING_BY_PREFIX = (
    ("45 CFR 170.315", "voluntary"),
    ("45 CFR", "law"),
    ("21 CFR", "law"),
    ("FD&C Act", "law"),
    ("21 U.S.C.", "law"),
    ("42 U.S.C.", "law"),
    ("Texas", "law"),
    ("California", "law"),
    ("74 FR", "guidance"),
    ("FDA", "guidance"),
    ("HHS", "guidance"),
    ("NIST", "voluntary"),
    ("Joint Commission", "voluntary"),
    ("CHAI", "voluntary"),
    ("ISO", "voluntary"),
)


def citations_of(text: str, standing: str = "") -> tuple[Citation, ...]:
    """A citation text as its parts (split at ';'), each with the given standing or its source's."""
    parts = [part.strip() for part in text.split(";") if part.strip()]
    return tuple(
        Citation(part, standing or next((s for p, s in STANDING_BY_PREFIX if part.startswith(p)), ""))
        for part in parts
    )


@dataclass(frozen=True)
class Facts:
    """What a check may look at: visible facts, and how many files each file fact has."""

    values: Mapping[str, Any]
    files: Mapping[str, int]
    # The day the answers are judged on (document expiry and age).
    today: datetime.date | None = None

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def is_(self, name: str, *values: Any) -> bool:
        return self.values.get(name) in values

    def has_any(self, name: str, *values: Any) -> bool:
        value = self.values.get(name)
        return isinstance(value, list) and any(v in value for v in values)

    def choices(self, name: str) -> set:
        value = self.values.get(name)
        return set(value) if isinstance(value, list) else set()

    def number(self, name: str) -> float | None:
        value = _number(self.values.get(name))
        return None if value is None else float(value)

    def rows(self, name: str) -> list:
        value = self.values.get(name)
        return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return value.strip() if isinstance(value, str) else ""

    def documents(self) -> list[Document]:
        value = self.values.get(DOCUMENTS)
        return [d for d in value if isinstance(d, Document)] if isinstance(value, (list, tuple)) else []


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    explanation: str
    ask: str
    citations: tuple[Citation, ...]
    facts: tuple[str, ...]
    test: Callable[[Facts], bool]
    cap_tier: str = ""
    # At least one of these must be recorded too; the test reads whichever are.
    any_of: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        return "; ".join(str(c) for c in self.citations)

    @property
    def reads(self) -> tuple[str, ...]:
        return self.facts + self.any_of


@dataclass(frozen=True)
class CheckFinding:
    code: str
    title: str
    detail: str
    ask: str
    citation: str
    citations: tuple[Citation, ...]
    # (fact, the key of the question that recorded it) for every fact the check read.
    facts: tuple[tuple[str, str], ...]
    cap_tier: str = ""

    @property
    def question_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(key for _, key in self.facts))


@dataclass(frozen=True)
class NotAssessable:
    code: str
    title: str
    missing: tuple[str, ...]


DEVICE_INPUTS = ("medical_images", "physiological_signals", "ivd_results")
AUTHORIZED = ("cleared_510k", "de_novo", "pma")
TRAINS_ON_CUSTOMER_DATA = ("opt_in_deidentified", "deidentified_by_default", "identifiable")
# FDA's databases number CDRH 510(k)s K######, CBER ones BK######; De Novos DEN######; PMAs P######.
SUBMISSION_FORMATS = {
    "cleared_510k": (re.compile(r"^B?K\d{6}$"), "K or BK followed by 6 digits"),
    "de_novo": (re.compile(r"^DEN\d{6}$"), "DEN followed by 6 digits"),
    "pma": (re.compile(r"^P\d{6}(/S\d{3})?$"), "P followed by 6 digits"),
}
SAFE_HARBOR = "deid.method_training"
# 45 CFR 164.514(e)(4)(ii): what a data use agreement must contain.
DUA_ELEMENTS = (
    "permitted_uses",
    "who_may_use",
    "no_further_disclosure",
    "safeguards",
    "report_violations",
    "agents_bound",
    "no_identification_or_contact",
)
# What a PCCP may not plan (FDA PCCP final guidance, Dec 2024): changes outside the intended use.
PCCP_OUT_OF_SCOPE = ("new_intended_use", "new_population", "new_input_type")
# 45 CFR 92.210(b): characteristics whose measurement by an input the buyer must identify.
SECTION_1557_CHARACTERISTICS = ("race", "color", "national_origin", "sex", "age", "disability")
# Derived facts: the engine builds them from the evidence files and from the questions that ask the
# HTI-1 source attributes (`options.source_attribute`), not from one question's answer.
DOCUMENTS = "evidence.documents"
HTI1_ATTRIBUTES = "hti1.source_attributes"
VERSION_EVIDENCE = (
    "evidence.subgroup.model_version",
    "evidence.bias.model_version",
    "evidence.hti1.model_version",
)


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


def _same_version(a: str, b: str) -> bool:
    return a.strip().casefold().removeprefix("v") == b.strip().casefold().removeprefix("v")


def _subcontractor_phi_without_baa(f: Facts) -> bool:
    if f.is_("baa.subcontractor_flowdown", "no") or f.is_("baa.subcontractor_baas", "no"):
        return True
    return any(
        _yes(row.get("phi_access")) and not _yes(row.get("agreement"))
        for row in f.rows("subcontractors.register")
    )


def _yes(cell: Any) -> bool:
    return isinstance(cell, str) and cell.strip().casefold() in ("yes", "y", "true")


def _safe_harbor_with_lds_basis(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "safe_harbor") and f.has_any("deid.legal_basis", "limited_data_set")


def _expert_determination_outdated(f: Facts) -> bool:
    made, data_through = f.text("deid.expert.report_date"), f.text("deid.expert.data_through")
    # ISO dates (YYYY-MM-DD) compare as text.
    return f.is_(SAFE_HARBOR, "expert_determination") and bool(made and data_through) and made < data_through


def _expert_determination_data_added(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "expert_determination") and f.is_("deid.expert.data_combined_since", "yes")


def _expert_determination_scope_omits_training(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "expert_determination") and "training_data" not in f.choices(
        "deid.expert.scope"
    )


def _lds_without_dua(f: Facts) -> bool:
    return f.is_(SAFE_HARBOR, "limited_data_set") and f.is_("deid.lds.dua", "no")


def _lds_dua_incomplete(f: Facts) -> bool:
    return (
        f.is_(SAFE_HARBOR, "limited_data_set")
        and f.is_("deid.lds.dua", "yes")
        and not set(DUA_ELEMENTS) <= f.choices("deid.lds.dua_elements")
    )


def _validated_ages(f: Facts) -> tuple[float | None, float | None]:
    rows = f.rows("population.validation")
    lows = [_number(row.get("age_min")) for row in rows]
    highs = [_number(row.get("age_max")) for row in rows]
    low = min((float(v) for v in lows if v is not None), default=None)
    high = max((float(v) for v in highs if v is not None), default=None)
    return low, high


def _intended_ages_unvalidated(f: Facts) -> bool:
    low, high = _validated_ages(f)
    intended_low = f.number("population.intended.age_min")
    intended_high = f.number("population.intended.age_max")
    if low is None or high is None or intended_low is None or intended_high is None:
        return False
    return intended_low < low or intended_high > high


def _intended_settings_unvalidated(f: Facts) -> bool:
    return not f.choices("population.intended.settings") <= f.choices("population.validated.settings")


def _evidence_versions(f: Facts) -> list[str]:
    versions = [f.text(name) for name in VERSION_EVIDENCE]
    versions += [str(row.get("model_version") or "") for row in f.rows("population.validation")]
    return [v for v in versions if v.strip()]


def _evidence_for_other_version(f: Facts) -> bool:
    offered = f.text("model.version.offered")
    return bool(offered) and any(not _same_version(v, offered) for v in _evidence_versions(f))


def _authorized_version_differs(f: Facts) -> bool:
    offered, authorized = f.text("model.version.offered"), f.text("fda.authorized_model_version")
    return (
        f.is_("fda.status", *AUTHORIZED)
        and bool(offered and authorized)
        and not _same_version(offered, authorized)
    )


def _document_for_other_version(f: Facts) -> bool:
    offered, authorized = f.text("model.version.offered"), f.text("fda.authorized_model_version")
    if not offered:
        return False
    return any(
        d.model_version.strip()
        and not _same_version(d.model_version, offered)
        and not (authorized and _same_version(d.model_version, authorized))
        for d in f.documents()
    )


def _document_expired(f: Facts) -> bool:
    today = f.today
    return today is not None and any(d.expires_on is not None and d.expires_on < today for d in f.documents())


def _attestation_period_outdated(f: Facts) -> bool:
    today = f.today
    return today is not None and any(
        d.document_type in PERIOD_ATTESTATIONS
        and d.period_end is not None
        and (today - d.period_end).days > ATTESTATION_MAX_AGE_DAYS
        for d in f.documents()
    )


def _document_type_mismatch(f: Facts) -> bool:
    return any(
        d.document_type and d.expected_types and d.document_type not in d.expected_types
        for d in f.documents()
    )


def _hti1_attributes_all_na_via_ehr(f: Facts) -> bool:
    attributes = f.get(HTI1_ATTRIBUTES)
    if not f.is_("hti1.supplied_via_certified_ehr", "yes") or not isinstance(attributes, Mapping):
        return False
    return bool(attributes) and all(state == "not_applicable" for state in attributes.values())


def _pccp_outside_scope(f: Facts) -> bool:
    return f.has_any("pccp.modification_types", *PCCP_OUT_OF_SCOPE)


def _continuous_updates_without_pccp(f: Facts) -> bool:
    return (
        f.is_("change.update_cadence", "continuous")
        and f.is_("fda.status", *AUTHORIZED)
        and not f.is_("fda.pccp", "authorized")
    )


def _protected_inputs_without_subgroups(f: Facts) -> bool:
    measured = f.choices("bias.protected_inputs") & set(SECTION_1557_CHARACTERISTICS)
    return not measured <= f.choices("bias.subgroups_tested")


def _authorized_status_denied(f: Facts) -> bool:
    return f.is_("fda.status", *AUTHORIZED) and f.is_("fda.has_authorization", "no")


def _cds_generative(f: Facts) -> bool:
    return f.is_("fda.status", "non_device_cds") and f.is_("use.generative_output", "yes")


def _us_only_but_offshore(f: Facts) -> bool:
    return f.is_("residency.us_only_claimed", "yes") and f.is_(
        "residency.storage", "offshore_storage", "offshore_access"
    )


# A month counts as its longest (31 days), so "two months" is read as beyond 60 days.
UNIT_DAYS = {"day": 1, "week": 7, "month": 31, "year": 365}
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "thirty": 30, "forty-five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
PERIOD = re.compile(
    r"\b(\d+(?:\.\d+)?|" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + r")\s*(?:\(\d+\)\s*)?"
    r"(business\s+|working\s+|calendar\s+)?(day|week|month|year)s?",
    re.IGNORECASE,
)


def period_days(text: str) -> float | None:
    """The longest period a text states, in calendar days; a business day counts as 7/5 of a day."""
    longest = None
    for amount, business, unit in PERIOD.findall(text):
        number = float(WORD_NUMBERS.get(amount.casefold()) or amount)
        days = number * UNIT_DAYS[unit.casefold()]
        if business.strip().casefold() in ("business", "working"):
            days = days * 7 / 5
        longest = days if longest is None else max(longest, days)
    return longest


def _breach_notice_over_60_days(f: Facts) -> bool:
    days = f.number("baa.breach_notice_days")
    written = period_days(f.text("baa.breach_notice_period"))
    return any(d is not None and d > 60 for d in (days, written))


SECTION_1557 = Citation("45 CFR 92.210 (binds the buyer as a covered entity)", "law")
HTI1_BUYER = Citation(
    "45 CFR 170.315(b)(11)(iv)(B) (binds certified health IT developers; asked as a buyer requirement)",
    "voluntary",
)

CHECKS: tuple[Check, ...] = (
    Check(
        code="safe_harbor_dates_kept",
        title="Safe Harbor claimed, but dates more specific than the year are kept",
        explanation="Safe Harbor requires removing every element of dates (except the year) "
        "directly related to an individual, such as admission, discharge, birth and death dates.",
        ask="Which date fields remain, and at what precision? Either generalize them to the year or "
        "provide an Expert Determination that covers them.",
        citations=(Citation("45 CFR 164.514(b)(2)(i)(C)", "law"),),
        facts=(SAFE_HARBOR, "deid.safe_harbor.dates_beyond_year"),
        test=_safe_harbor_dates_kept,
    ),
    Check(
        code="safe_harbor_full_zip_kept",
        title="Safe Harbor claimed, but full ZIP codes are kept",
        explanation="Under Safe Harbor only the first three ZIP digits may remain, and only where that "
        "area holds more than 20,000 people; otherwise they become 000.",
        ask="Which geographic fields remain? Truncate ZIP codes as the rule requires, or provide an "
        "Expert Determination that covers them.",
        citations=(Citation("45 CFR 164.514(b)(2)(i)(B)", "law"),),
        facts=(SAFE_HARBOR, "deid.safe_harbor.full_zip"),
        test=_safe_harbor_full_zip_kept,
    ),
    Check(
        code="safe_harbor_ages_over_89_kept",
        title="Safe Harbor claimed, but exact ages over 89 are kept",
        explanation="Safe Harbor requires ages over 89 (and dates revealing them) to be grouped into a "
        "single category of 90 or older.",
        ask="How are ages over 89 stored? Group them as 90 or older, or provide an Expert Determination.",
        citations=(Citation("45 CFR 164.514(b)(2)(i)(C)", "law"),),
        facts=(SAFE_HARBOR, "deid.safe_harbor.ages_over_89"),
        test=_safe_harbor_ages_over_89_kept,
    ),
    Check(
        code="safe_harbor_actual_knowledge",
        title="Safe Harbor claimed although the vendor knows the data could identify people",
        explanation="Removing the 18 identifiers is not enough: Safe Harbor also requires no actual "
        "knowledge that the remaining information could identify an individual.",
        ask="What makes the remaining data identifying, and on which other basis is it used?",
        citations=(Citation("45 CFR 164.514(b)(2)(ii)", "law"),),
        facts=(SAFE_HARBOR, "deid.safe_harbor.actual_knowledge"),
        test=_safe_harbor_actual_knowledge,
    ),
    Check(
        code="expert_determination_without_report",
        title="Expert Determination claimed without the written determination",
        explanation="The expert must document the methods and results that justify the determination; "
        "without the report the claim cannot be verified.",
        ask="Attach the expert's signed report with its methods, results, scope and date.",
        citations=(Citation("45 CFR 164.514(b)(1)(ii)", "law"),),
        facts=(SAFE_HARBOR, "deid.expert.report"),
        test=_expert_determination_without_report,
    ),
    Check(
        code="deidentified_claim_but_identifiable_customer_data",
        title="De-identified training claimed, but customer data is used in identifiable form",
        explanation="The training data is said to be de-identified, yet this customer's data would be "
        "used for training in identifiable form: that use is of PHI and needs a permitted basis.",
        ask="On which HIPAA basis would identifiable customer data train the model, and where does the "
        "BAA permit it?",
        citations=(Citation("45 CFR 164.502(a), 164.502(d), 164.514(a)-(b)", "law"),),
        facts=(SAFE_HARBOR, "deid.customer_data_training"),
        test=_deidentified_claim_but_identifiable_customer_data,
    ),
    Check(
        code="no_patient_data_but_customer_phi_trains",
        title="'No patient data' claimed for training, but this customer's PHI may be used for training",
        explanation="The vendor says no patient data is used for training, yet it processes this "
        "customer's PHI and says customer data may be used to train or improve the model.",
        ask="Will customer data ever train or improve the model? If so, state its HIPAA basis.",
        citations=(Citation("45 CFR 164.502(a), 164.502(d)", "law"),),
        facts=(SAFE_HARBOR, "use.processes_phi", "deid.customer_data_training"),
        test=_no_patient_data_but_customer_phi_trains,
    ),
    Check(
        code="identifiable_training_but_no_phi",
        title="No PHI processed, yet customer data is used for training in identifiable form",
        explanation="Receiving identifiable customer data to train a model is handling PHI on the "
        "customer's behalf, which makes the vendor a business associate.",
        ask="Confirm whether identifiable customer data reaches the vendor; if it does, a BAA is needed.",
        citations=(Citation("45 CFR 160.103 (business associate)", "law"),),
        facts=("use.processes_phi", "deid.customer_data_training"),
        test=_identifiable_training_but_no_phi,
    ),
    Check(
        code="training_not_permitted_by_baa",
        title="Customer data is used for training, but the BAA does not permit it",
        explanation="A business associate may use PHI, or create de-identified data from it, only as its "
        "BAA permits; the answers say the BAA does not permit training use.",
        ask="Either stop training on customer data or propose BAA language that permits it for review.",
        citations=(Citation("45 CFR 164.504(e)(2)(i), 164.502(a)(3), 164.502(d)(1)", "law"),),
        facts=("deid.customer_data_training", "baa.training_permitted"),
        test=_training_not_permitted_by_baa,
        cap_tier="high",
    ),
    Check(
        code="phi_without_baa",
        title="The product processes PHI, but the vendor will not sign a BAA",
        explanation="A covered entity may disclose PHI to a business associate only under a BAA.",
        ask="Will the vendor sign a BAA? Without one, no PHI may be sent to the product.",
        citations=(Citation("45 CFR 164.502(e), 164.504(e)", "law"),),
        facts=("use.processes_phi", "baa.will_sign"),
        test=_phi_without_baa,
        cap_tier="critical",
    ),
    Check(
        code="breach_notice_over_60_days",
        title="Breach notice window longer than the 60 days the rule allows",
        explanation="A business associate must notify the covered entity of a breach of unsecured PHI "
        "without unreasonable delay and no later than 60 calendar days after discovery.",
        ask="Commit to notice without unreasonable delay and within 60 calendar days of discovery "
        "(most buyers ask for far less).",
        citations=(Citation("45 CFR 164.410(b)", "law"),),
        facts=(),
        any_of=("baa.breach_notice_days", "baa.breach_notice_period"),
        test=_breach_notice_over_60_days,
    ),
    Check(
        code="cds_analyzes_images_or_signals",
        title="Non-device CDS claimed, but the product analyzes images, signals or IVD results",
        explanation="Software that acquires, processes or analyzes a medical image, an IVD signal or a "
        "pattern from a signal acquisition system fails the first non-device CDS criterion.",
        ask="Explain how the product meets criterion 1 while it analyzes these inputs, or give its FDA "
        "pathway.",
        citations=(Citation("FD&C Act 520(o)(1)(E) (criterion 1)", "law"),),
        facts=("fda.status", "use.data_modalities"),
        test=_cds_analyzes_images_or_signals,
    ),
    Check(
        code="cds_patient_facing",
        title="Non-device CDS claimed, but the output is shown to patients or caregivers",
        explanation="The non-device CDS exclusion covers recommendations to health care professionals; "
        "patient- or caregiver-facing decision support is generally a device.",
        ask="Who sees the output? If patients do, give the product's FDA pathway.",
        citations=(
            Citation("FD&C Act 520(o)(1)(E) (criterion 3)", "law"),
            Citation("FDA Clinical Decision Support Software guidance (2022, revised 2026)", "guidance"),
        ),
        facts=("fda.status", "use.patient_facing"),
        test=_cds_patient_facing,
    ),
    Check(
        code="cds_time_critical",
        title="Non-device CDS claimed for time-critical decisions",
        explanation="FDA considers output used in time-critical decisions to leave the clinician no "
        "real opportunity to review it independently, so such software tends to be a device.",
        ask="How does a clinician review the basis of a time-critical output before acting on it?",
        citations=(
            Citation("FD&C Act 520(o)(1)(E)", "law"),
            Citation("FDA Clinical Decision Support Software guidance (2022, revised 2026)", "guidance"),
        ),
        facts=("fda.status", "use.time_critical"),
        test=_cds_time_critical,
    ),
    Check(
        code="cds_not_independently_reviewable",
        title="Non-device CDS claimed, but the output replaces the clinician or acts autonomously",
        explanation="The fourth criterion requires the professional to review the basis of the "
        "recommendation independently rather than rely on it; a replacing or autonomous role fails it.",
        ask="Describe the clinician's role: can they review the basis of each output independently?",
        citations=(Citation("FD&C Act 520(o)(1)(E) (criterion 4)", "law"),),
        facts=("fda.status", "use.decision_role"),
        test=_cds_not_independently_reviewable,
    ),
    Check(
        code="device_function_without_device_status",
        title="The product meets the device definition but claims no device status",
        explanation="Analyzing medical images, physiological signals or IVD results is a device "
        "function; 'not a medical device' or 'unknown' leaves the product without an FDA pathway.",
        ask="Give the FDA pathway and submission number, or the legal basis for marketing without one.",
        citations=(Citation("FD&C Act 201(h), 520(o)(1)(E)", "law"),),
        facts=("fda.status", "use.data_modalities"),
        test=_device_function_without_device_status,
        cap_tier="high",
    ),
    Check(
        code="autonomous_but_not_device",
        title="Autonomous or replacing decision role, but the product claims not to be a medical device",
        explanation="Software that makes or replaces a clinician's diagnosis or treatment decision does "
        "not fit any exclusion from the device definition.",
        ask="Give the FDA pathway of a product that decides in place of the clinician.",
        citations=(Citation("FD&C Act 201(h), 520(o)(1)(E) (criterion 4)", "law"),),
        facts=("fda.status", "use.decision_role"),
        test=_autonomous_but_not_device,
    ),
    Check(
        code="pccp_without_authorization",
        title="A PCCP is claimed without an FDA marketing authorization",
        explanation="A predetermined change control plan is authorized as part of a 510(k), De Novo or "
        "PMA; without one there is no authorized PCCP.",
        ask="Give the submission that authorized the PCCP, or correct the PCCP answer.",
        citations=(Citation("FD&C Act 515C (21 U.S.C. 360e-4)", "law"),),
        facts=("fda.pccp", "fda.status"),
        test=_pccp_without_authorization,
    ),
    Check(
        code="authorized_use_narrower",
        title="The authorized intended use is narrower than the declared intended use",
        explanation="Using the product beyond its cleared or approved indications is use outside the "
        "authorization (off-label); a device marketed for that use without its own authorization is "
        "misbranded.",
        ask="Which parts of the intended use lie outside the authorized indications, and is a "
        "submission for them planned?",
        citations=(
            Citation("21 CFR 801.4 (intended use)", "law"),
            Citation("FD&C Act 502(o) (misbranding when marketed without the required authorization)", "law"),
        ),
        facts=("fda.intended_use_match", "use.intended_use"),
        test=_authorized_use_narrower,
    ),
    Check(
        code="submission_number_format",
        title="The FDA submission number does not match the pathway",
        explanation="FDA's databases number 510(k)s K plus 6 digits (BK for those reviewed by CBER), "
        "De Novos DEN plus 6 digits and PMAs P plus 6 digits; a mismatch suggests the wrong pathway or a "
        "wrong number.",
        ask="Check the number against the FDA database entry and give its link.",
        citations=(Citation("FDA 510(k), De Novo and PMA databases (numbering convention)", "guidance"),),
        facts=("fda.status", "fda.submission_number"),
        test=_submission_number_mismatch,
    ),
    Check(
        code="authorization_without_number",
        title="FDA authorization claimed without a submission number",
        explanation="A cleared, granted or approved product has a public submission number that the "
        "buyer can look up in FDA's databases.",
        ask="Give the submission number and the link to its FDA database entry.",
        citations=(
            Citation("FD&C Act 510(k), 513(f)(2), 515", "law"),
            Citation("FDA public device databases", "guidance"),
        ),
        facts=("fda.status", "fda.submission_number"),
        test=_authorization_without_number,
    ),
    Check(
        code="bias_testing_table_empty",
        title="Subgroup testing claimed, but the subgroup table is empty",
        explanation="Per-subgroup performance (n, metric, value, confidence interval) is the evidence "
        "a buyer needs to judge fairness; a claim without the figures cannot be assessed.",
        ask="Fill in the subgroup table with n, metric, value and confidence interval per subgroup.",
        citations=(HTI1_BUYER, SECTION_1557),
        facts=("bias.subgroup_testing", "bias.subgroup_table"),
        test=_bias_testing_table_empty,
    ),
    Check(
        code="bias_testing_table_incomplete",
        title="Subgroup testing claimed, but rows of the subgroup table are incomplete",
        explanation="Every subgroup row needs its n, metric, value and confidence interval.",
        ask="Complete every row of the subgroup table.",
        citations=(HTI1_BUYER, SECTION_1557),
        facts=("bias.subgroup_testing", "bias.subgroup_table"),
        test=_bias_testing_table_incomplete,
    ),
    Check(
        code="bias_table_without_testing",
        title="Subgroup results given although subgroup testing is denied",
        explanation="The answers deny subgroup testing but list subgroup results; one of them is wrong.",
        ask="Which is right: was subgroup testing done, and for which model version?",
        citations=(HTI1_BUYER,),
        facts=("bias.subgroup_testing", "bias.subgroup_table"),
        test=_bias_table_without_testing,
    ),
    # Library version 2 onwards: these read facts that only a question declaring them records.
    Check(
        code="subcontractor_phi_without_baa",
        title="PHI reaches a subcontractor or hosted model provider without a business associate agreement",
        explanation="A business associate may let a subcontractor create, receive, keep or send PHI "
        "only under a written agreement binding it to the same restrictions; hosted model and "
        "foundation-model providers that see prompts with PHI are such subcontractors.",
        ask="For every subcontractor that touches PHI, name it and attach or describe its BAA "
        "(subcontractor agreement), including the hosted model provider.",
        citations=(Citation("45 CFR 164.502(e)(1)(ii), 164.504(e)(5)", "law"),),
        facts=(),
        any_of=("baa.subcontractor_flowdown", "baa.subcontractor_baas", "subcontractors.register"),
        test=_subcontractor_phi_without_baa,
        cap_tier="high",
    ),
    Check(
        code="safe_harbor_with_lds_basis",
        title="Safe Harbor claimed, but a limited data set is given as the legal basis",
        explanation="A limited data set keeps dates and ZIP codes and is still PHI; it cannot be "
        "Safe Harbor de-identified data at the same time.",
        ask="Which is it? A limited data set needs a data use agreement; Safe Harbor data needs every "
        "identifier removed.",
        citations=(Citation("45 CFR 164.514(b)(2), 164.514(e)", "law"),),
        facts=(SAFE_HARBOR, "deid.legal_basis"),
        test=_safe_harbor_with_lds_basis,
    ),
    Check(
        code="expert_determination_outdated",
        title="The Expert Determination is older than the data it is said to cover",
        explanation="A determination judges the data the expert examined; data collected after its date "
        "was not part of that judgement.",
        ask="Provide a determination dated after the last data it covers, or state which data it covered.",
        citations=(
            Citation("45 CFR 164.514(b)(1)", "law"),
            Citation("HHS OCR de-identification guidance (26 Nov 2012)", "guidance"),
        ),
        facts=(SAFE_HARBOR, "deid.expert.report_date", "deid.expert.data_through"),
        test=_expert_determination_outdated,
    ),
    Check(
        code="expert_determination_data_added",
        title="Data was added or combined since the Expert Determination",
        explanation="Combining data sets or adding data changes the risk of re-identification the "
        "expert judged, so the determination may no longer hold.",
        ask="Has the expert re-assessed the combined data? Attach the updated determination.",
        citations=(
            Citation("45 CFR 164.514(b)(1)", "law"),
            Citation("HHS OCR de-identification guidance (26 Nov 2012)", "guidance"),
        ),
        facts=(SAFE_HARBOR, "deid.expert.data_combined_since"),
        test=_expert_determination_data_added,
    ),
    Check(
        code="expert_determination_scope_omits_training",
        title="The Expert Determination does not cover the training data",
        explanation="Expert Determination is claimed for the training data, but the determination's "
        "scope leaves the training data out.",
        ask="Provide a determination whose scope includes the training data.",
        citations=(Citation("45 CFR 164.514(b)(1)", "law"),),
        facts=(SAFE_HARBOR, "deid.expert.scope"),
        test=_expert_determination_scope_omits_training,
    ),
    Check(
        code="lds_without_dua",
        title="A limited data set is used without a data use agreement",
        explanation="A limited data set may be used or disclosed only under a data use agreement.",
        ask="Attach the data use agreement that covers the limited data set.",
        citations=(Citation("45 CFR 164.514(e)(4)", "law"),),
        facts=(SAFE_HARBOR, "deid.lds.dua"),
        test=_lds_without_dua,
        cap_tier="high",
    ),
    Check(
        code="lds_dua_incomplete",
        title="The data use agreement lacks elements the rule requires",
        explanation="A data use agreement must set the permitted uses and who may use the data, and bind "
        "the recipient to no further disclosure, safeguards, reporting, the same terms for its agents, "
        "and not identifying or contacting anyone.",
        ask="Which required elements are missing from the agreement, and when will it be amended?",
        citations=(Citation("45 CFR 164.514(e)(4)(ii)", "law"),),
        facts=(SAFE_HARBOR, "deid.lds.dua", "deid.lds.dua_elements"),
        test=_lds_dua_incomplete,
    ),
    Check(
        code="intended_ages_unvalidated",
        title="The intended population's ages reach beyond the validated ones",
        explanation="The product is meant for ages that no validation population covered, so its "
        "performance there is unknown.",
        ask="Provide validation results for the ages outside the validated range, or narrow the "
        "intended population.",
        citations=(
            Citation("FDA AI-enabled device software functions draft guidance (7 Jan 2025)", "guidance"),
            Citation(
                "45 CFR 170.315(b)(11)(iv)(B)(5) validity attributes (asked as a buyer requirement)",
                "voluntary",
            ),
        ),
        facts=("population.intended.age_min", "population.intended.age_max", "population.validation"),
        test=_intended_ages_unvalidated,
    ),
    Check(
        code="intended_settings_unvalidated",
        title="The product is intended for care settings no validation covered",
        explanation="Performance seldom transfers between care settings unchanged; settings outside "
        "the validated ones are untested.",
        ask="Provide validation results for the unvalidated settings, or exclude them from the intended use.",
        citations=(
            Citation("FDA AI-enabled device software functions draft guidance (7 Jan 2025)", "guidance"),
        ),
        facts=("population.intended.settings", "population.validated.settings"),
        test=_intended_settings_unvalidated,
    ),
    Check(
        code="evidence_for_other_version",
        title="Evidence describes a model version other than the one being bought",
        explanation="Validation, subgroup, bias or transparency results of another model version say "
        "little about the version offered.",
        ask="Provide the evidence for the version offered, or the comparison that shows the results "
        "still hold for it.",
        citations=(
            Citation("FDA PCCP final guidance (Dec 2024), version control and maintenance", "guidance"),
        ),
        facts=("model.version.offered",),
        any_of=(*VERSION_EVIDENCE, "population.validation"),
        test=_evidence_for_other_version,
    ),
    Check(
        code="authorized_version_differs",
        title="The FDA authorization covers a model version other than the one being bought",
        explanation="A change outside an authorized PCCP may need its own submission; the offered "
        "version may not be the authorized device.",
        ask="Is the offered version covered by the authorization or by an authorized PCCP? Give the "
        "submission.",
        citations=(Citation("FD&C Act 515C", "law"), Citation("21 CFR 807.81(a)(3)", "law")),
        facts=("fda.status", "model.version.offered", "fda.authorized_model_version"),
        test=_authorized_version_differs,
    ),
    Check(
        code="pccp_outside_scope",
        title="The PCCP plans changes a PCCP may not cover",
        explanation="A PCCP covers specified changes within the device's intended use; a new intended "
        "use, a new population or a new kind of input needs its own marketing submission.",
        ask="Which submission will cover the planned change of intended use, population or input type?",
        citations=(
            Citation(
                "FDA PCCP for AI-enabled device software functions, final guidance (Dec 2024)", "guidance"
            ),
            Citation("FD&C Act 515C", "law"),
        ),
        facts=("pccp.modification_types",),
        test=_pccp_outside_scope,
    ),
    Check(
        code="continuous_updates_without_pccp",
        title="Continuous model updates on an authorized device with no authorized PCCP",
        explanation="Without an authorized PCCP, a change that could significantly affect a device's "
        "safety or effectiveness needs a new submission before release.",
        ask="Which submission covers each update, or will the model be locked until a PCCP is authorized?",
        citations=(Citation("FD&C Act 515C", "law"), Citation("21 CFR 807.81(a)(3)", "law")),
        facts=("change.update_cadence", "fda.status", "fda.pccp"),
        test=_continuous_updates_without_pccp,
    ),
    Check(
        code="protected_inputs_without_subgroups",
        title="Inputs measure race, color, national origin, sex, age or disability without matching "
        "subgroup results",
        explanation="Since 1 May 2025 the buyer must make reasonable efforts to identify tools whose "
        "inputs measure these characteristics and to mitigate the risk of discrimination; subgroup "
        "results for each measured characteristic are the evidence it needs.",
        ask="Provide subgroup results for every characteristic an input measures, and the mitigation.",
        citations=(
            Citation("45 CFR 92.210(b)-(c) (binds the buyer as a covered entity; from 1 May 2025)", "law"),
        ),
        facts=("bias.protected_inputs", "bias.subgroups_tested"),
        test=_protected_inputs_without_subgroups,
    ),
    Check(
        code="authorized_status_denied",
        title="An FDA authorization is claimed and denied",
        explanation="The status says cleared, granted or approved, yet another answer says the product "
        "holds no FDA authorization.",
        ask="Which is right? Give the submission number if there is an authorization.",
        citations=(Citation("FD&C Act 510(k), 513(f)(2), 515", "law"),),
        facts=("fda.status", "fda.has_authorization"),
        test=_authorized_status_denied,
    ),
    Check(
        code="cds_generative",
        title="Non-device CDS claimed for a product that generates content",
        explanation="Generated output that a clinician cannot trace to its sources is hard to review "
        "independently, which the fourth non-device CDS criterion requires.",
        ask="How does the clinician review the basis of each generated output? Give the FDA analysis.",
        citations=(
            Citation("FD&C Act 520(o)(1)(E) (criterion 4)", "law"),
            Citation("FDA Clinical Decision Support Software guidance (revised 6 Jan 2026)", "guidance"),
        ),
        facts=("fda.status", "use.generative_output"),
        test=_cds_generative,
    ),
    Check(
        code="us_only_but_offshore",
        title="'US only' claimed, but the BAA answers store or access data offshore",
        explanation="The security answers say all data stays in the US while the BAA answers allow "
        "offshore storage or access; US storage may be required by state law.",
        ask="List every region where data is stored, backed up or accessed, including subcontractors.",
        citations=(
            Citation("Texas SB 1188 (2025): EHRs of Texas patients kept in the US from 1 Jan 2026", "law"),
        ),
        facts=("residency.us_only_claimed", "residency.storage"),
        test=_us_only_but_offshore,
    ),
    # Evidence documents as the vendor describes them (type, issuer, period, model version).
    Check(
        code="document_for_other_version",
        title="An evidence document describes a model version other than the one being bought",
        explanation="The vendor describes an attached document as being about a model version that "
        "is neither the version offered nor the FDA-authorized one, so its results may not hold for "
        "the version bought.",
        ask="Provide the document for the version offered, or show why its results still hold for it.",
        citations=(
            Citation("FDA PCCP final guidance (Dec 2024), version control and maintenance", "guidance"),
        ),
        facts=("model.version.offered", DOCUMENTS),
        test=_document_for_other_version,
    ),
    Check(
        code="document_expired",
        title="An evidence document has expired",
        explanation="A certificate, report or agreement past its expiry date no longer attests what "
        "the answer relies on.",
        ask="Upload the current document (renewed certificate, report or agreement) with its dates.",
        citations=(Citation("Buyer evidence requirement (document expiry dates)", "voluntary"),),
        facts=(DOCUMENTS,),
        test=_document_expired,
    ),
    Check(
        code="attestation_period_outdated",
        title="A SOC 2, HITRUST or penetration test covers a period that ended over a year ago",
        explanation="An attestation describes controls during the period it covers; a period that "
        "ended more than twelve months ago says little about the controls today, and a bridge letter "
        "only covers a short gap.",
        ask="Provide the latest report, or a bridge letter and the date of the next report.",
        citations=(
            Citation("AICPA SOC 2 Type II reporting practice (period covered, bridge letters)", "voluntary"),
        ),
        facts=(DOCUMENTS,),
        test=_attestation_period_outdated,
    ),
    Check(
        code="document_type_mismatch",
        title="A document of another type is attached to a question that expects a specific one",
        explanation="The question asks for one kind of document (for example the BAA), but the vendor "
        "describes the attached document as something else (for example a penetration test).",
        ask="Attach the document the question asks for, or correct the document's description.",
        citations=(Citation("Buyer evidence requirement (document types per question)", "voluntary"),),
        facts=(DOCUMENTS,),
        test=_document_type_mismatch,
    ),
    Check(
        code="hti1_attributes_all_na_via_ehr",
        title="All HTI-1 source attributes marked not applicable because a certified EHR supplies the "
        "product",
        explanation="The HTI-1 duty to provide source attributes binds the certified EHR developer "
        "that supplies the intervention, not this vendor; but that developer gets the attributes from "
        "the vendor, and the buyer needs them either way to judge the model.",
        ask="Answer the source attributes anyway, or attach what the vendor gave the EHR developer.",
        citations=(
            Citation(
                "45 CFR 170.315(b)(11)(iv) (binds certified health IT developers; the vendor itself is "
                "not the regulated party)",
                "law",
            ),
            Citation("HTI-5 proposed rule, 90 FR 60970 (29 Dec 2025), would remove it", "proposed"),
        ),
        facts=("hti1.supplied_via_certified_ehr", HTI1_ATTRIBUTES),
        test=_hti1_attributes_all_na_via_ehr,
    ),
)


def run_checks(
    *,
    facts: Mapping[str, Any],
    files: Mapping[str, int] | None = None,
    sources: Mapping[str, str] | None = None,
    today: datetime.date | None = None,
) -> list[CheckFinding]:
    """Findings of every check whose facts are recorded by visible questions (keys of `facts`).

    `sources` maps a fact to the key of the question that recorded it (default: the fact's name).
    """
    values = Facts(values=facts, files=files or {}, today=today)
    sources = sources or {}
    findings = []
    for check in CHECKS:
        if not _assessable(check, facts):
            continue
        if check.test(values):
            findings.append(
                CheckFinding(
                    code=check.code,
                    title=check.title,
                    detail=check.explanation,
                    ask=check.ask,
                    citation=check.citation,
                    citations=check.citations,
                    facts=tuple((name, sources.get(name, name)) for name in check.reads if name in facts),
                    cap_tier=check.cap_tier,
                )
            )
    return findings


def _assessable(check: Check, recorded: Collection[str]) -> bool:
    return all(name in recorded for name in check.facts) and (
        not check.any_of or any(name in recorded for name in check.any_of)
    )


def not_assessable(*, asked: Collection[str]) -> list[NotAssessable]:
    """The checks a template cannot run at all: a fact they need is recorded by none of its questions."""
    return [
        NotAssessable(
            code=check.code,
            title=check.title,
            missing=tuple(n for n in check.facts if n not in asked) or check.any_of,
        )
        for check in CHECKS
        if not _assessable(check, asked)
    ]
