"""The officer's screens: the offer on the evaluation page, the plan, and applying it."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from procurement.models import Answer, AuditEvent, Evaluation
from questionnaires.models import Question
from questionnaires.selectors import _cache
from tests.factories import AnswerFactory, QuestionFactory
from tests.procurement.upgrade_setup import evaluation_on_v1

pytestmark = pytest.mark.django_db


def plan_url(q):
    return reverse("evaluation_template_upgrade", args=[q.evaluation.public_id, q.v2.public_id])


def test_evaluation_page_offers_the_newer_version_to_officers(officer_client, reviewer_client, org, officer):
    q = evaluation_on_v1(org, officer)
    page = officer_client.get(q.evaluation.get_absolute_url()).content.decode()
    assert "Upgrade template to v2" in page
    assert plan_url(q) in page
    assert (
        "Upgrade template to v2" not in reviewer_client.get(q.evaluation.get_absolute_url()).content.decode()
    )


def test_no_offer_once_submitted(officer_client, org, officer):
    q = evaluation_on_v1(org, officer, status=Evaluation.Status.SUBMITTED)
    assert "Upgrade template" not in officer_client.get(q.evaluation.get_absolute_url()).content.decode()
    response = officer_client.get(plan_url(q), follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The evaluation is submitted; its template can be upgraded only before the vendor submits."
    ]


def test_plan_page_lists_counts_and_each_fate(officer_client, org, officer):
    q = evaluation_on_v1(org, officer)
    response = officer_client.get(plan_url(q))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd class="col-sm-9" data-count="keep">2</dd>' in page
    assert '<dd class="col-sm-9" data-count="confirm">1</dd>' in page
    assert '<dd class="col-sm-9" data-count="archive">2</dd>' in page
    assert '<dd class="col-sm-9" data-count="choice_removed">1</dd>' in page
    assert '<dd class="col-sm-9" data-count="new">1</dd>' in page
    assert 'data-key="sec.hosting" data-action="choice_removed"' in page
    assert "No longer an option: b." in page
    assert 'data-key="sec.fax" data-action="archive"' in page
    assert 'data-key="sec.sbom" data-action="empty"' in page
    assert "csrfmiddlewaretoken" in page
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1  # looking changes nothing


def test_plan_page_query_count_does_not_grow_with_the_questionnaire(
    officer_client, org, officer, django_assert_max_num_queries
):
    q = evaluation_on_v1(org, officer)
    officer_client.get(plan_url(q))
    with django_assert_max_num_queries(12) as first:
        officer_client.get(plan_url(q))
    count = len(first.captured_queries)  # read now: the next request resets the query log
    section1, section2 = q.v1.sections.get(), q.v2.sections.get()
    for n in range(10):
        old = QuestionFactory(section=section1, key=f"more.q{n}", type=Question.Type.YES_NO, prompt="Same?")
        QuestionFactory(section=section2, key=f"more.q{n}", type=Question.Type.YES_NO, prompt="Same?")
        AnswerFactory(evaluation=q.evaluation, question=old, value="no")
    _cache.clear()
    officer_client.get(plan_url(q))
    with django_assert_max_num_queries(count):
        page = officer_client.get(plan_url(q)).content.decode()
    assert '<dd class="col-sm-9" data-count="keep">12</dd>' in page


def test_apply_moves_the_evaluation_and_says_so(officer_client, org, officer):
    q = evaluation_on_v1(org, officer)
    counts = {"keep": 2, "confirm": 1, "archive": 2, "choice_removed": 1, "empty": 2, "new": 1}
    response = officer_client.post(plan_url(q), counts, follow=True)
    assert response.redirect_chain[-1][0] == q.evaluation.get_absolute_url()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The evaluation now uses Vendor review v2: 2 answers kept, 1 for the vendor to confirm, "
        "3 archived, 1 new questions."
    ]
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v2
    assert Answer.objects.get(pk=q.a_reword.pk).is_pending
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TEMPLATE_UPGRADED).count() == 1
    assert "Upgrade template" not in response.content.decode()


def test_apply_of_a_stale_plan_shows_the_plan_again(officer_client, org, officer):
    q = evaluation_on_v1(org, officer)
    counts = {"keep": 3, "confirm": 1, "archive": 2, "choice_removed": 1, "empty": 1, "new": 1}
    response = officer_client.post(plan_url(q), counts, follow=True)
    assert response.redirect_chain[-1][0] == plan_url(q)
    assert "The answers changed since the plan was shown" in response.content.decode()
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1


def test_apply_without_the_plan_counts_is_refused(officer_client, org, officer):
    q = evaluation_on_v1(org, officer)
    response = officer_client.post(plan_url(q), {"keep": "x"}, follow=True)
    assert "The plan could not be read" in response.content.decode()
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1


def test_only_officers_of_the_organization(reviewer_client, outsider_client, org, officer):
    q = evaluation_on_v1(org, officer)
    assert reviewer_client.get(plan_url(q)).status_code == 403
    assert reviewer_client.post(plan_url(q), {}).status_code == 403
    assert outsider_client.get(plan_url(q)).status_code == 404
