from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from procurement.models import Answer, AuditEvent, Evaluation
from procurement.services.answers import answer_save
from questionnaires.engine.answers import AnswerConflict, clean_value
from tests.factories import ClarificationRequestFactory, QuestionFactory

S = Evaluation.Status


# --- per-type validation (pure) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("qtype", "options", "raw", "expected"),
    [
        ("yes_no", {}, "yes", "yes"),
        ("single_choice", {"choices": [{"value": "a", "label": "A"}]}, "a", "a"),
        ("multi_choice", {"choices": [{"value": "a"}, {"value": "b"}]}, ["b", "a", "b"], ["a", "b"]),
        ("short_text", {}, "  K123456 ", "K123456"),
        ("number", {"min": 0, "max": 365}, "60", 60),
        ("number", {}, "12.5", 12.5),
        ("number", {}, "1,000", 1000),
        ("date", {}, "2024-02-29", "2024-02-29"),
        ("url", {}, "https://vendor.example.com/trust", "https://vendor.example.com/trust"),
        ("yes_no", {}, "", None),
        (
            "table",
            {"columns": [{"key": "subgroup", "type": "text"}, {"key": "n", "type": "number"}]},
            [{"subgroup": "Female", "n": "120"}, {"subgroup": "", "n": ""}],
            [{"subgroup": "Female", "n": 120}],
        ),
    ],
)
def test_valid_values_are_normalised_to_the_shared_formats(qtype, options, raw, expected):
    question = QuestionFactory.build(type=qtype, options=options)
    assert clean_value(question, raw) == expected


@pytest.mark.parametrize(
    ("qtype", "options", "raw", "message"),
    [
        ("yes_no", {}, "maybe", "Choose yes or no."),
        ("single_choice", {"choices": [{"value": "a"}]}, "z", "Choose one of the listed options."),
        (
            "multi_choice",
            {"choices": [{"value": "a"}]},
            ["a", "evil"],
            "Choose only among the listed options.",
        ),
        ("number", {}, "twelve", "must be a number"),
        ("number", {}, "NaN", "must be a number"),
        ("number", {"min": 0, "max": 365}, "400", "must be between 0 and 365"),
        ("number", {"min": 0}, "-1", "must be at least 0"),
        ("date", {}, "2023-02-30", "Enter a real date"),
        ("date", {}, "31/12/2024", "Enter a real date"),
        ("url", {}, "javascript:alert(1)", "starting with https://"),
        ("url", {}, "ftp://files.example.com", "starting with https://"),
        ("short_text", {"max_length": 5}, "toolong", "within 5 characters"),
        (
            "table",
            {
                "columns": [
                    {"key": "subgroup", "label": "Subgroup"},
                    {"key": "n", "label": "N", "type": "number"},
                ]
            },
            [{"subgroup": "Female", "n": ""}],
            "Row 1: fill in every column to save this row (missing: N).",
        ),
        (
            "table",
            {
                "columns": [
                    {"key": "subgroup", "label": "Subgroup"},
                    {"key": "n", "label": "N", "type": "number"},
                ]
            },
            [{"subgroup": "Male", "n": "many"}],
            "Row 1: N must be a number",
        ),
        ("file", {}, "x", "upload button"),
    ],
)
def test_invalid_values_get_a_clear_message(qtype, options, raw, message):
    question = QuestionFactory.build(type=qtype, options=options)
    with pytest.raises(ValidationError) as exc:
        clean_value(question, raw)
    assert any(message in m for m in exc.value.messages)


# --- the saving service ---------------------------------------------------------------------


@pytest.fixture
def in_progress(evaluation):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.IN_PROGRESS)
    evaluation.status = S.IN_PROGRESS
    return evaluation


@pytest.mark.django_db
def test_first_save_creates_version_one_audits_and_starts_the_evaluation(invite, evaluation, questions):
    answer = answer_save(
        evaluation=evaluation, question=questions.phi, value="yes", expected_version=0, contact=invite.contact
    )
    assert (answer.value, answer.version, answer.updated_by_contact) == ("yes", 1, invite.contact)
    evaluation.refresh_from_db()
    assert evaluation.status == S.IN_PROGRESS
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ANSWER_CHANGED)
    assert event.data["old"] is None
    assert event.data["new"] == "yes"
    assert event.actor_contact == invite.contact


