"""Why the tier is what it is, and each citation's standing, in words that never contradict."""

from __future__ import annotations

import pytest

from questionnaires.engine.checks import STANDING_LABELS, Citation, citations_of
from questionnaires.engine.display import tier_explanation
from questionnaires.engine.facts import FACTS, LEGACY_NAMES


@pytest.mark.parametrize(
    ("overall", "score_tier", "tier", "caps", "text"),
    [
        (None, "", "", [], "Not scored yet."),
        (90, "low", "low", [], "The overall score of 90 gives the low tier. No finding raises it."),
        (90, "low", "low", ["", ""], "The overall score of 90 gives the low tier. No finding raises it."),
        (
            35.5,
            "critical",
            "critical",
            ["high", "high"],
            "The overall score of 35.5 gives the critical tier. 2 findings raise the tier to at least high, "
            "which the score already reaches.",
        ),
        (
            70,
            "moderate",
            "moderate",
            ["moderate"],
            "The overall score of 70 gives the moderate tier. 1 finding raises the tier to at least "
            "moderate, which the score already reaches.",
        ),
        (
            76.46,
            "moderate",
            "high",
            ["high"],
            "The overall score of 76.46 gives the moderate tier. 1 finding raises the tier to at least high, "
            "so the tier is high.",
        ),
        (
            90,
            "low",
            "critical",
            ["critical", "high", "bogus", "critical"],
            "The overall score of 90 gives the low tier. 3 findings raise the tier to at least high and 2 to "
            "critical, so the tier is critical.",
        ),
        (
            None,
            "",
            "high",
            ["high"],
            "No question could be scored, so only the findings set the tier. 1 finding raises the tier to at "
            "least high, so the tier is high.",
        ),
        (
            None,
            "",
            "low",
            ["low"],
            "No question could be scored, so only the findings set the tier. 1 finding raises the tier to at "
            "least low, so the tier is low.",
        ),
    ],
)
def test_the_tier_explanation(overall, score_tier, tier, caps, text):
    assert tier_explanation(overall=overall, score_tier=score_tier, tier=tier, caps=caps) == text


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", ()),
        (" ; ", ()),
        ("45 CFR 164.502(e)", (("45 CFR 164.502(e)", "law"),)),
        (
            "45 CFR 92.210(b)-(c); 45 CFR 170.315(b)(11)(iv)(B)(7)",
            (("45 CFR 92.210(b)-(c)", "law"), ("45 CFR 170.315(b)(11)(iv)(B)(7)", "voluntary")),
        ),
        ("FD&C Act 515C; 21 CFR 807.81(a)(3)", (("FD&C Act 515C", "law"), ("21 CFR 807.81(a)(3)", "law"))),
        (
            "45 CFR 164.312(a)(2)(iv); 74 FR 19006",
            (("45 CFR 164.312(a)(2)(iv)", "law"), ("74 FR 19006", "guidance")),
        ),
        ("FDA PCCP guidance (Dec 2024)", (("FDA PCCP guidance (Dec 2024)", "guidance"),)),
        ("HHS OCR de-identification guidance", (("HHS OCR de-identification guidance", "guidance"),)),
        ("21 U.S.C. 360e-4", (("21 U.S.C. 360e-4", "law"),)),
        ("42 U.S.C. 18116", (("42 U.S.C. 18116", "law"),)),
        ("Texas SB 1188 (2025)", (("Texas SB 1188 (2025)", "law"),)),
        ("California AB 3030", (("California AB 3030", "law"),)),
        ("NIST AI RMF 1.0", (("NIST AI RMF 1.0", "voluntary"),)),
        ("Joint Commission and CHAI RUAIH", (("Joint Commission and CHAI RUAIH", "voluntary"),)),
        ("CHAI model card", (("CHAI model card", "voluntary"),)),
        ("ISO/IEC 42001", (("ISO/IEC 42001", "voluntary"),)),
        ("A vendor's own policy", (("A vendor's own policy", ""),)),
    ],
)
def test_citations_of_gives_each_part_the_standing_of_its_source(text, parts):
    assert citations_of(text) == tuple(Citation(t, s) for t, s in parts)


def test_a_stated_standing_wins_for_every_part():
    assert citations_of("45 CFR 92.210; NIST AI RMF", "guidance") == (
        Citation("45 CFR 92.210", "guidance"),
        Citation("NIST AI RMF", "guidance"),
    )


def test_a_citation_reads_with_its_standing():
    assert str(Citation("45 CFR 164.410(b)", "law")) == "45 CFR 164.410(b) (law)"
    assert str(Citation("FDA CDS guidance", "guidance")) == "FDA CDS guidance (agency guidance, non-binding)"
    assert str(Citation("HTI-1", "voluntary")) == "HTI-1 (voluntary)"
    assert str(Citation("HTI-5", "proposed")) == "HTI-5 (proposed rule)"
    assert str(Citation("Policy", "")) == "Policy (standing not stated)"
    assert set(STANDING_LABELS) == {"law", "proposed", "guidance", "voluntary"}


def test_the_legacy_facts_are_exactly_the_keys_the_version_1_checks_read():
    assert {
        "use.intended_use",
        "use.data_modalities",
        "use.decision_role",
        "use.time_critical",
        "use.patient_facing",
        "use.processes_phi",
        "deid.method_training",
        "deid.safe_harbor.dates_beyond_year",
        "deid.safe_harbor.full_zip",
        "deid.safe_harbor.ages_over_89",
        "deid.safe_harbor.actual_knowledge",
        "deid.expert.report",
        "deid.customer_data_training",
        "baa.will_sign",
        "baa.breach_notice_days",
        "baa.training_permitted",
        "fda.status",
        "fda.submission_number",
        "fda.intended_use_match",
        "fda.pccp",
        "bias.subgroup_testing",
        "bias.subgroup_table",
    } == LEGACY_NAMES
    assert all(fact.legacy == (fact.name in LEGACY_NAMES) for fact in FACTS)
