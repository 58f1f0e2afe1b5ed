"""The buyer's inherent-risk intake: the tier it sets and how it scopes what the vendor is asked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement.models import AuditEvent, Evaluation
from procurement.selectors import evaluation_snapshot, scope_summary, vendor_progress
from procurement.services.answers import answer_save
from procurement.services.intake import evaluation_intake_record
from procurement.services.scoring_inputs import load_scoring_inputs
from procurement.services.submission import evaluation_submit
from tests.factories import (
    CRITICAL_INTAKE,
    LOW_RISK_INTAKE,
    SAMPLE_INTAKE,
    AnswerFactory,
    EvaluationFactory,
    InviteFactory,
    QuestionFactory,
)
from tests.procurement.conftest import answer_post, build_questionnaire, portal_url

pytestmark = pytest.mark.django_db
S = Evaluation.Status


@pytest.fixture
def scoped(evaluation, questions):
    """The small questionnaire with an intake; its second section is asked from high risk up."""
    evaluation.template.intake = SAMPLE_INTAKE
    evaluation.template.save()
    questions.second.asked_from = "high"
    questions.second.save()
    return questions


def _record(evaluation, officer, answers):
    recorded = evaluation_intake_record(evaluation=evaluation, answers=answers, user=officer)
    evaluation.refresh_from_db()
    return recorded


def test_recording_the_intake_sets_the_tier_its_reasons_and_an_audit_line(evaluation, scoped, officer):
    recorded = _record(evaluation, officer, {"phi": "yes", "patient_facing": "no", "autonomy": "informs"})
    evaluation.refresh_from_db()
    assert (evaluation.inherent_tier, evaluation.inherent_reasons) == ("moderate", ["It handles PHI."])
    assert evaluation.intake_answers == {"phi": True, "patient_facing": False, "autonomy": "informs"}
    assert recorded.intake_answered_by == officer
    event = AuditEvent.objects.get(evaluation=evaluation, kind=AuditEvent.Kind.INTAKE_RECORDED)
    assert event.summary == "Risk intake recorded: inherent tier moderate"
    _record(evaluation, officer, CRITICAL_INTAKE)
    latest = AuditEvent.objects.filter(kind=AuditEvent.Kind.INTAKE_RECORDED).order_by("-id").first()
    assert latest.summary == "Risk intake recorded: inherent tier critical (was moderate)"
    # The same answers again change nothing and log nothing.
    _record(evaluation, officer, CRITICAL_INTAKE)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.INTAKE_RECORDED).count() == 2


def test_missing_or_wrong_answers_are_named_per_item(evaluation, scoped, officer):
    with pytest.raises(ValidationError) as caught:
        _record(evaluation, officer, {"phi": "perhaps", "autonomy": "informs"})
    assert caught.value.message_dict == {
        "phi": ["Choose one of the offered answers."],
        "patient_facing": ["Answer this question."],
    }
    evaluation.refresh_from_db()
    assert evaluation.inherent_tier == ""


def test_a_template_without_intake_or_a_submitted_evaluation_refuses(evaluation, questions, officer):
    with pytest.raises(ValidationError, match="has no intake"):
        _record(evaluation, officer, LOW_RISK_INTAKE)
    evaluation.template.intake = SAMPLE_INTAKE
    evaluation.template.save()
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.SUBMITTED)
    with pytest.raises(ValidationError, match="submitted; its scope can no longer change"):
        _record(evaluation, officer, LOW_RISK_INTAKE)


def test_without_an_answered_intake_everything_is_asked(evaluation, scoped):
    snapshot = evaluation_snapshot(evaluation)
    assert [s.key for s in snapshot.sections] == ["intended-use", "evidence"]
    assert snapshot.out_of_scope == []


def test_a_low_risk_use_leaves_out_the_sections_asked_from_a_higher_tier(evaluation, scoped, officer):
    _record(evaluation, officer, LOW_RISK_INTAKE)
    snapshot = evaluation_snapshot(evaluation)
    assert [s.key for s in snapshot.sections] == ["intended-use"]
    assert [s.key for s in snapshot.out_of_scope] == ["evidence"]
    assert {q.key for q in snapshot.questions} == {
        "use.processes_phi",
        "deid.method_training",
        "deid.safe_harbor.full_zip",
        "baa.breach_notice_days",
        "use.data_modalities",
    }
    summary = scope_summary(evaluation)
    assert (summary.asked_questions, summary.total_questions) == (5, 9)
    _record(evaluation, officer, CRITICAL_INTAKE)
    assert [s.key for s in evaluation_snapshot(evaluation).sections] == ["intended-use", "evidence"]


def test_a_question_can_be_asked_from_a_tier_of_its_own(evaluation, scoped, officer):
    scoped.days.asked_from = "moderate"
    scoped.days.save()
    _record(evaluation, officer, LOW_RISK_INTAKE)
    assert "baa.breach_notice_days" not in {q.key for q in evaluation_snapshot(evaluation).questions}
    _record(evaluation, officer, {**LOW_RISK_INTAKE, "phi": True})
    assert "baa.breach_notice_days" in {q.key for q in evaluation_snapshot(evaluation).questions}


def test_an_answer_to_a_question_not_asked_is_refused(evaluation, scoped, officer, invite):
    _record(evaluation, officer, LOW_RISK_INTAKE)
    with pytest.raises(ValidationError) as caught:
        answer_save(
            evaluation=evaluation,
            question=scoped.date,
            value="2026-01-01",
            expected_version=0,
            contact=invite.contact,
        )
    assert caught.value.code == "out_of_scope"
    assert not evaluation.answers.exists()


def test_submission_needs_only_the_questions_in_scope(evaluation, scoped, officer, invite):
    for question, value in [(scoped.phi, "no"), (scoped.method, "unknown"), (scoped.days, 30)]:
        answer_save(
            evaluation=evaluation, question=question, value=value, expected_version=0, contact=invite.contact
        )
    _record(evaluation, officer, CRITICAL_INTAKE)
    with pytest.raises(ValidationError) as caught:
        evaluation_submit(evaluation=evaluation, contact=invite.contact)
    assert caught.value.params["missing"] == ["bias.subgroup_table", "security.soc2_type2"]
    _record(evaluation, officer, LOW_RISK_INTAKE)
    evaluation_submit(evaluation=evaluation, contact=invite.contact)
    evaluation.refresh_from_db()
    assert evaluation.status == S.SUBMITTED


def test_scoring_reads_only_what_was_asked(evaluation, scoped, officer):
    AnswerFactory(evaluation=evaluation, question=scoped.site, value="https://example.org")
    _record(evaluation, officer, LOW_RISK_INTAKE)
    inputs = load_scoring_inputs(evaluation)
    assert [s.key for s in inputs["sections"]] == ["intended-use"]
    assert "security.site" not in inputs["answers"]
    _record(evaluation, officer, CRITICAL_INTAKE)
    inputs = load_scoring_inputs(evaluation)
    assert inputs["answers"]["security.site"] == ("https://example.org", False)


def test_the_vendor_sees_a_visibly_shorter_questionnaire_for_a_low_risk_use(
    client, evaluation, scoped, officer, invite
):
    _record(evaluation, officer, CRITICAL_INTAKE)
    page = client.get(portal_url(invite)).content.decode()
    assert "?section=evidence" in page
    _record(evaluation, officer, LOW_RISK_INTAKE)
    page = client.get(portal_url(invite)).content.decode()
    assert "?section=intended-use" in page
    assert "?section=evidence" not in page
    response = client.post(
        portal_url(invite, f"q/{scoped.date.key}/"), answer_post(scoped.date, "2026-01-01")
    )
    assert response.status_code == 404
    assert not evaluation.answers.exists()


def test_the_intake_page_records_the_answers_and_shows_the_scope(officer_client, evaluation, scoped):
    url = reverse("evaluation_intake", args=[evaluation.public_id])
    page = officer_client.get(url).content.decode()
    assert "Does it handle PHI?" in page
    assert "Not answered yet: the vendor is asked every question (9)." in page
    response = officer_client.post(
        url, {"phi": "no", "patient_facing": "no", "autonomy": "informs"}, follow=True
    )
    page = response.content.decode()
    assert "Inherent risk: Low. The vendor will be asked 5 of 9 questions." in page
    assert '<ul id="scope-left-out"><li>Evidence</li></ul>' in page
    evaluation.refresh_from_db()
    assert evaluation.inherent_tier == "low"
    detail = officer_client.get(evaluation.get_absolute_url()).content.decode()
    assert "the vendor is asked 5 of 9 questions" in detail


def test_the_intake_page_names_a_missing_answer_next_to_its_item(officer_client, evaluation, scoped):
    url = reverse("evaluation_intake", args=[evaluation.public_id])
    response = officer_client.post(url, {"phi": "yes", "autonomy": "informs"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"patient_facing": ["This field is required."]}
    evaluation.refresh_from_db()
    assert evaluation.inherent_tier == ""


def test_a_reviewer_sees_the_intake_but_cannot_change_it(reviewer_client, evaluation, scoped):
    url = reverse("evaluation_intake", args=[evaluation.public_id])
    page = reviewer_client.get(url).content.decode()
    assert "Save the intake" not in page
    assert reviewer_client.post(url, CRITICAL_INTAKE).status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.inherent_tier == ""


def test_after_submission_the_page_refuses_a_change_with_a_message(officer_client, evaluation, scoped):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.SUBMITTED)
    url = reverse("evaluation_intake", args=[evaluation.public_id])
    response = officer_client.post(
        url, {"phi": "no", "patient_facing": "no", "autonomy": "informs"}, follow=True
    )
    assert "The scope of this evaluation cannot be changed now." in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.inherent_tier == ""


def test_the_list_shows_each_vendors_progress_in_scope_and_last_activity(
    officer_client, org, evaluation, scoped, officer, invite, django_assert_max_num_queries
):
    answer_save(
        evaluation=evaluation, question=scoped.phi, value="no", expected_version=0, contact=invite.contact
    )
    _record(evaluation, officer, LOW_RISK_INTAKE)
    progress = vendor_progress([evaluation])[evaluation.pk]
    # Items: processes_phi, method (+ its zip follow-up), breach days; modalities is optional.
    assert (progress.done, progress.total) == (1, 3)
    assert progress.last_active_at is not None
    row = officer_client.get(reverse("evaluation_list")).content.decode()
    assert "1 of 3 required" in row
    assert "last worked 0" in row
    _record(evaluation, officer, CRITICAL_INTAKE)
    assert vendor_progress([evaluation])[evaluation.pk].total == 5


def test_list_progress_reads_a_fixed_number_of_queries(org, officer, django_assert_num_queries):
    evaluations = []
    for _ in range(3):
        evaluation = EvaluationFactory(organization=org, owner=officer, status=S.SENT)
        questions = build_questionnaire(evaluation)
        AnswerFactory(evaluation=evaluation, question=questions.phi, value="yes")
        InviteFactory(evaluation=evaluation)
        evaluations.append(Evaluation.objects.select_related("template").get(pk=evaluation.pk))
    # Answers, evidence, and the three templates' sections and questions together.
    with django_assert_num_queries(4):
        progress = vendor_progress(evaluations)
    assert [(p.done, p.total) for p in progress.values()] == [(1, 5)] * 3
    QuestionFactory(section=evaluations[0].template.sections.first(), is_required=True)
    with django_assert_num_queries(2):  # the published templates are cached now
        vendor_progress(evaluations)


INTAKE_VALUES = st.one_of(
    st.sampled_from(["yes", "no", "informs", "autonomous", "", "YES", "maybe", "true", "0"]),
    st.text(max_size=30),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["phi", "patient_facing", "autonomy", "colour"]), INTAKE_VALUES))
def test_random_intake_answers_are_recorded_whole_or_refused_beside_the_field(officer_client, scoped, data):
    evaluation = Evaluation.objects.get(pk=scoped.first.template.evaluations.get().pk)
    before = evaluation.inherent_tier
    response = officer_client.post(reverse("evaluation_intake", args=[evaluation.public_id]), data)
    assert response.status_code in (200, 302)
    evaluation.refresh_from_db()
    if response.status_code == 200:
        # Refused: the reason is next to a field and nothing changed.
        assert b"invalid-feedback" in response.content
        assert evaluation.inherent_tier == before
    else:
        assert evaluation.inherent_tier in ("low", "moderate", "high", "critical")
        assert set(evaluation.intake_answers) == {"phi", "patient_facing", "autonomy"}