@pytest.mark.django_db
def test_two_saves_from_the_same_version_conflict_and_nothing_is_overwritten(invite, in_progress, questions):
    answer_save(
        evaluation=in_progress,
        question=questions.days,
        value="30",
        expected_version=0,
        contact=invite.contact,
    )
    answer_save(
        evaluation=in_progress,
        question=questions.days,
        value="45",
        expected_version=1,
        contact=invite.contact,
    )
    with pytest.raises(AnswerConflict) as exc:
        answer_save(
            evaluation=in_progress,
            question=questions.days,
            value="90",
            expected_version=1,
            contact=invite.contact,
        )
    assert exc.value.answer.value == 45
    stored = Answer.objects.get(question=questions.days)
    assert (stored.value, stored.version) == (45, 2)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ANSWER_CHANGED).count() == 2


@pytest.mark.django_db
def test_a_save_records_old_and_new_value_and_the_ip(invite, in_progress, questions, rf):
    request = rf.post("/", REMOTE_ADDR="192.0.2.44")
    answer_save(
        evaluation=in_progress,
        question=questions.phi,
        value="yes",
        expected_version=0,
        contact=invite.contact,
    )
    answer_save(
        evaluation=in_progress,
        question=questions.phi,
        value="no",
        expected_version=1,
        contact=invite.contact,
        request=request,
    )
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.ANSWER_CHANGED).last()
    assert (event.data["old"], event.data["new"], event.ip_address) == ("yes", "no", "192.0.2.44")


@pytest.mark.django_db
def test_a_question_of_another_template_is_refused(invite, in_progress):
    foreign = QuestionFactory()
    with pytest.raises(ValidationError, match="not part of this questionnaire"):
        answer_save(evaluation=in_progress, question=foreign, value="yes", expected_version=0)
    assert not Answer.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.DECIDED, S.ARCHIVED])
def test_saves_are_refused_when_the_evaluation_is_not_open_to_the_vendor(evaluation, questions, status):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=status)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        answer_save(evaluation=evaluation, question=questions.phi, value="yes", expected_version=0)
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_not_applicable_only_where_allowed(in_progress, questions):
    with pytest.raises(ValidationError, match="not applicable"):
        answer_save(
            evaluation=in_progress,
            question=questions.phi,
            value=None,
            is_not_applicable=True,
            expected_version=0,
        )
    questions.phi.allows_na = True
    answer = answer_save(
        evaluation=in_progress,
        question=questions.phi,
        value="yes",
        is_not_applicable=True,
        expected_version=0,
    )
    assert answer.is_not_applicable
    assert answer.value is None


@pytest.mark.django_db
def test_during_a_clarification_round_only_reopened_questions_change(evaluation, questions, officer):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.CHANGES_REQUESTED)
    ClarificationRequestFactory(evaluation=evaluation, question=questions.days, requested_by=officer)
    with pytest.raises(ValidationError, match="Only the questions the reviewers asked about"):
        answer_save(evaluation=evaluation, question=questions.phi, value="yes", expected_version=0)
    answer_save(evaluation=evaluation, question=questions.days, value="10", expected_version=0)
    evaluation.refresh_from_db()
    assert evaluation.status == S.IN_PROGRESS
    # Still restricted after the move to "in progress": the round lasts until the next submission.
    with pytest.raises(ValidationError, match="Only the questions the reviewers asked about"):
        answer_save(evaluation=evaluation, question=questions.phi, value="yes", expected_version=0)


@pytest.mark.django_db
def test_saving_one_answer_costs_at_most_six_queries(
    invite, in_progress, questions, django_assert_max_num_queries
):
    answer_save(
        evaluation=in_progress,
        question=questions.phi,
        value="yes",
        expected_version=0,
        contact=invite.contact,
    )
    with django_assert_max_num_queries(6):
        answer_save(
            evaluation=in_progress,
            question=questions.phi,
            value="no",
            expected_version=1,
            contact=invite.contact,
        )
    with django_assert_max_num_queries(6):
        answer_save(
            evaluation=in_progress,
            question=questions.days,
            value="7",
            expected_version=0,
            contact=invite.contact,
        )
