"""Which element of a CHAI Applied Model Card answers which question of the shipped library.

This is our own table. Most card elements are free prose, so each maps only to questions that ask
for prose about the same thing (the HTI-1 source attributes, the intended use): a card's
"RegulatoryApproval" or "ClinicalRiskLevel" text is not a regulatory status, so no choice question
is ever answered from prose, and judging what the text says is left to the vendor's confirmation
and to the reviewers. A question may be named by several elements; the first one present wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from procurement.model_card.parsing import NAMESPACE

NS = {"mc": NAMESPACE}
# What an exported card says where no answer covered an element; never read back as an answer.
NOT_STATED = "Not stated in this evaluation."
_SPACE = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def text_of(root: etree._Element, path: str) -> str:
    """The element's text with its whitespace tidied (the card's line breaks between paragraphs kept)."""
    node = root.find(path, NS)
    if node is None:
        return ""
    raw = "".join(node.itertext())
    lines = [_SPACE.sub(" ", line).strip() for line in raw.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _joined(*paths: str, sep: str = ", ") -> Callable[[etree._Element], str]:
    def read(root: etree._Element) -> str:
        return sep.join(part for path in paths if (part := text_of(root, path)) and part != NOT_STATED)

    return read


def _single(path: str) -> Callable[[etree._Element], str]:
    return lambda root: text_of(root, path)


@dataclass(frozen=True)
class CardField:
    """One card element (or a few read together) and the questions its text answers."""

    element: str  # as shown to the vendor
    read: Callable[[etree._Element], str]
    keys: tuple[str, ...]


BASIC = "mc:BasicInfo/mc:"
RELEASE = "mc:ReleaseInfo/mc:"
USES = "mc:UsesAndDirections/mc:"
WARNINGS = "mc:Warnings/mc:"
FACTS = "mc:TrustIngredients/mc:AISystemFacts/mc:"
TRANSPARENCY = "mc:TrustIngredients/mc:TransparencyInformation/mc:"
RESOURCES = "mc:Resources/mc:"

CARD_FIELDS: tuple[CardField, ...] = (
    CardField(
        "BasicInfo/ModelName + ReleaseInfo/ReleaseVersion",
        _joined(BASIC + "ModelName", RELEASE + "ReleaseVersion", sep=" "),
        ("use.product_name_version",),
    ),
    CardField(
        "BasicInfo/ModelDeveloper + DeveloperContact",
        _joined(BASIC + "ModelDeveloper", BASIC + "DeveloperContact"),
        ("hti.p01_developer_contact",),
    ),
    CardField(
        "TransparencyInformation/FundingSource",
        _single(TRANSPARENCY + "FundingSource"),
        ("hti.p02_funding_source",),
    ),
    CardField(
        "AISystemFacts/OutcomesAndOutputs", _single(FACTS + "OutcomesAndOutputs"), ("hti.p03_output_value",)
    ),
    CardField(
        "UsesAndDirections/IntendedUseAndWorkflow",
        _single(USES + "IntendedUseAndWorkflow"),
        ("use.intended_use", "hti.p05_intended_use"),
    ),
    CardField(
        "UsesAndDirections/TargetedPatientPopulation",
        _single(USES + "TargetedPatientPopulation"),
        ("use.patient_population", "hti.p06_patient_population"),
    ),
    CardField(
        "UsesAndDirections/PrimaryIntendedUsers",
        _single(USES + "PrimaryIntendedUsers"),
        ("hti.p07_intended_users",),
    ),
    CardField(
        "UsesAndDirections/CautionedOutOfScopeSettings",
        _single(USES + "CautionedOutOfScopeSettings"),
        ("use.out_of_scope", "hti.p09_cautioned_uses"),
    ),
    CardField(
        "Warnings/KnownRisksAndLimitations",
        _single(WARNINGS + "KnownRisksAndLimitations"),
        ("hti.p10_known_risks",),
    ),
    CardField(
        "AISystemFacts/DevelopmentDataCharacterization",
        _single(FACTS + "DevelopmentDataCharacterization"),
        ("hti.p13_training_representativeness",),
    ),
    CardField(
        "AISystemFacts/BiasMitigationApproaches",
        _single(FACTS + "BiasMitigationApproaches"),
        ("bias.mitigation", "hti.p16_bias_management"),
    ),
    CardField(
        "AISystemFacts/OngoingMaintenance", _single(FACTS + "OngoingMaintenance"), ("hti.p30_update_process",)
    ),
    CardField(
        "AISystemFacts/FoundationModels", _single(FACTS + "FoundationModels"), ("use.foundation_models",)
    ),
    CardField(
        "Resources/EvaluationReferences + PeerReviewedPublications",
        _joined(RESOURCES + "EvaluationReferences", RESOURCES + "PeerReviewedPublications", sep="\n\n"),
        ("hti.p25_outcome_evaluations",),
    ),
)

_HTI_KEY = re.compile(r"^hti\.p(\d{2})_")


def hti_attribute(key: str) -> int | None:
    """The HTI-1 source attribute number (1-31) a library question asks for, or None."""
    match = _HTI_KEY.match(key)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class CardAnswer:
    key: str
    value: str
    element: str


def card_answers(root: etree._Element) -> list[CardAnswer]:
    """What a validated card says, question by question, in the table's order (empty text skipped)."""
    found: dict[str, CardAnswer] = {}
    for card_field in CARD_FIELDS:
        value = card_field.read(root)
        if not value or value == NOT_STATED:
            continue
        for key in card_field.keys:
            found.setdefault(key, CardAnswer(key=key, value=value, element=card_field.element))
    return list(found.values())
