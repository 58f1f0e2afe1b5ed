"""The fact vocabulary: the canonical facts a question may record, whatever its key or template.

Consistency checks read facts, not question keys, so an organization's own template that asks the
same facts gets the same checks. A question declares the fact it records (`Question.fact`). The
questions of library version 1 declare none; for them the facts the version 1 checks read are named
exactly like the version 1 question keys (`legacy`), so those evaluations keep scoring as before.
Facts added since are recorded only by a question that declares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

FACT_TYPES = ("yes_no", "choice", "choices", "text", "number", "date", "file", "table")


@dataclass(frozen=True)
class Fact:
    name: str
    type: str
    description: str
    # Recorded by a question of the same key that declares no fact (library version 1).
    legacy: bool = False
    # Built by the engine from evidence files or marked questions; no question declares it.
    derived: bool = False


FACTS: tuple[Fact, ...] = (
    # Intended use
    Fact("use.intended_use", "text", "The intended use as the vendor states it.", legacy=True),
    Fact("use.data_modalities", "choices", "The kinds of input data the product uses.", legacy=True),
    Fact("use.decision_role", "choice", "How far the clinician relies on the output.", legacy=True),
    Fact(
        "use.time_critical", "yes_no", "Whether the output is used in time-critical decisions.", legacy=True
    ),
    Fact("use.patient_facing", "yes_no", "Whether patients or caregivers see the output.", legacy=True),
    Fact("use.processes_phi", "yes_no", "Whether the product handles the customer's PHI.", legacy=True),
    Fact("use.generative_output", "yes_no", "Whether the product generates text, images or other content."),
    # Populations
    Fact("population.intended.age_min", "number", "Youngest age (years) of the intended population."),
    Fact("population.intended.age_max", "number", "Oldest age (years) of the intended population."),
    Fact("population.intended.settings", "choices", "Care settings the product is intended for."),
    Fact(
        "population.training",
        "table",
        "The training population as rows (ages, sex, settings, sites, period).",
    ),
    Fact(
        "population.validation",
        "table",
        "Each validation population as a row, with the model version tested.",
    ),
    Fact(
        "population.validated.settings", "choices", "Care settings covered by at least one validation study."
    ),
    # Model versions
    Fact("model.version.offered", "text", "The model version being bought."),
    Fact("evidence.subgroup.model_version", "text", "The model version the subgroup table describes."),
    Fact("evidence.bias.model_version", "text", "The model version the bias assessment describes."),
    Fact(
        "evidence.hti1.model_version", "text", "The model version the HTI-1 performance attributes describe."
    ),
    Fact("fda.authorized_model_version", "text", "The model version the FDA authorization covers."),
    # HIPAA de-identification
    Fact("deid.method_training", "choice", "The HIPAA basis of the training data.", legacy=True),
    Fact("deid.legal_basis", "choices", "Every legal basis the vendor gives for using the training data."),
    Fact(
        "deid.safe_harbor.dates_beyond_year",
        "yes_no",
        "Safe Harbor data keeps dates finer than the year.",
        legacy=True,
    ),
    Fact(
        "deid.safe_harbor.full_zip",
        "yes_no",
        "Safe Harbor data keeps ZIP codes beyond 3 digits.",
        legacy=True,
    ),
    Fact(
        "deid.safe_harbor.ages_over_89", "yes_no", "Safe Harbor data keeps exact ages over 89.", legacy=True
    ),
    Fact(
        "deid.safe_harbor.actual_knowledge",
        "yes_no",
        "The vendor knows the data could identify people.",
        legacy=True,
    ),
    Fact("deid.expert.report", "file", "The written Expert Determination.", legacy=True),
    Fact("deid.expert.report_date", "date", "The date of the Expert Determination."),
    Fact("deid.expert.data_through", "date", "The latest date of the data the determination covers."),
    Fact("deid.expert.scope", "choices", "The data sets the determination covers."),
    Fact("deid.expert.data_combined_since", "yes_no", "Data was added or combined since the determination."),
    Fact("deid.expert.independent", "yes_no", "The expert is independent of the vendor."),
    Fact("deid.lds.dua", "yes_no", "A data use agreement covers the limited data set."),
    Fact(
        "deid.lds.dua_elements", "choices", "The elements of 45 CFR 164.514(e)(4)(ii) the agreement contains."
    ),
    Fact(
        "deid.customer_data_training",
        "choice",
        "Whether and how customer data trains the model.",
        legacy=True,
    ),
    # Business associate agreement and subcontractors
    Fact("baa.will_sign", "choice", "Whether and on whose paper the vendor signs a BAA.", legacy=True),
    Fact("baa.breach_notice_days", "number", "Breach notice period (calendar days).", legacy=True),
    Fact("baa.breach_notice_period", "text", "The breach notice period as the vendor writes it."),
    Fact("baa.training_permitted", "yes_no", "The BAA permits training on customer data.", legacy=True),
    Fact("baa.subcontractor_flowdown", "yes_no", "The BAA flows its terms down to subcontractors."),
    Fact("baa.subcontractor_baas", "yes_no", "Every subcontractor touching PHI has signed a BAA."),
    Fact(
        "subcontractors.register",
        "table",
        "Subcontractors: service, PHI access, location, agreement, retention.",
    ),
    Fact(
        "residency.storage",
        "choice",
        "Where PHI is stored and accessed (US only, offshore access, offshore storage).",
    ),
    Fact("residency.us_only_claimed", "yes_no", "The vendor claims all data stays in the US."),
    # FDA
    Fact("fda.status", "choice", "The product's FDA regulatory status.", legacy=True),
    Fact("fda.submission_number", "text", "The FDA submission number.", legacy=True),
    Fact(
        "fda.has_authorization", "yes_no", "The vendor says the product holds an FDA marketing authorization."
    ),
    Fact(
        "fda.intended_use_match",
        "choice",
        "How the authorized indications compare with the intended use.",
        legacy=True,
    ),
    Fact("fda.pccp", "choice", "The state of the product's PCCP.", legacy=True),
    Fact("pccp.modification_types", "choices", "The kinds of change the PCCP plans."),
    Fact(
        "change.update_cadence", "choice", "How the model is updated (locked, scheduled, ad hoc, continuous)."
    ),
    # Bias, Section 1557
    Fact("bias.subgroup_testing", "yes_no", "Subgroup performance testing was done.", legacy=True),
    Fact("bias.subgroup_table", "table", "Subgroup performance results.", legacy=True),
    Fact(
        "bias.protected_inputs",
        "choices",
        "Inputs that measure race, color, national origin, sex, age or disability.",
    ),
    Fact("bias.subgroups_tested", "choices", "The characteristics subgroup results are given for."),
    # ONC HTI-1 source attributes
    Fact(
        "hti1.supplied_via_certified_ehr",
        "yes_no",
        "The product reaches the buyer through a certified EHR developer's health IT.",
    ),
    Fact(
        "hti1.source_attributes",
        "table",
        "Each asked HTI-1 source attribute (options.source_attribute) as answered, not applicable or blank.",
        derived=True,
    ),
    # Evidence documents as described by the vendor
    Fact(
        "evidence.documents",
        "table",
        "Every current evidence file of a visible question: type, issuer, period, model version, dates.",
        derived=True,
    ),
)

FACTS_BY_NAME: dict[str, Fact] = {fact.name: fact for fact in FACTS}
LEGACY_NAMES = frozenset(fact.name for fact in FACTS if fact.legacy)
DERIVED_NAMES = frozenset(fact.name for fact in FACTS if fact.derived)


def fact_errors(name: Any) -> list[str]:
    """Problems of a declared fact name (empty: none, or a fact of the vocabulary)."""
    if name in DERIVED_NAMES:
        return [f"{name!r} is built from the evidence and cannot be declared by a question."]
    if name in ("", None) or name in FACTS_BY_NAME:
        return []
    return [f"{name!r} is not a fact of the vocabulary."]


def fact_of(key: str, declared: str) -> str:
    """The fact a question records: the one it declares, else a legacy fact named like its key."""
    if declared:
        return declared
    return key if key in LEGACY_NAMES else ""


def question_facts(questions: Iterable[tuple[str, str]]) -> dict[str, str]:
    """fact -> the key of the question that records it, for (key, declared fact) pairs; first one wins."""
    sources: dict[str, str] = {}
    for key, declared in questions:
        sources.setdefault(fact_of(key, declared), key)
    sources.pop("", None)
    return sources
