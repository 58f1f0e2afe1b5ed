"""What an evidence document says it is: its type, issuer, period covered and model version.

The vendor describes each uploaded document; the consistency checks read these descriptions as the
fact `evidence.documents` (one `Document` per current file of a visible question). A file question
may declare the document types it expects (`options.document_types`), so that a pen test attached
to the BAA question is noticed.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DOCUMENT_TYPES: tuple[tuple[str, str], ...] = (
    ("validation_study", "Validation study"),
    ("subgroup_analysis", "Subgroup or bias analysis"),
    ("fda_authorization", "FDA authorization letter or decision summary"),
    ("baa", "Business associate agreement"),
    ("soc2", "SOC 2 report"),
    ("hitrust", "HITRUST certificate or report"),
    ("iso27001", "ISO/IEC 27001 certificate"),
    ("iso42001", "ISO/IEC 42001 certificate"),
    ("pen_test", "Penetration test report"),
    ("expert_determination", "Expert Determination report"),
    ("dua", "Data use agreement"),
    ("pccp", "Predetermined change control plan (PCCP)"),
    ("model_card", "Model card"),
    ("insurance", "Insurance certificate"),
    ("other", "Other"),
)
DOCUMENT_TYPE_VALUES = frozenset(value for value, _ in DOCUMENT_TYPES)
DOCUMENT_TYPE_LABELS = dict(DOCUMENT_TYPES)
# Attestations describe controls over a period; one whose period ended over a year ago is stale.
PERIOD_ATTESTATIONS = ("soc2", "hitrust", "pen_test")
ATTESTATION_MAX_AGE_DAYS = 365


@dataclass(frozen=True)
class Document:
    """One current evidence file as the checks see it."""

    question: str
    document_type: str = ""
    issuer: str = ""
    model_version: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    effective_on: datetime.date | None = None
    expires_on: datetime.date | None = None
    # The types the question it is attached to expects (empty: any).
    expected_types: tuple[str, ...] = ()


def expected_types(options: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The document types a question declares it expects, known types only."""
    declared = (options or {}).get("document_types")
    if not isinstance(declared, list):
        return ()
    return tuple(t for t in declared if t in DOCUMENT_TYPE_VALUES)


def document_types_errors(options: Mapping[str, Any] | None) -> list[str]:
    """Problems of a question's declared document types (for template validation)."""
    declared = (options or {}).get("document_types")
    if declared is None:
        return []
    if not isinstance(declared, list):
        return ["document_types must be a list."]
    unknown = sorted(str(t) for t in declared if t not in DOCUMENT_TYPE_VALUES)
    return [f"unknown document types: {', '.join(unknown)}."] if unknown else []


def documents_of(
    described: Mapping[str, Sequence[Document]], keys: Sequence[str], options: Mapping[str, Mapping]
) -> tuple[Document, ...]:
    """The documents of the given question keys, each told which types its question expects."""
    return tuple(
        dataclasses.replace(doc, question=key, expected_types=expected_types(options.get(key)))
        for key in keys
        for doc in described.get(key, ())
    )
