"""Creating evaluations, the evaluation list (filters, sorting, pages) and the evaluation page."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement.models import Answer, AuditEvent, Evaluation, ReviewerAssignment
from procurement.services.evaluations import evaluation_create, evaluation_search
from questionnaires.models import Template
from tests.factories import (
    AnswerFactory,
    EvaluationFactory,
    EvidenceFileFactory,
    ProductFactory,
    QuestionFactory,
    ReviewCommentFactory,
    ReviewerAssignmentFactory,
    SectionFactory,
    TemplateFactory,
)

pytestmark = pytest.mark.django_db
S = Evaluation.Status


@pytest.fixture
def product(org):
    return ProductFactory(vendor__organization=org, name="Sepsis Watch")


@pytest.fixture
def template(org):
    return TemplateFactory(organization=org)


# Service: evaluation_create -----------------------------------------------------------------


def test_it_creates_a_draft_with_reviewers(org, officer, reviewer, product, template):
    evaluation = evaluation_create(
        organization=org,
        product=product,
        template=template,
        owner=officer,
        created_by=officer,
        reviewers=[reviewer],
        due_date=datetime.date(2030, 1, 1),
    )
    assert evaluation.status == S.DRAFT
    assert ReviewerAssignment.objects.get(evaluation=evaluation).reviewer == reviewer
    assert AuditEvent.objects.filter(evaluation=evaluation).exists()


def test_it_accepts_a_published_library_template(org, officer, product):
    library = TemplateFactory(organization=None)
    assert evaluation_create(
        organization=org, product=product, template=library, owner=officer, created_by=officer
    ).pk


@pytest.mark.parametrize("status", [Template.Status.DRAFT, Template.Status.RETIRED])
def test_it_refuses_an_unpublished_template_and_writes_nothing(org, officer, product, status):
    template = TemplateFactory(organization=org, status=status)
    with pytest.raises(ValidationError, match="published"):
        evaluation_create(
            organization=org, product=product, template=template, owner=officer, created_by=officer
        )
    assert not Evaluation.objects.exists()


def test_it_refuses_another_organizations_template(org, other_org, officer, product):
    theirs = TemplateFactory(organization=other_org)
    with pytest.raises(ValidationError):
        evaluation_create(
            organization=org, product=product, template=theirs, owner=officer, created_by=officer
        )


def test_it_refuses_an_owner_from_outside(org, officer, outsider, product, template):
    with pytest.raises(ValidationError, match="owner"):
        evaluation_create(
            organization=org, product=product, template=template, owner=outsider, created_by=officer
        )


def test_a_reassessment_links_the_previous_evaluation_of_the_same_product(org, officer, product, template):
    earlier = EvaluationFactory(organization=org, product=product, status=S.DECIDED)
    evaluation = evaluation_create(
        organization=org,
        product=product,
        template=template,
        owner=officer,
        created_by=officer,
        purpose=Evaluation.Purpose.REASSESSMENT,
        previous=earlier,
    )
    assert evaluation.previous == earlier


def test_a_reassessment_of_another_product_is_refused(org, officer, product, template):
    other = EvaluationFactory(organization=org, status=S.DECIDED)
    with pytest.raises(ValidationError, match="same product"):
        evaluation_create(
            organization=org,
            product=product,
            template=template,
            owner=officer,
            created_by=officer,
            purpose=Evaluation.Purpose.REASSESSMENT,
            previous=other,
        )
    assert Evaluation.objects.count() == 1


# View: create -------------------------------------------------------------------------------


def test_officer_creates_an_evaluation_in_the_browser(officer_client, officer, reviewer, product, template):
    response = officer_client.post(
        reverse("evaluation_create"),
        {
            "product": product.public_id,
            "template": template.public_id,
            "purpose": "new_purchase",
            "owner": officer.pk,
            "reviewers": [reviewer.pk],
            "due_date": "2030-06-01",
        },
    )
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert response.url == evaluation.get_absolute_url()
    assert evaluation.due_date == datetime.date(2030, 6, 1)
    assert evaluation.assignments.get().reviewer == reviewer


def test_reassessment_without_previous_is_shown_beside_the_field(officer_client, officer, product, template):
    response = officer_client.post(
        reverse("evaluation_create"),
        {
            "product": product.public_id,
            "template": template.public_id,
            "purpose": "reassessment",
            "owner": officer.pk,
        },
    )
    assert response.status_code == 200
    assert "previous" in response.context["form"].errors
    assert not Evaluation.objects.exists()


def test_another_organizations_product_is_not_offered(officer_client, officer, other_org, template):
    theirs = ProductFactory(vendor__organization=other_org)
    response = officer_client.post(
        reverse("evaluation_create"),
        {
            "product": theirs.public_id,
            "template": template.public_id,
            "purpose": "new_purchase",
            "owner": officer.pk,
        },
    )
    assert response.status_code == 200
    assert "product" in response.context["form"].errors


def test_reviewer_may_not_create_evaluations(reviewer_client):
    assert reviewer_client.get(reverse("evaluation_create")).status_code == 403


def test_anonymous_create_goes_to_login(client):
    assert client.get(reverse("evaluation_create")).status_code == 302


# List ---------------------------------------------------------------------------------------


def _ids(response):
    return [e.pk for e in response.context["page"].object_list]


def test_list_shows_only_own_organization(officer_client, org, other_org):
    mine = EvaluationFactory(organization=org)
    EvaluationFactory(organization=other_org)
    assert _ids(officer_client.get(reverse("evaluation_list"))) == [mine.pk]


def test_list_filters_by_status_vendor_owner_tier_and_overdue(officer_client, org, officer):
    today = timezone.localdate()
    a = EvaluationFactory(
        organization=org, status=S.SENT, owner=officer, due_date=today - datetime.timedelta(days=1)
    )
    b = EvaluationFactory(organization=org, status=S.SUBMITTED, risk_tier="high")
    c = EvaluationFactory(organization=org, status=S.DECIDED, due_date=today - datetime.timedelta(days=3))
    url = reverse("evaluation_list")
    assert _ids(officer_client.get(url, {"status": "submitted"})) == [b.pk]
    assert _ids(officer_client.get(url, {"vendor": c.product.vendor.public_id})) == [c.pk]
    assert _ids(officer_client.get(url, {"owner": officer.pk})) == [a.pk]
    assert _ids(officer_client.get(url, {"risk_tier": "high"})) == [b.pk]
    # A decided evaluation past its date is not overdue any more.
    assert _ids(officer_client.get(url, {"overdue": "on"})) == [a.pk]
    assert _ids(officer_client.get(url, {"status": "awaiting_review"})) == [b.pk]


def test_list_sorts_by_each_column(org):
    low = EvaluationFactory(organization=org, overall_score=40, due_date=datetime.date(2030, 1, 2))
    high = EvaluationFactory(organization=org, overall_score=90, due_date=datetime.date(2030, 1, 1))
    unscored = EvaluationFactory(organization=org)
    ids = lambda sort: [e.pk for e in evaluation_search(organization=org, sort=sort)]  # noqa: E731
    assert ids("score") == [low.pk, high.pk, unscored.pk]
    assert ids("-score") == [high.pk, low.pk, unscored.pk]
    assert ids("due") == [high.pk, low.pk, unscored.pk]
    for evaluation, product, vendor, status in (
        (low, "Bravo", "Vendor C", "sent"),
        (high, "Alpha", "Vendor A", "submitted"),
        (unscored, "Charlie", "Vendor B", "draft"),
    ):
        evaluation.product.name = product
        evaluation.product.save()
        evaluation.product.vendor.legal_name = vendor
        evaluation.product.vendor.save()
        evaluation.status = status
        evaluation.save()
    assert ids("product") == [high.pk, low.pk, unscored.pk]
    assert ids("-product") == [unscored.pk, low.pk, high.pk]
    assert ids("vendor") == [high.pk, unscored.pk, low.pk]
    assert ids("-vendor") == [low.pk, unscored.pk, high.pk]
    assert ids("status") == [unscored.pk, low.pk, high.pk]


def test_an_unknown_sort_falls_back_to_newest_first(officer_client, org):
    older = EvaluationFactory(organization=org, created_at=timezone.now() - datetime.timedelta(days=1))
    newer = EvaluationFactory(organization=org)
    assert _ids(officer_client.get(reverse("evaluation_list"), {"sort": "drop table"})) == [
        newer.pk,
        older.pk,
    ]


def test_list_is_paginated(officer_client, org):
    EvaluationFactory.create_batch(27, organization=org)
    assert len(_ids(officer_client.get(reverse("evaluation_list"), {"page": 2}))) == 2


def test_list_query_count_is_constant(officer_client, org, django_assert_max_num_queries):
    EvaluationFactory.create_batch(2, organization=org)
    with django_assert_max_num_queries(16) as first:
        officer_client.get(reverse("evaluation_list"))
    EvaluationFactory.create_batch(20, organization=org)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert officer_client.get(reverse("evaluation_list")).status_code == 200


# Detail -------------------------------------------------------------------------------------


def _questionnaire(evaluation, n):
    section = SectionFactory(template=evaluation.template)
    for _ in range(n):
        q = QuestionFactory(section=section, guidance="A good answer names the study.")
        AnswerFactory(evaluation=evaluation, question=q, value="yes")
        EvidenceFileFactory(
            evaluation=evaluation, question=q, original_name="soc2-report.pdf", sha256="ab" * 32
        )


def test_the_evaluation_page_is_a_summary_that_sends_reviewers_to_the_workspace(reviewer_client, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    _questionnaire(evaluation, 2)
    response = reviewer_client.get(evaluation.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Audit timeline" in body
    assert "Status: Submitted" in body
    workspace = reverse("review_workspace", args=[evaluation.public_id])
    assert f'href="{workspace}">Open the review workspace</a>' in body
    assert f'href="{workspace}?show=findings">Findings only</a>' in body
    # The answers, their guidance and evidence are read in the workspace, not here.
    assert "A good answer names the study." not in body
    assert "soc2-report.pdf" not in body
    workspace_body = reviewer_client.get(workspace).content.decode()
    assert "A good answer names the study." in workspace_body
    assert "soc2-report.pdf" in workspace_body
    assert "ab" * 32 in workspace_body


def test_the_workspace_hides_questions_whose_condition_is_not_met(reviewer_client, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    section = SectionFactory(template=evaluation.template)
    gate = QuestionFactory(section=section, key="use.processes_phi", prompt="Do you process PHI?")
    QuestionFactory(
        section=section,
        key="baa.will_sign",
        prompt="Will you sign a BAA?",
        condition={"question": "use.processes_phi", "operator": "equals", "value": "yes"},
    )
    AnswerFactory(evaluation=evaluation, question=gate, value="no")
    url = reverse("review_workspace", args=[evaluation.public_id])
    body = reviewer_client.get(url).content.decode()
    assert "Do you process PHI?" in body
    assert "Will you sign a BAA?" not in body
    # Answering the gate "yes" shows the follow-up: the workspace reads the same rule as the portal.
    Answer.objects.filter(evaluation=evaluation, question=gate).update(value="yes")
    assert "Will you sign a BAA?" in reviewer_client.get(url).content.decode()


def _activity(evaluation, officer, *, questions: int, comments: int) -> None:
    """A questionnaire answered and commented on, with the audit lines that activity leaves."""
    section = SectionFactory(template=evaluation.template)
    made = []
    for _ in range(questions):
        q = QuestionFactory(section=section, guidance="A good answer names the study.")
        AnswerFactory(evaluation=evaluation, question=q, value="Our study of 2024 covers it.")
        made.append(q)
    for n in range(comments):
        ReviewCommentFactory(evaluation=evaluation, question=made[n % len(made)], author=officer)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=evaluation.organization,
            evaluation=evaluation,
            kind=AuditEvent.Kind.ANSWER_CHANGED,
            summary=f"Answer to question {n} changed",
            actor_label="Dana Vendor",
        )
        for n in range(questions + comments)
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_evaluation_page_costs_the_same_queries_whatever_the_size(officer_client, officer, org, reviewer):
    small = EvaluationFactory(organization=org, status=S.SUBMITTED)
    large = EvaluationFactory(organization=org, status=S.SUBMITTED)
    for evaluation, questions, comments in ((small, 3, 2), (large, 240, 100)):
        ReviewerAssignmentFactory(evaluation=evaluation, reviewer=reviewer)
        _activity(evaluation, officer, questions=questions, comments=comments)
    assert _queries(officer_client, small.get_absolute_url()) == _queries(
        officer_client, large.get_absolute_url()
    )


def test_the_evaluation_page_stays_small_at_the_librarys_size(officer_client, officer, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    _activity(evaluation, officer, questions=240, comments=100)
    body = officer_client.get(evaluation.get_absolute_url()).content
    assert len(body) < 150_000
    # The timeline shows the latest lines and sends to the full one for the rest.
    assert b"Answer to question 339 changed" in body
    assert b"Answer to question 0 changed" not in body
    assert reverse("evaluation_timeline", args=[evaluation.public_id]).encode() in body


def test_the_full_timeline_is_paged_newest_first(officer_client, officer, org, outsider_client):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    _activity(evaluation, officer, questions=240, comments=100)
    url = reverse("evaluation_timeline", args=[evaluation.public_id])
    first = officer_client.get(url).content.decode()
    assert "Answer to question 339 changed" in first
    assert "Answer to question 0 changed" not in first
    # 340 lines, 100 a page.
    last = officer_client.get(url + "?page=4").content.decode()
    assert "Answer to question 0 changed" in last
    assert officer_client.get(url + "?page=nonsense").status_code == 200
    assert outsider_client.get(url).status_code == 404


def test_a_question_has_one_lasting_address_that_opens_the_workspace_at_it(reviewer_client, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    SectionFactory(template=evaluation.template, key="first", order=0)
    later = SectionFactory(template=evaluation.template, key="later", order=1)
    question = QuestionFactory(section=later, prompt="Which subgroups were tested?")
    url = reverse("evaluation_question", args=[evaluation.public_id, question.pk])
    assert url == f"/evaluations/{evaluation.public_id}/questions/{question.pk}/"
    assert evaluation.get_question_url(question.pk) == url
    response = reviewer_client.get(url)
    assert response.status_code == 302
    workspace = reverse("review_workspace", args=[evaluation.public_id])
    assert response["Location"] == f"{workspace}?section=later#q-{question.pk}"
    assert "Which subgroups were tested?" in reviewer_client.get(response["Location"]).content.decode()


def test_a_questions_address_is_the_organizations_own(reviewer_client, outsider_client, client, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    question = QuestionFactory(section=SectionFactory(template=evaluation.template))
    url = reverse("evaluation_question", args=[evaluation.public_id, question.pk])
    assert outsider_client.get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    foreign = QuestionFactory()
    assert (
        reviewer_client.get(
            reverse("evaluation_question", args=[evaluation.public_id, foreign.pk])
        ).status_code
        == 404
    )


def test_links_made_for_the_old_answers_list_are_sent_on_to_the_question(reviewer_client, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    body = reviewer_client.get(evaluation.get_absolute_url()).content.decode()
    # static/js/question_links.js turns "#q-<id>" on this page into the question's address.
    assert f'data-question-url="/evaluations/{evaluation.public_id}/questions/0/"' in body
    assert "js/question_links.js" in body


def test_detail_of_another_organization_is_not_found(outsider_client, org):
    evaluation = EvaluationFactory(organization=org)
    assert outsider_client.get(evaluation.get_absolute_url()).status_code == 404


def test_audit_timeline_is_newest_first_with_actor_and_ip(officer_client, officer, org):
    evaluation = EvaluationFactory(organization=org)
    officer_client.post(reverse("evaluation_move", args=[evaluation.public_id]), {"to_status": "sent"})
    timeline = list(officer_client.get(evaluation.get_absolute_url()).context["timeline"])
    assert timeline[0].summary.startswith("Status: Draft")
    assert timeline[0].ip_address == "127.0.0.1"


# Workflow buttons ---------------------------------------------------------------------------


def test_officer_sends_and_archives(officer_client, org):
    evaluation = EvaluationFactory(organization=org)
    url = reverse("evaluation_move", args=[evaluation.public_id])
    assert officer_client.post(url, {"to_status": "sent"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.SENT
    officer_client.post(url, {"to_status": "archived"})
    evaluation.refresh_from_db()
    assert evaluation.status == S.ARCHIVED


def test_an_illegal_move_is_refused_with_a_message(officer_client, org):
    evaluation = EvaluationFactory(organization=org, status=S.DRAFT)
    url = reverse("evaluation_move", args=[evaluation.public_id])
    response = officer_client.post(url, {"to_status": "under_review"}, follow=True)
    assert "cannot move" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == S.DRAFT


def test_moves_made_elsewhere_are_not_offered_as_buttons(officer_client, org):
    evaluation = EvaluationFactory(organization=org, status=S.SUBMITTED)
    url = reverse("evaluation_move", args=[evaluation.public_id])
    officer_client.post(url, {"to_status": "decided"})
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED


def test_reviewer_starts_review_but_may_not_send(reviewer_client, org):
    submitted = EvaluationFactory(organization=org, status=S.SUBMITTED)
    reviewer_client.post(
        reverse("evaluation_move", args=[submitted.public_id]), {"to_status": "under_review"}
    )
    submitted.refresh_from_db()
    assert submitted.status == S.UNDER_REVIEW
    draft = EvaluationFactory(organization=org)
    response = reviewer_client.post(reverse("evaluation_move", args=[draft.public_id]), {"to_status": "sent"})
    assert response.status_code == 403


def test_move_refuses_get_anonymous_and_outsiders(client, officer_client, outsider_client, org):
    evaluation = EvaluationFactory(organization=org)
    url = reverse("evaluation_move", args=[evaluation.public_id])
    assert officer_client.get(url).status_code == 405
    assert client.post(url, {"to_status": "sent"}).status_code == 302
    assert outsider_client.post(url, {"to_status": "sent"}).status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.status == S.DRAFT


def test_dashboard_links_to_the_list_and_to_each_evaluation(officer_client, org):
    evaluation = EvaluationFactory(organization=org)
    body = officer_client.get(reverse("dashboard")).content.decode()
    assert reverse("evaluation_list") in body
    assert evaluation.get_absolute_url() in body


def test_create_page_offers_published_templates_and_the_vendors_products(
    officer_client, org, product, template
):
    TemplateFactory(organization=org, status=Template.Status.DRAFT, name="Unfinished draft")
    ProductFactory(vendor__organization=org, name="Other vendor's product")
    response = officer_client.get(reverse("evaluation_create"), {"vendor": product.vendor.public_id})
    body = response.content.decode()
    assert response.status_code == 200
    assert template.name in body
    assert "Unfinished draft" not in body
    assert "Other vendor&#x27;s product" not in body
    assert "Sepsis Watch" in body


def test_nav_links_to_evaluations_and_vendors(reviewer_client):
    body = reviewer_client.get(reverse("dashboard")).content.decode()
    assert reverse("evaluation_list") in body
    assert reverse("vendor_list") in body


def test_the_new_evaluation_form_proposes_the_officer_as_owner(officer_client, officer):
    response = officer_client.get(reverse("evaluation_create"))
    assert response.context["form"]["owner"].value() == officer.pk
