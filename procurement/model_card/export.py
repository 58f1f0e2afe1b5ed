"""An evaluation's answers written as a CHAI Applied Model Card (v0.2) that validates against the schema.

Each element of the card takes the first answered question named for it; an element the schema
requires and no answer covers says so in words ("Not stated in this evaluation."), never by
guessing. Unconfirmed prefilled answers are not answers and are left out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from lxml import etree

from procurement.model_card.mapping import NOT_STATED
from procurement.model_card.parsing import NAMESPACE, SCHEMA_VERSION, card_schema
from procurement.selectors import evaluation_snapshot

if TYPE_CHECKING:
    from procurement.models import Evaluation

TEXT_TYPES = {"short_text", "long_text", "url", "date"}

# (element, question keys in order of preference); None marks an element filled another way.
BASIC_INFO = (
    ("ModelName", None),
    ("ModelDeveloper", None),
    ("DeveloperContact", ("hti.p01_developer_contact",)),
)
RELEASE_INFO = (
    ("ReleaseStage", None),
    ("ReleaseDate", None),
    ("ReleaseVersion", None),
    ("GlobalAvailability", None),
)
USES = (
    ("IntendedUseAndWorkflow", ("use.intended_use", "hti.p05_intended_use")),
    ("PrimaryIntendedUsers", ("hti.p07_intended_users", "use.intended_users")),
    ("HowToUse", ("use.human_oversight",)),
    ("TargetedPatientPopulation", ("use.patient_population", "hti.p06_patient_population")),
    ("CautionedOutOfScopeSettings", ("use.out_of_scope", "hti.p09_cautioned_uses")),
)
WARNINGS = (
    ("KnownRisksAndLimitations", ("hti.p10_known_risks",)),
    ("KnownBiasesOrEthicalConsiderations", ("hti.p15_fairness_approach", "hti.p12_demographic_inputs")),
    # The hospital's risk tier is its own judgment, not the developer's clinical risk level.
    ("ClinicalRiskLevel", ()),
)
FACTS = (
    ("OutcomesAndOutputs", ("hti.p03_output_value",)),
    ("ModelType", ("use.output_type", "hti.p04_output_type")),
    ("FoundationModels", ("use.foundation_models",)),  # optional: left out when not answered
    ("InputDataSource", ("data.sources",)),
    ("OutputAndInputDataTypes", ("use.data_modalities",)),
    ("DevelopmentDataCharacterization", ("hti.p13_training_representativeness", "data.inclusion_exclusion")),
    ("BiasMitigationApproaches", ("bias.mitigation", "hti.p16_bias_management")),
    ("OngoingMaintenance", ("hti.p30_update_process", "change.update_cadence")),
)
OPTIONAL = {"FoundationModels"}
METRICS = (
    ("UsefulnessUsabilityEfficacy", "hti.p21_validity_internal", ("hti.p17_external_data_source",)),
    ("FairnessEquity", "hti.p22_fairness_internal", ("hti.p19_external_representativeness",)),
    ("SafetyReliability", "hti.p23_validity_external", ("hti.p20_external_process",)),
)


class _Answers:
    def __init__(self, evaluation: Evaluation) -> None:
        snapshot = evaluation_snapshot(evaluation)
        self.texts: dict[str, str] = {}
        self.tables: dict[str, list[dict]] = {}
        for question in snapshot.questions:
            if not snapshot.state.is_visible(question) or not snapshot.state.is_answered(question):
                continue
            answer = snapshot.answers.get(question.pk)
            if answer is None or answer.is_not_applicable:
                continue
            if question.type == "table" and isinstance(answer.value, list):
                self.tables[question.key] = answer.value
            elif question.type in TEXT_TYPES and isinstance(answer.value, str):
                self.texts[question.key] = answer.value
            elif question.type != "file":
                self.texts[question.key] = snapshot.display(question)["text"]

    def first(self, keys: tuple[str, ...] | None) -> str:
        return next((self.texts[k] for k in keys or () if self.texts.get(k)), "")


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        node.text = text
    return node


def _results(parent: etree._Element, rows: list[dict]) -> None:
    results = _add(parent, "Results")
    for row in rows:
        result = _add(results, "MetricResult")
        label = str(row.get("metric") or row.get("subgroup") or "Result")
        _add(result, "Label", label)
        _add(result, "ValueJson", json.dumps({k: v for k, v in row.items() if k != "metric"}, sort_keys=True))
    if not rows:
        result = _add(results, "MetricResult")
        _add(result, "Label", NOT_STATED)
        _add(result, "ValueJson", "null")


def build_card(evaluation: Evaluation) -> bytes:
    """The card as UTF-8 XML bytes; validated before it is returned (a failure is our bug)."""
    answers = _Answers(evaluation)
    product = evaluation.product
    root = etree.Element(f"{{{NAMESPACE}}}AppliedModelCard", nsmap={None: NAMESPACE})
    basic = _add(root, "BasicInfo")
    _add(basic, "ModelName", product.name)
    _add(basic, "ModelDeveloper", product.vendor.legal_name)
    _add(basic, "DeveloperContact", answers.first(BASIC_INFO[2][1]) or NOT_STATED)
    release = _add(root, "ReleaseInfo")
    _add(release, "ReleaseStage", NOT_STATED)
    _add(release, "ReleaseDate", NOT_STATED)
    _add(release, "ReleaseVersion", product.version or NOT_STATED)
    _add(release, "GlobalAvailability", NOT_STATED)
    if status := answers.first(("fda.status",)):
        # As the vendor declared it to this hospital; prose in the card, as the schema has it.
        _add(release, "RegulatoryApproval", f"FDA status declared by the vendor: {status}")
    summary = _add(root, "ModelSummary")
    _add(summary, "Summary", answers.first(("hti.p03_output_value", "use.intended_use")) or NOT_STATED)
    _add(summary, "Keywords")
    for group, fields in (("UsesAndDirections", USES), ("Warnings", WARNINGS)):
        node = _add(root, group)
        for name, keys in fields:
            _add(node, name, answers.first(keys) or NOT_STATED)
    trust = _add(root, "TrustIngredients")
    facts = _add(trust, "AISystemFacts")
    for name, keys in FACTS:
        text = answers.first(keys)
        if text or name not in OPTIONAL:
            _add(facts, name, text or NOT_STATED)
    transparency = _add(trust, "TransparencyInformation")
    _add(transparency, "FundingSource", answers.first(("hti.p02_funding_source",)) or NOT_STATED)
    _add(transparency, "StakeholdersConsulted", NOT_STATED)
    metrics = _add(root, "KeyMetrics")
    for name, table_key, data_keys in METRICS:
        metric = _add(metrics, name)
        _add(metric, "MetricGoal", NOT_STATED)
        _results(metric, answers.tables.get(table_key, []))
        _add(metric, "Interpretation", NOT_STATED)
        _add(metric, "TestType", NOT_STATED)
        _add(metric, "TestingDataDescription", answers.first(data_keys) or NOT_STATED)
        _add(
            metric,
            "ValidationProcessAndJustification",
            answers.first(("hti.p20_external_process",)) or NOT_STATED,
        )
    resources = _add(root, "Resources")
    references = answers.first(("hti.p25_outcome_evaluations",))
    if references:
        _add(resources, "EvaluationReferences", references)
    _add(resources, "PeerReviewedPublications", NOT_STATED)
    _add(resources, "PatientConsentOrDisclosure", NOT_STATED)
    _add(root, "Bibliography", "")
    card_schema().assertValid(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def card_filename(evaluation: Evaluation) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in str(evaluation.product)).strip("-")[:80] or "model"
    return f"{safe}-applied-model-card-{SCHEMA_VERSION}.xml"
