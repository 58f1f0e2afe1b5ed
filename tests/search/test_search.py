"""Find anything: what is found, how it is shown, and what is never found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from procurement.models import Evaluation
from procurement.services.answers import answer_save
from questionnaires.models import Question
from search import selectors
from search.selectors import search
from tests.factories import (
    AnswerFactory,
    EvaluationFactory,
    EvidenceFileFactory,
    InviteFactory,
    ProductFactory,
    QuestionFactory,
    ReviewCommentFactory,
    VendorFactory,
)
from vendors.services import product_update, vendor_update

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")


@pytest.fixture
def evaluation(org):
    product = ProductFactory(
        vendor=VendorFactory(organization=org, legal_name="Acme Imaging"),
        name="ChestScan",
        intended_use="Triage of chest radiographs for pneumothorax.",
    )
    return EvaluationFactory(organization=org, product=product, status=Evaluation.Status.IN_PROGRESS)


def _text_question(evaluation, prompt="How do you monitor drift?"):
    return QuestionFactory(template=evaluation.template, type=Question.Type.LONG_TEXT, prompt=prompt)


def test_it_finds_an_answer_and_links_to_its_question(org, evaluation):
    question = _text_question(evaluation)
    AnswerFactory(evaluation=evaluation, question=question, value="Monthly calibration reviews by our team.")

    [hit] = search(organization=org, query="calibration")

    assert hit.kind == "answer"
    assert hit.url == f"/evaluations/{evaluation.public_id}/questions/{question.pk}/"
    assert hit.title == "How do you monitor drift?"
    assert "<mark>calibration</mark>" in hit.snippet
    assert hit.context == f"ChestScan 2.1 by Acme Imaging · {question.key}"


def test_it_finds_vendors_products_evaluations_and_comments(org, evaluation):
    question = _text_question(evaluation)
    comment_row = ReviewCommentFactory(
        evaluation=evaluation, question=question, body="Ask Acme about the pneumothorax cohort."
    )

    hits = search(organization=org, query="pneumothorax")
    assert sorted(h.kind for h in hits) == ["comment", "product"]
    comment = next(h for h in hits if h.kind == "comment")
    assert comment.url.endswith(f"/questions/{question.pk}/")
    assert "<mark>pneumothorax</mark>" in comment.snippet
    author = comment_row.author.get_full_name() or str(comment_row.author)
    assert comment.context == f"ChestScan 2.1 by Acme Imaging · {question.key} · {author}"
    product = next(h for h in hits if h.kind == "product")
    assert product.context == "by Acme Imaging"
    assert product.url == evaluation.product.vendor.get_absolute_url()
    assert "<mark>pneumothorax</mark>" in product.snippet

    kinds = sorted(h.kind for h in search(organization=org, query="Acme"))
    assert kinds == ["comment", "evaluation", "vendor"]
    found = next(h for h in search(organization=org, query="Acme") if h.kind == "evaluation")
    assert found.context == "In progress"
    assert found.url == evaluation.get_absolute_url()
    assert "<mark>Acme</mark>" in found.title
    vendor = next(h for h in search(organization=org, query="Acme") if h.kind == "vendor")
    assert vendor.title == "<mark>Acme</mark> Imaging"
    assert vendor.url == evaluation.product.vendor.get_absolute_url()


def test_it_ranks_a_name_above_a_mention(org, evaluation):
    VendorFactory(organization=org, legal_name="Other Health", notes="Resells Acme products.")

    hits = [h for h in search(organization=org, query="Acme") if h.kind == "vendor"]

    assert [h.url for h in hits] == [evaluation.product.vendor.get_absolute_url(), hits[1].url]
    assert hits[0].rank > hits[1].rank


def test_it_never_finds_another_organizations_data(org, other_org, evaluation):
    other = EvaluationFactory(organization=other_org)
    AnswerFactory(evaluation=other, question=_text_question(other), value="Secret calibration plan")

    assert search(organization=org, query="calibration") == []
    assert [h.kind for h in search(organization=other_org, query="calibration")] == ["answer"]


def test_a_hostile_answer_is_shown_escaped_with_only_the_match_marked(officer_client, org, evaluation):
    question = _text_question(evaluation)
    AnswerFactory(
        evaluation=evaluation,
        question=question,
        value='<script>alert("x")</script><img src=x onerror=alert(1)> fairness & bias testing',
    )

    [hit] = search(organization=org, query="fairness")
    assert "<mark>fairness</mark>" in hit.snippet
    assert "<script" not in hit.snippet
    assert "<img" not in hit.snippet
    assert "&amp;" in hit.snippet

    response = officer_client.get(reverse("search_results"), {"q": "fairness"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<mark>fairness</mark>" in body
    assert "<script>alert" not in body
    assert "<img src=x" not in body


def test_a_hostile_query_is_escaped_on_the_page(officer_client, org, evaluation):
    response = officer_client.get(reverse("search_results"), {"q": '"><script>alert(1)</script>'})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in body
    assert "0 results for “&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”." in body


def test_an_invite_token_or_a_stored_file_name_finds_nothing(org, evaluation):
    invite = InviteFactory(evaluation=evaluation)
    evidence = EvidenceFileFactory(evaluation=evaluation, stored_name="stored-b1f0c9d2e3a4")

    assert search(organization=org, query=invite.token) == []
    assert search(organization=org, query=invite.token_hash) == []
    assert search(organization=org, query=evidence.stored_name) == []
    assert search(organization=org, query="b1f0c9d2e3a4") == []


def test_a_changed_answer_is_found_by_its_new_words_only(org, evaluation):
    question = _text_question(evaluation)
    answer = answer_save(
        evaluation=evaluation, question=question, value="Quarterly bias audits.", expected_version=0
    )
    answer_save(
        evaluation=evaluation,
        question=question,
        value="Independent validation by a university hospital.",
        expected_version=answer.version,
    )

    assert search(organization=org, query="audits") == []
    assert [h.kind for h in search(organization=org, query="validation")] == ["answer"]


@on_postgres
def test_words_are_matched_by_their_stem_on_postgresql(org, evaluation):
    AnswerFactory(evaluation=evaluation, question=_text_question(evaluation), value="We validated the model.")

    [hit] = search(organization=org, query="validation")

    assert "<mark>validated</mark>" in hit.snippet


@on_postgres
def test_the_search_columns_are_gin_indexed_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gin (search_vector)%' ORDER BY 1"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == [
        "procurement_answer_search_gin",
        "procurement_evaluation_search_gin",
        "procurement_reviewcomment_search_gin",
        "vendors_product_search_gin",
        "vendors_vendor_search_gin",
    ]
    # The window of recent answers a common word is ranked in starts from this index.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'procurement_answer_search_recent'")
        [(definition,)] = cursor.fetchall()
    assert definition.endswith("(organization_id, updated_at DESC)")


@on_postgres
def test_an_evaluation_is_found_by_its_current_product_vendor_and_template_names(org, evaluation):
    def found(query):
        return [h.url for h in search(organization=org, query=query) if h.kind == "evaluation"]

    url = evaluation.get_absolute_url()
    assert found("chestscan") == [url]
    vendor_update(vendor=evaluation.product.vendor, legal_name="Borealis Diagnostics")
    product_update(product=evaluation.product, name="LungWatch")
    template = evaluation.template
    template.name = "Radiology intake"
    template.save()

    assert found("acme") == []
    assert found("chestscan") == []
    assert found("borealis") == found("lungwatch") == found("radiology intake") == [url]
    # A new evaluation is indexed as it is written, even through bulk_create.
    [other] = Evaluation.objects.bulk_create(
        [Evaluation(organization=org, product=evaluation.product, template=template, owner=evaluation.owner)]
    )
    assert set(found("lungwatch")) == {url, other.get_absolute_url()}


def _answers_written_days_ago(evaluation, *texts_and_days):
    """One answer per (text, days ago), each to its own question; returns their question URLs."""
    urls = []
    for text, days in texts_and_days:
        question = _text_question(evaluation, prompt=f"Question written {days} days ago")
        AnswerFactory(
            evaluation=evaluation,
            question=question,
            value=text,
            updated_at=timezone.now() - timedelta(days=days),
        )
        urls.append(evaluation.get_question_url(question.pk))
    return urls


@on_postgres
def test_a_common_word_shows_the_best_matches_among_the_most_recent_answers(
    monkeypatch, org, evaluation, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "RECENT_ANSWERS", 3)
    old_strong, recent_weak, recent_strong, recent_other = _answers_written_days_ago(
        evaluation,
        ("Calibration: calibration curves and calibration slope per site.", 400),
        ("Drift is checked, calibration too, by the vendor team each month with logs kept.", 2),
        ("Calibration by site and calibration by age band, both reported.", 1),
        ("Calibration reported yearly to the hospital's committee with the full results.", 3),
    )

    with django_assert_num_queries(1):
        hits = [h for h in search(organization=org, query="calibration", per_kind=2) if h.kind == "answer"]

    # The year-old answer matches best of all, but the word is common in the three answers written
    # last: the best two of those are shown, best first, each linking to its question.
    assert [h.url for h in hits] == [recent_strong, hits[1].url]
    assert hits[1].url in {recent_weak, recent_other}
    assert old_strong not in [h.url for h in hits]
    assert hits[0].rank >= hits[1].rank
    assert "<mark>Calibration</mark>" in hits[0].snippet


@on_postgres
def test_a_word_rare_in_the_recent_answers_is_ranked_among_all_answers(
    monkeypatch, org, evaluation, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "RECENT_ANSWERS", 2)
    old_weak, old_strong, recent_match, _ = _answers_written_days_ago(
        evaluation,
        ("A pneumothorax cohort was part of the validation, among many other findings reviewed.", 500),
        ("Pneumothorax sensitivity, pneumothorax specificity, pneumothorax by age.", 400),
        ("The pneumothorax results are in the appendix with the rest of the study data.", 1),
        ("Nothing to report this quarter.", 0),
    )

    with django_assert_num_queries(1):
        hits = [h for h in search(organization=org, query="pneumothorax", per_kind=2) if h.kind == "answer"]

    # One recent answer matches, fewer than the two shown: every answer is ranked, so the
    # strongest match, however old, comes first.
    assert [h.url for h in hits] == [old_strong, hits[1].url]
    assert hits[1].url in {old_weak, recent_match}
    assert "<mark>Pneumothorax</mark>" in hits[0].snippet


# ---- The page ------------------------------------------------------------------------------


def test_the_page_shows_ranked_results_with_links(reviewer_client, org, evaluation):
    question = _text_question(evaluation)
    AnswerFactory(evaluation=evaluation, question=question, value="Calibration is checked monthly.")

    response = reviewer_client.get(reverse("search_results"), {"q": "calibration"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "1 result for “calibration”." in body
    assert f'href="/evaluations/{evaluation.public_id}/questions/{question.pk}/"' in body


def test_a_query_of_only_little_words_or_operators_shows_no_results(officer_client, org, evaluation):
    AnswerFactory(evaluation=evaluation, question=_text_question(evaluation), value="Drift is monitored.")

    for q in ("the and of", '"" - or -', "&|!():*"):
        response = officer_client.get(reverse("search_results"), {"q": q})
        assert response.status_code == 200
        assert response.context["hits"] == []


def test_a_too_short_query_is_told_next_to_the_field(officer_client, org):
    response = officer_client.get(reverse("search_results"), {"q": " x "})

    assert response.status_code == 200
    assert response.context["form"].errors["q"] == ["Type at least 2 characters."]
    assert 'id="search-error">Type at least 2 characters.</div>' in response.content.decode()


def test_the_empty_page_shows_no_error(officer_client, org):
    response = officer_client.get(reverse("search_results"))

    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["hits"] == []


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.get(reverse("search_results"), {"q": "acme"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_outsider_finds_nothing_of_organization_a(outsider_client, org, evaluation):
    response = outsider_client.get(reverse("search_results"), {"q": "Acme"})

    assert response.status_code == 200
    assert response.context["hits"] == []


def test_the_nav_search_box_is_on_every_page(officer_client, org):
    body = officer_client.get(reverse("dashboard")).content.decode()

    assert 'action="/search/"' in body
    assert 'id="nav-search-q"' in body


def test_the_query_count_does_not_grow_with_the_results(
    officer_client, org, evaluation, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            other = EvaluationFactory(
                organization=org, product=evaluation.product, template=evaluation.template
            )
            question = _text_question(other)
            AnswerFactory(evaluation=other, question=question, value="Acme calibration reports")
            ReviewCommentFactory(evaluation=other, question=question, body="Acme calibration looks fine")

    add(1)
    with django_assert_max_num_queries(20) as few:
        officer_client.get(reverse("search_results"), {"q": "Acme"})
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = officer_client.get(reverse("search_results"), {"q": "Acme"})
    kinds = [h.kind for h in response.context["hits"]]
    # Each kind is capped at ten: the vendor, then ten of the 14 evaluations, answers and comments.
    assert sorted((k, kinds.count(k)) for k in set(kinds)) == [
        ("answer", 10),
        ("comment", 10),
        ("evaluation", 10),
        ("vendor", 1),
    ]
