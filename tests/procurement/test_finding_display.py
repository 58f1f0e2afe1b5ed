"""What a reviewer sees of each finding: the facts read with links to the answers, each citation
with its standing, what to ask the vendor, the tier it raises, and why the tier is what it is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.findings import finding_views
from procurement.models import Finding, ScoreRun
from procurement.services.scoring import scoring_run
from tests.factories import QuestionFactory
from tests.procurement.scoring_setup import build_evaluation, set_answers

pytestmark = pytest.mark.django_db


def scored(evaluation) -> ScoreRun:
    run = ScoreRun.objects.create(organization=evaluation.organization, evaluation=evaluation)
    scoring_run(score_run_id=run.pk)
    run.refresh_from_db()
    return run


def panel(client, evaluation) -> str:
    response = client.get(reverse("score_panel", args=[evaluation.public_id]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def evaluation(org):
    evaluation = build_evaluation(org, answers={"baa.will_sign": "will_not_sign"})
    section = evaluation.template.sections.get(key="baa")
    QuestionFactory(
        section=section,
        template=evaluation.template,
        key="baa.subs",
        type="yes_no",
        fact="baa.subcontractor_baas",
    )
    set_answers(evaluation, {"baa.subs": "no"})
    return evaluation


def test_a_finding_shows_its_facts_linked_to_the_answers_its_citation_standing_and_what_to_ask(
    reviewer_client, evaluation
):
    scored(evaluation)
    html = panel(reviewer_client, evaluation)
    subs = evaluation.template.questions.get(key="baa.subs")
    start = html.index('data-finding="subcontractor_phi_without_baa"')
    item = html[start : html.index("</li>\n\n", start)]
    assert "Every subcontractor touching PHI has signed a BAA." in item
    assert f'<a href="/evaluations/{evaluation.public_id}/questions/{subs.pk}/">baa.subs</a>' in item
    assert "45 CFR 164.502(e)(1)(ii), 164.504(e)(5)" in item
    assert 'data-standing="law"' in item
    assert "For every subcontractor that touches PHI, name it and attach or describe its BAA" in item
    assert "raises the tier to at least high" in item


def test_the_tier_summary_agrees_with_the_findings(reviewer_client, evaluation):
    run = scored(evaluation)
    html = panel(reviewer_client, evaluation)
    assert (str(run.overall_score), run.risk_tier) == ("75.00", "critical")
    assert (
        '<p class="mb-2" data-tier-summary>The overall score of 75 gives the moderate tier. 3 findings raise '
        "the tier to at least high and 2 to critical, so the tier is critical.</p>"
    ) in html
    assert html.count("raises the tier to at least critical") == 2
    assert html.count("raises the tier to at least high") == 1
    assert "caps tier at" not in html


def test_a_knock_out_shows_the_standing_of_its_citation(reviewer_client, evaluation):
    scored(evaluation)
    knockout = Finding.objects.get(code="knockout:baa.will_sign")
    assert knockout.citations == [{"citation": "45 CFR 164.502(e)", "standing": "law"}]
    html = panel(reviewer_client, evaluation)
    item = html[html.index('data-finding="knockout:baa.will_sign"') :]
    assert (
        '<li data-standing="law">45 CFR 164.502(e) <span class="badge text-bg-light border">law</span></li>'
        in item
    )


def test_checks_the_questionnaire_cannot_run_are_listed_apart_from_the_findings(reviewer_client, evaluation):
    run = scored(evaluation)
    codes = [entry["code"] for entry in run.not_assessable]
    assert "lds_without_dua" in codes
    assert "subcontractor_phi_without_baa" not in codes
    html = panel(reviewer_client, evaluation)
    assert 'data-not-assessable="lds_without_dua"' in html
    assert "A limited data set is used without a data use agreement" in html
    assert 'data-finding="lds_without_dua"' not in html


def test_a_finding_stored_before_facts_and_standing_shows_its_questions_and_parsed_standing(evaluation):
    run = ScoreRun.objects.create(organization=evaluation.organization, evaluation=evaluation)
    finding = Finding.objects.create(
        organization=evaluation.organization,
        score_run=run,
        kind=Finding.Kind.CONSISTENCY,
        code="bias_testing_table_empty",
        title="Subgroup testing claimed, but the subgroup table is empty",
        citation="45 CFR 170.315(b)(11)(iv)(B); 45 CFR 92.210",
        question_keys=["baa.will_sign", "gone.key"],
    )
    (view,) = finding_views(evaluation=evaluation, findings=[finding])
    will_sign = evaluation.template.questions.get(key="baa.will_sign")
    assert [(f.fact, f.question_key, f.url) for f in view.facts] == [
        ("", "baa.will_sign", f"/evaluations/{evaluation.public_id}/questions/{will_sign.pk}/"),
        ("", "gone.key", ""),
    ]
    assert [(c.citation, c.standing_label) for c in view.citations] == [
        ("45 CFR 170.315(b)(11)(iv)(B)", "voluntary"),
        ("45 CFR 92.210", "law"),
    ]


def test_the_panel_query_count_does_not_grow_with_findings(
    reviewer_client, evaluation, django_assert_max_num_queries
):
    scored(evaluation)
    with django_assert_max_num_queries(14):
        panel(reviewer_client, evaluation)
    set_answers(evaluation, {"baa.breach_notice_days": 90})
    scored(evaluation)
    with django_assert_max_num_queries(14):
        panel(reviewer_client, evaluation)
