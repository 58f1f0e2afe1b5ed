"""Review: assignments and sign-off, comments, clarification rounds, the decision and its conditions."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procurement.models import (
    AuditEvent,
    ClarificationRequest,
    DecisionCondition,
    Evaluation,
    ReviewComment,
    ReviewerAssignment,
)
from procurement.presenters import review_workspace
from procurement.services.reviews import (
    clarification_request,
    comment_add,
    decision_record,
    reviewer_assign,
    section_sign_off,
)
from tests.factories import (
    AnswerFactory,
    EvaluationFactory,
    QuestionFactory,
    ReviewerAssignmentFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db
S = Evaluation.Status
D = Evaluation.Decision


@pytest.fixture
def evaluation(org):
    return EvaluationFactory(organization=org, status=S.SUBMITTED)


@pytest.fixture
def answer(evaluation):
    section = SectionFactory(template=evaluation.template, title="Privacy")
    question = QuestionFactory(
        section=section, key="baa.breach_notice_days", type="number", options={"unit": "days"}
    )
    return AnswerFactory(evaluation=evaluation, question=question, value=60)


def _url(name, evaluation):
    return reverse(name, args=[evaluation.public_id])


# Assignments and sign-off -------------------------------------------------------------------


def test_reviewer_assigned_to_a_section_signs_it_off(evaluation, answer, officer, reviewer):
    assignment = reviewer_assign(
        evaluation=evaluation, reviewer=reviewer, section=answer.question.section, user=officer
    )
    section_sign_off(assignment=assignment, user=reviewer)
    assignment.refresh_from_db()
    assert assignment.signed_off_at is not None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SECTION_SIGNED_OFF)
    assert event.summary == "Signed off Privacy"


def test_only_the_assigned_reviewer_signs_off(evaluation, officer, reviewer):
    assignment = ReviewerAssignmentFactory(evaluation=evaluation, reviewer=reviewer)
    with pytest.raises(ValidationError, match="assigned reviewer"):
        section_sign_off(assignment=assignment, user=officer)
    assignment.refresh_from_db()
    assert assignment.signed_off_at is None


def test_sign_off_waits_for_the_vendors_submission(org, reviewer):
    assignment = ReviewerAssignmentFactory(
        evaluation=EvaluationFactory(organization=org, status=S.SENT), reviewer=reviewer
    )
    with pytest.raises(ValidationError, match="submitted"):
        section_sign_off(assignment=assignment, user=reviewer)
    assert not AuditEvent.objects.exists()


def test_the_same_reviewer_is_not_assigned_twice_to_the_same_part(evaluation, officer, reviewer):
    reviewer_assign(evaluation=evaluation, reviewer=reviewer, section=None, user=officer)
    with pytest.raises(ValidationError, match="already assigned"):
        reviewer_assign(evaluation=evaluation, reviewer=reviewer, section=None, user=officer)
    assert ReviewerAssignment.objects.count() == 1


def test_an_outsider_cannot_be_assigned(evaluation, officer, outsider):
    with pytest.raises(ValidationError):
        reviewer_assign(evaluation=evaluation, reviewer=outsider, section=None, user=officer)
    assert not ReviewerAssignment.objects.exists()


def test_assign_and_sign_off_views(officer_client, reviewer_client, reviewer, evaluation, answer):
    response = officer_client.post(
        _url("reviewer_assign", evaluation), {"reviewer": reviewer.pk, "section": answer.question.section.pk}
    )
    assert response.status_code == 302
    assignment = ReviewerAssignment.objects.get()
    response = reviewer_client.post(_url("section_sign_off", evaluation), {"assignment": assignment.pk})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.signed_off_at is not None
    assert "Signed off" in reviewer_client.get(evaluation.get_absolute_url()).content.decode()


def test_a_reviewer_signs_off_the_section_from_the_workspace_and_stays_on_it(
    reviewer_client, reviewer, evaluation, answer
):
    section = answer.question.section
    assignment = ReviewerAssignmentFactory(evaluation=evaluation, reviewer=reviewer, section=section)
    workspace = reverse("review_workspace", args=[evaluation.public_id]) + f"?section={section.key}"
    assert "Sign off this section" in reviewer_client.get(workspace).content.decode()
    response = reviewer_client.post(
        _url("section_sign_off", evaluation), {"assignment": assignment.pk, "section": section.key}
    )
    assert response.status_code == 302
    assert response["Location"] == workspace
    assignment.refresh_from_db()
    assert assignment.signed_off_at is not None
    body = reviewer_client.get(workspace).content.decode()
    assert "Sign off this section" not in body
    assert "Signed off</span> this section" in body


def test_assign_view_refusals(client, reviewer_client, outsider_client, officer_client, reviewer, evaluation):
    url = _url("reviewer_assign", evaluation)
    assert officer_client.get(url).status_code == 405
    assert client.post(url, {"reviewer": reviewer.pk}).status_code == 302
    assert reviewer_client.post(url, {"reviewer": reviewer.pk}).status_code == 403
    assert outsider_client.post(url, {"reviewer": reviewer.pk}).status_code == 404
    assert not ReviewerAssignment.objects.exists()


def test_sign_off_of_another_evaluations_assignment_is_not_found(reviewer_client, reviewer, org, evaluation):
    elsewhere = ReviewerAssignmentFactory(evaluation=EvaluationFactory(organization=org), reviewer=reviewer)
    response = reviewer_client.post(_url("section_sign_off", evaluation), {"assignment": elsewhere.pk})
    assert response.status_code == 404


# Comments -----------------------------------------------------------------------------------


def test_comment_is_stored_and_audited(evaluation, answer, reviewer):
    comment = comment_add(
        evaluation=evaluation,
        question_id=answer.question_id,
        body="Why 60 days?",
        user=reviewer,
        is_visible_to_vendor=True,
    )
    assert comment.is_visible_to_vendor
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.COMMENT_ADDED).data["visible_to_vendor"] is True


def test_comment_on_a_question_of_another_template_is_refused(evaluation, reviewer):
    stranger = QuestionFactory()
    with pytest.raises(ValidationError, match="not part"):
        comment_add(evaluation=evaluation, question_id=stranger.pk, body="x", user=reviewer)
    assert not ReviewComment.objects.exists()


def test_comment_view(reviewer_client, client, outsider_client, evaluation, answer):
    # Comments are added beside the question in the review workspace.
    url = reverse("review_comments", args=[evaluation.public_id, answer.question_id])
    data = {"body": "Please cite the BAA clause."}
    assert client.post(url, data).status_code == 302
    assert outsider_client.post(url, data).status_code == 404
    assert not ReviewComment.objects.exists()
    response = reviewer_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == evaluation.get_question_url(answer.question_id)
    assert ReviewComment.objects.get().is_visible_to_vendor is False
    body = reviewer_client.get(url).content.decode()
    assert "Please cite the BAA clause." in body
    assert "Internal" in body


def test_empty_comment_reports_an_error(reviewer_client, evaluation, answer):
    response = reviewer_client.post(
        reverse("review_comments", args=[evaluation.public_id, answer.question_id]), {"body": ""}
    )
    assert response.status_code == 200
    assert "Write the comment before saving it." in response.content.decode()
    assert not ReviewComment.objects.exists()


# Clarification ------------------------------------------------------------------------------


def test_clarification_snapshots_the_answer_and_reopens_the_evaluation(evaluation, answer, reviewer):
    [request] = clarification_request(
        evaluation=evaluation,
        question_ids=[answer.question_id],
        message="60 days exceeds HIPAA's limit.",
        user=reviewer,
    )
    evaluation.refresh_from_db()
    assert evaluation.status == S.CHANGES_REQUESTED
    assert request.answer_snapshot == 60
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CLARIFICATION_REQUESTED).count() == 1


@pytest.mark.parametrize("status", [S.DRAFT, S.SENT, S.DECIDED])
def test_clarification_outside_review_is_refused_and_writes_nothing(org, reviewer, status):
    evaluation = EvaluationFactory(organization=org, status=status)
    question = QuestionFactory(template=evaluation.template, section__template=evaluation.template)
    with pytest.raises(ValidationError, match="submitted"):
        clarification_request(evaluation=evaluation, question_ids=[question.pk], message="?", user=reviewer)
    assert not ClarificationRequest.objects.exists()
    evaluation.refresh_from_db()
    assert evaluation.status == status


def test_clarification_without_message_writes_nothing(evaluation, answer, reviewer):
    with pytest.raises(ValidationError, match="clarifying"):
        clarification_request(
            evaluation=evaluation, question_ids=[answer.question_id], message=" ", user=reviewer
        )
    assert not ClarificationRequest.objects.exists()


def test_reviewer_sees_what_changed_after_clarification(evaluation, answer, reviewer, reviewer_client):
    clarification_request(
        evaluation=evaluation, question_ids=[answer.question_id], message="Shorter?", user=reviewer
    )
    answer.value = 30
    answer.save()
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.SUBMITTED)
    [block] = review_workspace(evaluation, user_id=reviewer.pk).sections
    row = block.rows[0]
    assert row.changed_since_clarification
    assert row.snapshot_display["text"] == "60 days"
    body = reviewer_client.get(reverse("review_workspace", args=[evaluation.public_id])).content.decode()
    assert "Changed" in body
    assert "60 days" in body


def test_clarification_view(reviewer_client, client, outsider_client, evaluation, answer):
    url = _url("review_clarification", evaluation)
    data = {"questions": [answer.question_id], "message": "Please confirm."}
    assert reviewer_client.get(url).status_code == 405
    assert client.post(url, data).status_code == 302
    assert outsider_client.post(url, data).status_code == 404
    assert not ClarificationRequest.objects.exists()
    assert reviewer_client.post(url, data).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == S.CHANGES_REQUESTED


def test_clarification_view_needs_a_question(reviewer_client, evaluation, answer):
    response = reviewer_client.post(_url("review_clarification", evaluation), {"message": "Hm"})
    assert response.status_code == 200
    assert "questions" in response.context["clarification_form"].errors
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED


# Decision -----------------------------------------------------------------------------------


def test_approval_with_conditions_creates_the_checklist(evaluation, officer):
    decision_record(
        evaluation=evaluation,
        decision=D.APPROVED_WITH_CONDITIONS,
        rationale="Good evidence; BAA to be amended.",
        user=officer,
        conditions=[
            {
                "description": "Amend the BAA breach clause",
                "owner": officer,
                "due_date": datetime.date(2030, 1, 1),
            },
            {"description": "", "owner": None, "due_date": None},
        ],
    )
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision, evaluation.decided_by) == (
        S.DECIDED,
        D.APPROVED_WITH_CONDITIONS,
        officer,
    )
    assert DecisionCondition.objects.get().description == "Amend the BAA breach clause"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DECISION_RECORDED).count() == 1


def test_a_decision_without_rationale_writes_nothing(evaluation, officer):
    with pytest.raises(ValidationError, match="rationale"):
        decision_record(evaluation=evaluation, decision=D.APPROVED, rationale="  ", user=officer)
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision) == (S.SUBMITTED, "")
    assert not AuditEvent.objects.exists()


def test_approval_with_conditions_needs_a_condition(evaluation, officer):
    with pytest.raises(ValidationError, match="at least one condition"):
        decision_record(
            evaluation=evaluation, decision=D.APPROVED_WITH_CONDITIONS, rationale="ok", user=officer
        )


def test_a_decision_before_submission_is_refused(org, officer):
    evaluation = EvaluationFactory(organization=org, status=S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        decision_record(evaluation=evaluation, decision=D.REJECTED, rationale="No BAA", user=officer)
    evaluation.refresh_from_db()
    assert evaluation.status == S.IN_PROGRESS
    assert not AuditEvent.objects.exists()


def _decision_data(**extra):
    data = {
        "decision": "approved_with_conditions",
        "rationale": "Acceptable with an amended BAA.",
        "conditions-TOTAL_FORMS": "3",
        "conditions-INITIAL_FORMS": "0",
        "conditions-MIN_NUM_FORMS": "0",
        "conditions-MAX_NUM_FORMS": "20",
        "conditions-0-description": "Amend the BAA",
        "conditions-0-due_date": "2030-02-01",
    }
    data.update(extra)
    return data


def test_decision_view_records_the_decision(officer_client, officer, evaluation):
    response = officer_client.post(
        _url("decision_record", evaluation), _decision_data(**{"conditions-0-owner": officer.pk})
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.decision == D.APPROVED_WITH_CONDITIONS
    assert DecisionCondition.objects.get().owner == officer


def test_decision_view_without_rationale_rerenders_with_the_error(officer_client, evaluation):
    response = officer_client.post(_url("decision_record", evaluation), _decision_data(rationale=""))
    assert response.status_code == 200
    assert "rationale" in response.context["decision_form"].errors
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED


def test_decision_view_refusals(client, reviewer_client, compliance_client, outsider_client, evaluation):
    url = _url("decision_record", evaluation)
    assert reviewer_client.get(url).status_code == 405
    assert client.post(url, _decision_data()).status_code == 302
    assert reviewer_client.post(url, _decision_data()).status_code == 403
    assert compliance_client.post(url, _decision_data()).status_code == 403
    assert outsider_client.post(url, _decision_data()).status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED


def test_condition_owner_marks_it_done(client_for, reviewer, org):
    evaluation = EvaluationFactory(organization=org, status=S.DECIDED)
    condition = DecisionCondition.objects.create(
        organization=org, evaluation=evaluation, description="Bias audit in 6 months", owner=reviewer
    )
    response = client_for(reviewer).post(_url("condition_complete", evaluation), {"condition": condition.pk})
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.is_done


def test_condition_of_someone_else_cannot_be_marked_by_a_reviewer(
    reviewer_client, officer, org, outsider_client
):
    evaluation = EvaluationFactory(organization=org, status=S.DECIDED)
    condition = DecisionCondition.objects.create(
        organization=org, evaluation=evaluation, description="Bias audit", owner=officer
    )
    url = _url("condition_complete", evaluation)
    assert reviewer_client.post(url, {"condition": condition.pk}).status_code == 403
    assert outsider_client.post(url, {"condition": condition.pk}).status_code == 404
    condition.refresh_from_db()
    assert not condition.is_done


def test_audit_events_cannot_be_changed(evaluation, officer):
    decision_record(evaluation=evaluation, decision=D.REJECTED, rationale="No BAA", user=officer)
    event = AuditEvent.objects.filter(evaluation=evaluation).first()
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(evaluation=evaluation).delete()


def test_decided_page_shows_decision_and_checklist(officer_client, officer, evaluation):
    decision_record(
        evaluation=evaluation,
        decision=D.APPROVED_WITH_CONDITIONS,
        rationale="Fine once the BAA is amended.",
        user=officer,
        conditions=[{"description": "Amend the BAA breach clause", "owner": officer, "due_date": None}],
    )
    body = officer_client.get(evaluation.get_absolute_url()).content.decode()
    assert "Approved with conditions" in body
    assert "Fine once the BAA is amended." in body
    assert "Amend the BAA breach clause" in body
    assert "Mark as met" in body
    assert "Record the decision" not in body


def test_the_evaluation_page_shows_a_condition_without_owner_and_a_decider_who_left(org, officer_client):
    from tests.factories import DecisionConditionFactory

    evaluation = EvaluationFactory(
        organization=org,
        status=S.DECIDED,
        decision=D.APPROVED_WITH_CONDITIONS,
        decision_rationale="Fine with conditions.",
        decided_by=None,
    )
    DecisionConditionFactory(evaluation=evaluation, owner=None, description="Sign the BAA.")
    response = officer_client.get(_url("evaluation_detail", evaluation))
    assert response.status_code == 200
    assert "Sign the BAA." in response.content.decode()
    assert "no owner" in response.content.decode()
    assert "a former member" in response.content.decode()
