"""The review workspace: one section at a time, filters, threads and clarification in place."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import AuditEvent, ClarificationRequest, Evaluation, ReviewComment
from tests.factories import (
    AnswerFactory,
    EvaluationFactory,
    FindingFactory,
    QuestionFactory,
    ReviewCommentFactory,
    ReviewerAssignmentFactory,
    ScoreRunFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
S = Evaluation.Status


def _build(org, *, per_section: int = 3, sections: int = 2, comments: int = 0) -> dict:
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    built = {"evaluation": evaluation, "sections": [], "questions": []}
    for s in range(sections):
        section = SectionFactory(template=evaluation.template, key=f"part-{s}", title=f"Part {s}", order=s)
        built["sections"].append(section)
        for q in range(per_section):
            question = QuestionFactory(
                section=section, key=f"part{s}.q{q}", prompt=f"Prompt {s}.{q}?", type="short_text", order=q
            )
            built["questions"].append(question)
            # The last question of each section stays unanswered.
            if q < per_section - 1:
                AnswerFactory(evaluation=evaluation, question=question, value=f"Answer {s}.{q}")
    for n in range(comments):
        ReviewCommentFactory(evaluation=evaluation, question=built["questions"][n % len(built["questions"])])
    return built


def _url(evaluation, **query):
    url = reverse("review_workspace", args=[evaluation.public_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_workspace_shows_one_section_and_lists_every_section(reviewer_client, org):
    built = _build(org)
    html = reviewer_client.get(_url(built["evaluation"])).content.decode()
    assert "Prompt 0.0?" in html
    assert "Answer 0.0" in html
    assert "Prompt 1.0?" not in html
    assert ">Part 1</a>" in html
    html = reviewer_client.get(_url(built["evaluation"], section="part-1")).content.decode()
    assert "Prompt 1.0?" in html
    assert "Prompt 0.0?" not in html
    assert 'rel="prev"' in html


def test_filters_narrow_the_questions_and_count_them(reviewer_client, reviewer, org):
    built = _build(org)
    evaluation = built["evaluation"]
    run = ScoreRunFactory(evaluation=evaluation)
    FindingFactory(score_run=run, title="Breach notice beyond 60 days", question_keys=["part1.q1"])
    ReviewCommentFactory(evaluation=evaluation, question=built["questions"][0])
    ReviewerAssignmentFactory(evaluation=evaluation, reviewer=reviewer, section=built["sections"][1])

    response = reviewer_client.get(_url(evaluation, show="unanswered"))
    workspace = response.context["workspace"]
    assert workspace.filter_counts == {
        "all": 6,
        "findings": 1,
        "unanswered": 2,
        "changed": 0,
        "carried": 0,
        "mine": 3,
        "comments": 1,
    }
    assert [row.question.key for row in workspace.current.rows] == ["part0.q2"]

    html = reviewer_client.get(_url(evaluation, show="findings")).content.decode()
    # The first section has no finding: the workspace opens on the one that has.
    assert "Prompt 1.1?" in html
    assert "Breach notice beyond 60 days" in html
    assert "Prompt 0.0?" not in html

    mine = reviewer_client.get(_url(evaluation, show="mine")).context["workspace"]
    assert mine.current.section.key == "part-1"


def test_changed_since_the_last_round_lists_answers_edited_after_the_clarification(
    reviewer_client, reviewer, org
):
    built = _build(org)
    evaluation = built["evaluation"]
    question = built["questions"][0]
    ClarificationRequest.objects.create(
        organization=org,
        evaluation=evaluation,
        question=question,
        requested_by=reviewer,
        message="Which version?",
        answer_snapshot="Answer 0.0",
    )
    assert (
        reviewer_client.get(_url(evaluation, show="changed")).context["workspace"].filter_counts["changed"]
        == 0
    )
    evaluation.answers.filter(question=question).update(value="Version 3.2")
    workspace = reviewer_client.get(_url(evaluation, show="changed")).context["workspace"]
    assert [row.question.key for row in workspace.current.rows] == ["part0.q0"]


def test_an_unknown_filter_shows_everything(reviewer_client, org):
    built = _build(org)
    assert reviewer_client.get(_url(built["evaluation"], show="nonsense")).context["workspace"].show == "all"


def test_comments_load_on_demand_and_are_added_in_place(reviewer_client, reviewer, org):
    built = _build(org)
    evaluation, question = built["evaluation"], built["questions"][0]
    ReviewCommentFactory(evaluation=evaluation, question=question, body="Ask about the <b>PCCP</b>")
    page = reviewer_client.get(_url(evaluation)).content.decode()
    # The thread is not on the page until asked for.
    assert "Ask about the" not in page
    assert "Comments (1)" in page
    url = reverse("review_comments", args=[evaluation.public_id, question.pk])
    thread = reviewer_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Ask about the &lt;b&gt;PCCP&lt;/b&gt;" in thread
    response = reviewer_client.post(url, {"body": "Version in the study?"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Version in the study?" in response.content.decode()
    comment = ReviewComment.objects.get(body="Version in the study?")
    assert (comment.question, comment.author, comment.is_visible_to_vendor) == (question, reviewer, False)
    assert AuditEvent.objects.filter(evaluation=evaluation, kind=AuditEvent.Kind.COMMENT_ADDED).exists()


def test_an_empty_comment_is_refused_next_to_the_field(reviewer_client, org):
    built = _build(org)
    evaluation, question = built["evaluation"], built["questions"][0]
    url = reverse("review_comments", args=[evaluation.public_id, question.pk])
    response = reviewer_client.post(url, {"body": "  "}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_threads_and_the_workspace_are_the_organizations_own(outsider_client, org):
    built = _build(org)
    evaluation, question = built["evaluation"], built["questions"][0]
    assert outsider_client.get(_url(evaluation)).status_code == 404
    url = reverse("review_comments", args=[evaluation.public_id, question.pk])
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, {"body": "x"}).status_code == 404


def test_a_question_of_another_template_has_no_thread_here(reviewer_client, org):
    built = _build(org)
    foreign = QuestionFactory()
    url = reverse("review_comments", args=[built["evaluation"].public_id, foreign.pk])
    assert reviewer_client.get(url).status_code == 404


def test_clarification_from_ticked_questions_returns_to_the_same_view(reviewer_client, org):
    built = _build(org)
    evaluation = built["evaluation"]
    first, second = built["questions"][3], built["questions"][4]
    response = reviewer_client.post(
        reverse("review_clarification", args=[evaluation.public_id]),
        {
            "questions": [first.pk, second.pk],
            "message": "Which model version?",
            "section": "part-1",
            "show": "all",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(evaluation, section="part-1")
    assert set(ClarificationRequest.objects.values_list("question__key", flat=True)) == {
        "part1.q0",
        "part1.q1",
    }
    evaluation.refresh_from_db()
    assert evaluation.status == S.CHANGES_REQUESTED


def test_clarification_without_a_ticked_question_says_so_and_writes_nothing(reviewer_client, org):
    built = _build(org)
    evaluation = built["evaluation"]
    response = reviewer_client.post(
        reverse("review_clarification", args=[evaluation.public_id]), {"message": "Why?", "section": "part-0"}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ClarificationRequest.objects.exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_workspace_costs_the_same_queries_whatever_the_size(reviewer_client, org, other_org):
    small = _build(org, per_section=2, sections=2, comments=2)
    large = _build(org, per_section=30, sections=8, comments=100)
    for built in (small, large):
        run = ScoreRunFactory(evaluation=built["evaluation"])
        FindingFactory(score_run=run, question_keys=[built["questions"][1].key])
    assert _queries(reviewer_client, _url(small["evaluation"])) == _queries(
        reviewer_client, _url(large["evaluation"])
    )


def test_a_large_workspace_page_stays_small(reviewer_client, org):
    built = _build(org, per_section=30, sections=8, comments=100)
    html = reviewer_client.get(_url(built["evaluation"])).content
    assert len(html) < 150_000


def _post_queries(client, url, data, **kwargs) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, **kwargs)
    return len(queries), response.status_code


def _sizes(org):
    """A small and a large evaluation; the busiest question of the large one has 100 comments."""
    small = _build(org, per_section=2, sections=2, comments=2)
    large = _build(org, per_section=30, sections=8, comments=0)
    for _ in range(100):
        ReviewCommentFactory(evaluation=large["evaluation"], question=large["questions"][0])
    return small, large


def test_a_thread_costs_the_same_queries_whatever_the_number_of_questions_and_comments(reviewer_client, org):
    small, large = _sizes(org)
    counts = [
        _queries(
            reviewer_client,
            reverse("review_comments", args=[built["evaluation"].public_id, built["questions"][0].pk]),
        )
        for built in (small, large)
    ]
    assert counts[0] == counts[1]


def test_a_comment_costs_the_same_queries_whatever_the_number_of_questions_and_comments(reviewer_client, org):
    small, large = _sizes(org)
    counts = []
    for built in (small, large):
        url = reverse("review_comments", args=[built["evaluation"].public_id, built["questions"][0].pk])
        queries, status = _post_queries(
            reviewer_client, url, {"body": "Which sites?"}, headers={"HX-Request": "true"}
        )
        assert status == 200
        counts.append(queries)
    assert counts[0] == counts[1]
    assert ReviewComment.objects.filter(body="Which sites?").count() == 2


def test_a_clarification_costs_the_same_queries_whatever_the_number_of_questions_and_comments(
    reviewer_client, org
):
    small, large = _sizes(org)
    counts = []
    for built in (small, large):
        evaluation = built["evaluation"]
        data = {
            "questions": [q.pk for q in built["questions"][:2]],
            "message": "Which model version?",
            "section": "part-0",
        }
        queries, status = _post_queries(
            reviewer_client, reverse("review_clarification", args=[evaluation.public_id]), data
        )
        assert status == 302
        counts.append(queries)
        evaluation.refresh_from_db()
        assert evaluation.status == S.CHANGES_REQUESTED
    assert counts[0] == counts[1]


def test_a_refused_clarification_costs_the_same_queries_whatever_the_size(reviewer_client, org):
    small, large = _sizes(org)
    counts = []
    for built in (small, large):
        url = reverse("review_clarification", args=[built["evaluation"].public_id])
        queries, status = _post_queries(reviewer_client, url, {"message": "Why?", "section": "part-0"})
        assert status == 200
        counts.append(queries)
    assert counts[0] == counts[1]


def test_every_filter_and_section_costs_the_same_queries_whatever_the_size(reviewer_client, reviewer, org):
    small, large = _sizes(org)
    for built in (small, large):
        ReviewerAssignmentFactory(
            evaluation=built["evaluation"], reviewer=reviewer, section=built["sections"][1]
        )
    for show in ("findings", "unanswered", "changed", "carried", "mine", "comments"):
        assert _queries(reviewer_client, _url(small["evaluation"], show=show)) == _queries(
            reviewer_client, _url(large["evaluation"], show=show)
        ), show
    assert _queries(reviewer_client, _url(small["evaluation"], section="part-1")) == _queries(
        reviewer_client, _url(large["evaluation"], section="part-1")
    )


def test_a_questions_address_costs_the_same_queries_whatever_the_size(reviewer_client, org):
    small, large = _sizes(org)
    counts = []
    for built in (small, large):
        url = built["evaluation"].get_question_url(built["questions"][-1].pk)
        with CaptureQueriesContext(connection) as queries:
            assert reviewer_client.get(url).status_code == 302
        counts.append(len(queries))
    assert counts[0] == counts[1]
