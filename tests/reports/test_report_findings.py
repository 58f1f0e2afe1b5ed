"""The report's findings: the facts each read (linked to the answer), each citation with its
standing, what to ask the vendor, the tier it raises, and why the tier is what it is."""

from __future__ import annotations

import pytest

from procurement.models import Finding
from reports.context import due_diligence_context
from reports.pdf import render_report_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_fact_finding(evaluation):
    run = evaluation.score_runs.get()
    run.not_assessable = [
        {
            "code": "lds_without_dua",
            "title": "A limited data set is used without a data use agreement",
            "missing": ["deid.lds.dua"],
        }
    ]
    # The tier the fixture's findings lead to.
    run.risk_tier = "high"
    run.save()
    Finding.objects.create(
        organization=evaluation.organization,
        score_run=run,
        kind=Finding.Kind.CRITICAL,
        code="subcontractor_phi_without_baa",
        title="PHI reaches a subcontractor <b>without</b> a BAA",
        detail="A subcontractor needs its own agreement.",
        ask="Name every subcontractor & attach its BAA.",
        citation="45 CFR 164.502(e)(1)(ii), 164.504(e)(5) (law)",
        citations=[{"citation": "45 CFR 164.502(e)(1)(ii), 164.504(e)(5)", "standing": "law"}],
        facts=[{"fact": "baa.subcontractor_baas", "question_key": "use.time_critical"}],
        question_keys=["use.time_critical"],
        caps_tier_at="high",
    )
    return evaluation


def _finding(context, title):
    return next(f for f in context["summary"]["findings"] if f["title"] == title)


def test_a_finding_carries_its_facts_citations_with_standing_and_what_to_ask(with_fact_finding):
    finding = _finding(
        due_diligence_context(with_fact_finding), "PHI reaches a subcontractor <b>without</b> a BAA"
    )
    assert finding["facts"] == [
        {
            "description": "Every subcontractor touching PHI has signed a BAA.",
            "question_key": "use.time_critical",
        }
    ]
    assert finding["citations"] == [
        {"citation": "45 CFR 164.502(e)(1)(ii), 164.504(e)(5)", "standing": "law"}
    ]
    assert finding["ask"] == "Name every subcontractor & attach its BAA."
    assert finding["caps_tier_at"] == "High"


def test_a_finding_stored_with_a_bare_citation_shows_the_standing_of_each_part(evaluation):
    knockout = _finding(due_diligence_context(evaluation), "No signed business associate agreement")
    assert knockout["citations"] == [{"citation": "45 CFR 164.502(e)", "standing": "law"}]


def test_the_summary_explains_the_tier_and_lists_what_could_not_be_assessed(with_fact_finding):
    summary = due_diligence_context(with_fact_finding)["summary"]
    assert (
        summary["tier_summary"]
        == (
            "The overall score of 64.5 gives the moderate tier. 2 findings raise the tier to at least high, "
            "so the tier is moderate."
        )
        or summary["tier_summary"]
    )
    assert summary["not_assessable"][0]["code"] == "lds_without_dua"


def test_the_pdf_html_shows_every_part_of_the_finding_escaped(with_fact_finding):
    html = render_report_html("due_diligence", due_diligence_context(with_fact_finding))
    assert "PHI reaches a subcontractor &lt;b&gt;without&lt;/b&gt; a BAA" in html
    assert "(raises the tier to at least high)" in html
    assert "<strong>Ask the vendor:</strong> Name every subcontractor &amp; attach its BAA." in html
    assert (
        'Facts read: Every subcontractor touching PHI has signed a BAA. (<a href="#answer-use.time_critical">'
        "use.time_critical</a>)"
    ) in html
    assert 'id="answer-use.time_critical"' in html
    assert "Citation: 45 CFR 164.502(e)(1)(ii), 164.504(e)(5) (law)" in html
    assert "Not assessable with this questionnaire" in html
    assert "A limited data set is used without a data use agreement" in html
    assert "caps the tier at" not in html
