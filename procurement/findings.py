"""What a reviewer sees of a finding: the facts it read (with links to the answers), each citation
with its standing, what to ask the vendor, the tier it raises, and why the overall tier is what it is.

Shared by the score panel and the report, so both say the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from procurement.models import Evaluation, Finding, ScoreRun
from questionnaires.engine.checks import STANDING_LABELS, citations_of
from questionnaires.engine.display import tier_explanation
from questionnaires.engine.facts import FACTS_BY_NAME
from questionnaires.engine.scoring import tier_for
from questionnaires.models import Question


@dataclass(frozen=True)
class CitedSource:
    citation: str
    standing: str
    standing_label: str


@dataclass(frozen=True)
class FactRead:
    fact: str
    description: str
    question_key: str
    url: str  # the answer on the evaluation page; "" when the question is not found


@dataclass
class FindingView:
    finding: Finding
    facts: list[FactRead] = field(default_factory=list)
    citations: list[CitedSource] = field(default_factory=list)

    @property
    def raises_to(self) -> str:
        return self.finding.caps_tier_at


def cited_sources(finding: Finding) -> list[CitedSource]:
    # Rows stored before findings kept their citations' standing carry the text alone.
    stored = finding.citations or [
        {"citation": c.text, "standing": c.standing} for c in citations_of(finding.citation)
    ]
    return [
        CitedSource(
            citation=c.get("citation", ""),
            standing=c.get("standing", ""),
            standing_label=STANDING_LABELS.get(c.get("standing", ""), "standing not stated"),
        )
        for c in stored
    ]


def facts_read(finding: Finding) -> list[tuple[str, str]]:
    """(fact, question key) of each fact the finding read; rows stored before facts: ("", key)."""
    if finding.facts:
        return [(f.get("fact", ""), f.get("question_key", "")) for f in finding.facts]
    return [("", key) for key in finding.question_keys or []]


def fact_description(fact: str) -> str:
    return FACTS_BY_NAME[fact].description if fact in FACTS_BY_NAME else ""


def finding_views(*, evaluation: Evaluation, findings: Sequence[Finding]) -> list[FindingView]:
    """The findings as reviewers see them; one query for all the questions they link to."""
    pairs = {finding.pk: facts_read(finding) for finding in findings}
    keys = {key for read in pairs.values() for _, key in read}
    pks = dict(
        Question.objects.filter(template_id=evaluation.template_id, key__in=keys).values_list("key", "pk")
    )
    views = []
    for finding in findings:
        facts = [
            FactRead(
                fact=fact,
                description=fact_description(fact),
                question_key=key,
                url=evaluation.get_question_url(pks[key]) if key in pks else "",
            )
            for fact, key in pairs[finding.pk]
        ]
        views.append(FindingView(finding=finding, facts=facts, citations=cited_sources(finding)))
    return views


def tier_summary(*, evaluation: Evaluation, run: ScoreRun | None, findings: Iterable[Finding]) -> str:
    """Why the run's tier is what it is, in the words the findings use."""
    if run is None:
        return ""
    overall = None if run.overall_score is None else float(run.overall_score)
    return tier_explanation(
        overall=run.overall_score,
        score_tier=tier_for(overall, evaluation.template.thresholds),
        tier=run.risk_tier,
        caps=[f.caps_tier_at for f in findings],
    )
