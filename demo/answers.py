"""Plausible vendor answers for the demo data, generated from the questionnaire itself.

Only the answers that make a demo vendor what it is (its FDA pathway, its de-identification
method, its BAA terms...) are written out per vendor; every other answer is derived from the
question's type, options and scoring rule, so the demo stays submittable when the library
questionnaire gains or changes questions. Pure functions: saving goes through the portal services.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from demo.profiles import (  # noqa: F401
    COMMON_TEXTS,
    FILE,
    GENERIC_TEXT,
    PROFILES,
    REPRESENTATION_ROWS,
    SUBGROUP_ROWS,
    VendorProfile,
)
from questionnaires.engine.documents import PERIOD_ATTESTATIONS, expected_types
from questionnaires.engine.rules import QuestionRef, visible_keys

# ---------------------------------------------------------------------------------------------
# Texts. Keys are question keys or key prefixes; the longest matching prefix wins. `{product}`,
# `{vendor}` and `{domain}` are filled in.
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The demo vendors
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def _falls_short(profile: VendorProfile, key: str) -> bool:
    """A stable, per-question draw: the same vendor answers the same question the same way."""
    draw = int(hashlib.sha256(f"{profile.product}:{key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return draw > profile.quality


def _text(profile: VendorProfile, question: Any) -> str:
    key = question.key
    texts = {**COMMON_TEXTS, **profile.texts}
    matches = [k for k in texts if key == k or key.startswith(k + ".") or key.startswith(k + "_")]
    template = texts[max(matches, key=len)] if matches else GENERIC_TEXT
    text = template.format(product=profile.product, vendor=profile.vendor, domain=profile.domain)
    minimum = (question.scoring or {}).get("min_length", 0)
    while len(text) < minimum:
        text += " " + GENERIC_TEXT.format(product=profile.product, vendor=profile.vendor, domain="")
    limit = (question.options or {}).get("max_length")
    return text[:limit] if limit else text


def _critical_values(question: Any) -> set:
    critical = (question.scoring or {}).get("critical") or {}
    if critical.get("operator") == "equals":
        return {critical.get("value")}
    return set()


def _choice(profile: VendorProfile, question: Any) -> str:
    values = [c["value"] for c in question.choices]
    points = (question.scoring or {}).get("points") or {}
    safe = [v for v in values if v not in _critical_values(question)] or values
    if not points:
        return safe[0]
    ranked = sorted(safe, key=lambda v: -points.get(v, 0))
    if _falls_short(profile, question.key) and len(ranked) > 1:
        return ranked[1]
    return ranked[0]


def _choices(profile: VendorProfile, question: Any) -> list[str]:
    values = [c["value"] for c in question.choices if c["value"] not in ("none", "other")]
    points = (question.scoring or {}).get("points") or {}
    if not points:
        return values[:2]
    chosen = [v for v in values if points.get(v, 0) > 0]
    if _falls_short(profile, question.key):
        chosen = chosen[: max(1, len(chosen) // 2)]
    return chosen


def _yes_no(profile: VendorProfile, question: Any) -> str:
    expected = (question.scoring or {}).get("expected")
    if expected is None:
        return "no"
    # A knock-out is never left to chance: the vendor profiles set those on purpose.
    if _falls_short(profile, question.key) and not _critical_values(question):
        return "no" if expected == "yes" else "yes"
    return expected


def _number(profile: VendorProfile, question: Any) -> int | float:
    options = question.options or {}
    bands = sorted((question.scoring or {}).get("bands") or [], key=lambda b: -(b.get("points") or 0))
    if not bands:
        return options.get("min") or 1
    band = bands[1] if _falls_short(profile, question.key) and len(bands) > 1 else bands[0]
    low, high = band.get("min"), band.get("max")
    if low is None:
        value = high
    elif high is None:
        value = low * 2 if low else 1
    else:
        value = (low + high) / 2
    value = round(value, 2)
    if options.get("max") is not None:
        value = min(value, options["max"])
    return int(value) if float(value).is_integer() else value


def _date(question: Any, today: datetime.date) -> str:
    max_age = (question.scoring or {}).get("max_age_days")
    if question.key.endswith("_start"):
        return (today - datetime.timedelta(days=4 * 365)).isoformat()
    days = min(75, max_age // 2) if max_age else 120
    return (today - datetime.timedelta(days=days)).isoformat()


def _table(profile: VendorProfile, question: Any) -> list[dict]:
    if question.key in profile.table_rows:
        return [dict(row) for row in profile.table_rows[question.key]]
    columns = [c["key"] for c in question.columns]
    rows_wanted = max((question.scoring or {}).get("min_rows") or 1, 1)
    if "training_pct" in columns:
        return [
            {"category": c, "training_pct": a, "test_pct": b, "external_pct": e}
            for c, a, b, e in REPRESENTATION_ROWS
        ][: max(rows_wanted, len(REPRESENTATION_ROWS))]
    subgroups = list(SUBGROUP_ROWS)
    required = (question.options or {}).get("required_rows") or []
    subgroups = [s for s in subgroups if s[0] in required] + [s for s in subgroups if s[0] not in required]
    if "subgroup" not in columns:
        subgroups = subgroups[:1]
    rows = []
    for index, (name, n) in enumerate(subgroups[: max(rows_wanted, len(required), 1)]):
        value = round(0.86 - 0.01 * (index % 4), 2)
        cells = {
            "subgroup": name,
            "category": name,
            "n": n,
            "metric": "AUROC",
            "value": value,
            "ci95": f"{value - 0.03:.2f}-{value + 0.03:.2f}",
            "dataset": "Held-out test set, most recent twelve months",
        }
        rows.append({key: cells.get(key, name) for key in columns})
    return rows


def generate_value(profile: VendorProfile, question: Any, today: datetime.date) -> Any:
    """The raw answer this vendor gives (what it would type into the form), or FILE."""
    if question.key in profile.answers:
        return profile.answers[question.key]
    qtype = question.type
    if qtype == "file":
        return FILE
    if qtype == "yes_no":
        return _yes_no(profile, question)
    if qtype == "single_choice":
        return _choice(profile, question)
    if qtype == "multi_choice":
        return _choices(profile, question)
    if qtype == "number":
        return _number(profile, question)
    if qtype in ("short_text", "long_text"):
        return _text(profile, question)
    if qtype == "date":
        return _date(question, today)
    if qtype == "url":
        return f"https://{profile.domain}/trust/{question.key.replace('.', '-').replace('_', '-')}"
    if qtype == "table":
        return _table(profile, question)
    return None


def generate_answers(
    profile: VendorProfile, questions: Sequence[Any], *, today: datetime.date, existing: Mapping[str, Any]
) -> list[tuple[Any, Any]]:
    """(question, raw value or FILE) for every question shown to this vendor, in questionnaire order.

    Visibility is recomputed as answers accumulate, so a follow-up appears exactly when the answer
    it depends on opens it. `existing` holds answers already stored (they win over generated ones).
    """
    refs = [QuestionRef(q.key, q.condition) for q in questions]
    values: dict[str, Any] = dict(existing)
    planned = []
    for question in questions:
        if question.key not in visible_keys(refs, values):
            continue
        value = values[question.key] if question.key in existing else generate_value(profile, question, today)
        if value is not FILE:
            values[question.key] = value
        planned.append((question, value))
    return planned


def demo_pdf(title: str, lines: Sequence[str] = ()) -> bytes:
    """A small, valid one-page PDF (with a correct cross-reference table) showing some text."""

    def escape(text: str) -> str:
        return (
            text.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
        )

    rows = [f"BT /F1 16 Tf 72 760 Td ({escape(title)}) Tj ET"]
    for index, line in enumerate(lines):
        rows.append(f"BT /F1 11 Tf 72 {730 - 18 * index} Td ({escape(line)}) Tj ET")
    stream = "\n".join(rows).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def demo_description(profile: VendorProfile, question: Any, today: datetime.date) -> dict[str, Any]:
    """What a diligent vendor says a demo document is: the type its question expects, the model
    version on offer, and for attestations a period that ended three months ago."""
    expected = expected_types(question.options)
    kind = expected[0] if expected else "other"
    period_end = today - datetime.timedelta(days=90)
    attestation = kind in PERIOD_ATTESTATIONS
    return {
        "document_type": kind,
        "issuer": "Demo Assurance LLP" if attestation else profile.vendor,
        "model_version": str(profile.answers.get("use.model_version") or ""),
        "period_start": period_end - datetime.timedelta(days=364) if attestation else None,
        "period_end": period_end if attestation else None,
        "effective_on": today - datetime.timedelta(days=60),
    }
