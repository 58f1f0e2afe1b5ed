"""Carrying a product's last submitted answers into a new evaluation, and the confirmation rules."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from procurement.models import Answer, AuditEvent, Evaluation, EvidenceFile
from procurement.selectors import evaluation_snapshot
from procurement.services.answers import answer_save
from procurement.services.prefill import (
    answer_confirm,
    answers_carry_forward,
    carry_forward_source,
    match_questions,
    section_confirm,
)
from procurement.services.scoring_inputs import load_scoring_inputs
from procurement.services.submission import evaluation_submit
from reports.context import reassessment_context
from tests.factories import EvaluationFactory, QuestionFactory, SectionFactory
from tests.factories import evidence_file_path as evidence_path
from tests.procurement.prefill_setup import carried_evaluation, sent, stored_evidence, submitted_evaluation

pytestmark = pytest.mark.django_db
S = Evaluation.Status


@pytest.fixture
def old(org, officer):
    return submitted_evaluation(org, officer)


def _answers(evaluation) -> dict[str, Answer]:
    return {
        a.question.key: a for a in Answer.objects.filter(evaluation=evaluation).select_related("question")
    }


def test_it_carries_every_submitted_answer_marked_with_its_source_and_waiting_for_confirmation(
    org, officer, old
):
    new = carried_evaluation(org, officer, old.evaluation)
    answers = _answers(new)
    assert {k: a.value for k, a in answers.items()} == {
        "use.processes_phi": "yes",
        "deid.method_training": "safe_harbor",
        "deid.safe_harbor.full_zip": "no",
        "baa.breach_notice_days": 30,
        "use.data_modalities": ["audio"],
        "bias.subgroup_table": [{"subgroup": "Women", "n": 120}],
        "security.soc2_type2": None,  # the file question: its documents are carried
    }
    for answer in answers.values():
        assert answer.source == Answer.Source.CARRIED
        assert answer.prefilled_from == old.evaluation
        assert answer.prefill_state == "pending"
        assert answer.prefilled_value == answer.value
    event = AuditEvent.objects.get(evaluation=new, kind=AuditEvent.Kind.ANSWERS_PREFILLED)
    assert event.summary.startswith("7 answers and 1 document carried forward from the evaluation submitted ")
    assert event.data["from_evaluation"] == str(old.evaluation.public_id)


def test_evidence_is_carried_as_a_private_copy_with_the_same_hash(org, officer, old):
    new = carried_evaluation(org, officer, old.evaluation)
    copy = EvidenceFile.objects.get(evaluation=new)
    assert copy.carried_from == old.file
    assert copy.sha256 == old.file.sha256
    assert copy.stored_name != old.file.stored_name
    assert evidence_path(copy.stored_name).read_bytes() == evidence_path(old.file.stored_name).read_bytes()
    assert copy.uploaded_at == old.file.uploaded_at


def test_nothing_carried_counts_as_answered_until_confirmed(org, officer, old):
    new = carried_evaluation(org, officer, old.evaluation)
    sent(new)
    snapshot = evaluation_snapshot(new)
    assert snapshot.state.progress() == (0, 5)
    assert [q.key for q in snapshot.state.missing()] == [
        "use.processes_phi",
        "deid.method_training",
        "baa.breach_notice_days",
        "bias.subgroup_table",
        "security.soc2_type2",
    ]
    with pytest.raises(ValidationError) as refused:
        evaluation_submit(evaluation=new, contact=None)
    assert refused.value.code == "incomplete"
    # Neither the values nor the carried documents reach a scoring.
    inputs = load_scoring_inputs(new)
    assert inputs["answers"] == {}
    assert inputs["evidence"] == {}


def test_confirming_a_section_confirms_its_shown_answers_and_the_follow_ups_they_reveal_in_one_action(
    org, officer, old
):
    new = carried_evaluation(org, officer, old.evaluation)
    invite = sent(new)
    first = old.questions.first
    section = new.template.sections.get(key=first.key)
    confirmed = section_confirm(evaluation=new, section=section, contact=invite.contact)
    # The ZIP follow-up is shown only once the method answer is confirmed; it is confirmed too.
    assert sorted(a.question.key for a in confirmed) == [
        "baa.breach_notice_days",
        "deid.method_training",
        "deid.safe_harbor.full_zip",
        "use.data_modalities",
        "use.processes_phi",
    ]
    answers = _answers(new)
    assert answers["use.processes_phi"].prefill_state == "confirmed"
    assert answers["use.processes_phi"].confirmed_by_contact == invite.contact
    assert answers["bias.subgroup_table"].prefill_state == "pending"
    events = AuditEvent.objects.filter(evaluation=new, kind=AuditEvent.Kind.ANSWERS_CONFIRMED)
    assert [e.summary for e in events] == [f"5 prefilled answers confirmed in {section.title}"]
    new.refresh_from_db()
    assert new.status == S.IN_PROGRESS
    assert evaluation_snapshot(new).state.progress() == (3, 5)


def test_editing_a_carried_answer_confirms_it_and_marks_it_changed(org, officer, old):
    new = carried_evaluation(org, officer, old.evaluation)
    invite = sent(new)
    days = new.template.questions.get(key="baa.breach_notice_days")
    answer = answer_save(
        evaluation=new, question=days, value="10", expected_version=1, contact=invite.contact
    )
    assert answer.value == 10
    assert answer.prefilled_value == 30
    assert answer.prefill_state == "changed"
    assert answer.version == 2
    assert evaluation_snapshot(new).state.is_answered(days)


def test_saving_a_carried_answer_unchanged_confirms_it_without_a_new_version(org, officer, old):
    new = carried_evaluation(org, officer, old.evaluation)
    invite = sent(new)
    phi = new.template.questions.get(key="use.processes_phi")
    answer = answer_save(
        evaluation=new, question=phi, value="yes", expected_version=1, contact=invite.contact
    )
    answer.refresh_from_db()
    assert answer.prefill_state == "confirmed"
    assert answer.version == 1


def test_confirming_one_answer_counts_it_and_confirming_it_again_changes_nothing(org, officer, old):
    new = carried_evaluation(org, officer, old.evaluation)
    invite = sent(new)
    report = new.template.questions.get(key="security.soc2_type2")
    answer_confirm(evaluation=new, question=report, contact=invite.contact)
    answer_confirm(evaluation=new, question=report, contact=invite.contact)
    assert evaluation_snapshot(new).state.is_answered(report)
    assert AuditEvent.objects.filter(evaluation=new, kind=AuditEvent.Kind.ANSWERS_CONFIRMED).count() == 1
    assert load_scoring_inputs(new)["evidence"].keys() == {"security.soc2_type2"}


def test_a_typed_answer_has_nothing_to_confirm(org, officer, old):
    new = carried_evaluation(org, officer, old.evaluation)
    invite = sent(new)
    site = new.template.questions.get(key="security.site")
    answer_save(
        evaluation=new, question=site, value="https://a.example", expected_version=0, contact=invite.contact
    )
    with pytest.raises(ValidationError) as refused:
        answer_confirm(evaluation=new, question=site, contact=invite.contact)
    assert refused.value.messages == ["This answer was not prefilled, so there is nothing to confirm."]


def test_confirmation_is_refused_once_submitted(org, officer, old):
    new = carried_evaluation(org, officer, old.evaluation)
    invite = sent(new)
    Evaluation.objects.filter(pk=new.pk).update(status=S.SUBMITTED)
    with pytest.raises(ValidationError) as refused:
        section_confirm(evaluation=new, section=new.template.sections.first(), contact=invite.contact)
    assert refused.value.messages == ["The questionnaire is submitted and can no longer be changed."]
    assert not Answer.objects.filter(evaluation=new, confirmed_at__isnull=False).exists()


def test_after_confirming_and_five_changes_the_changes_view_lists_exactly_those_five(org, officer, old):
    new = carried_evaluation(
        org, officer, old.evaluation, purpose=Evaluation.Purpose.REASSESSMENT, previous=old.evaluation
    )
    invite = sent(new)
    q = {question.key: question for question in new.template.questions.all()}
    for section in new.template.sections.all():
        section_confirm(evaluation=new, section=section, contact=invite.contact)
    for key, value in (
        ("use.processes_phi", "no"),
        ("baa.breach_notice_days", "5"),
        ("use.data_modalities", ["audio", "medical_images"]),
        ("bias.subgroup_table", [{"subgroup": "Men", "n": "80"}]),
        ("deid.method_training", "unknown"),
    ):
        answer_save(evaluation=new, question=q[key], value=value, expected_version=1, contact=invite.contact)
    changes = reassessment_context(new)
    assert sorted(c["key"] for c in changes["changed"]) == [
        "baa.breach_notice_days",
        "bias.subgroup_table",
        "deid.method_training",
        "use.data_modalities",
        "use.processes_phi",
    ]
    # The ZIP follow-up is hidden by the new method answer: the changes view reports it gone.
    assert [c["key"] for c in changes["removed"]] == ["deid.safe_harbor.full_zip"]
    evaluation_submit(evaluation=new, contact=invite.contact)
    states = {k: a.prefill_state for k, a in _answers(new).items()}
    assert sorted(k for k, state in states.items() if state == "changed") == sorted(
        c["key"] for c in changes["changed"]
    )


def test_the_source_is_the_re_assessed_evaluation_or_else_the_latest_submitted(org, officer, old):
    newer = EvaluationFactory(
        organization=org,
        product=old.evaluation.product,
        template=old.evaluation.template,
        owner=officer,
        status=S.DECIDED,
        submitted_at=old.evaluation.submitted_at + datetime.timedelta(days=30),
    )
    EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template, status=S.SENT
    )
    draft = EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template
    )
    assert carry_forward_source(evaluation=draft) == newer
    draft.previous = old.evaluation
    assert carry_forward_source(evaluation=draft) == old.evaluation


def test_it_refuses_a_product_without_a_submitted_evaluation_and_creates_nothing(org, officer, old):
    other = EvaluationFactory(organization=org, template=old.evaluation.template, status=S.SENT)
    before = Evaluation.objects.count()
    with pytest.raises(ValidationError) as refused:
        carried_evaluation(org, officer, other)
    assert refused.value.message_dict == {
        "carry_forward": ["This product has no evaluation with submitted answers to start from."]
    }
    assert Evaluation.objects.count() == before


def test_it_refuses_another_products_evaluation_and_one_not_submitted(org, officer, old):
    target = EvaluationFactory(organization=org, template=old.evaluation.template)
    with pytest.raises(ValidationError) as refused:
        answers_carry_forward(evaluation=target, source=old.evaluation)
    assert refused.value.message_dict["from_evaluation"] == [
        "Answers can be carried forward only from an evaluation of the same product."
    ]
    unsent = EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template
    )
    draft = EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template
    )
    with pytest.raises(ValidationError) as refused:
        answers_carry_forward(evaluation=draft, source=unsent)
    assert refused.value.message_dict["from_evaluation"] == [
        "Answers can be carried forward only from an evaluation the vendor submitted."
    ]
    assert not Answer.objects.filter(evaluation=draft).exists()


def test_it_never_replaces_an_answer_the_evaluation_already_has(org, officer, old):
    target = EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template
    )
    phi = old.evaluation.template.questions.get(key="use.processes_phi")
    Answer.objects.create(organization=org, evaluation=target, question=phi, value="no", version=1)
    result = answers_carry_forward(evaluation=target, source=old.evaluation)
    assert "use.processes_phi" not in result.answers
    assert Answer.objects.get(evaluation=target, question=phi).value == "no"


def test_a_corrupt_or_expired_document_is_not_carried(org, officer, old):
    evidence_path(old.file.stored_name).write_bytes(b"%PDF-1.4 altered")
    new = carried_evaluation(org, officer, old.evaluation)
    assert not EvidenceFile.objects.filter(evaluation=new).exists()
    event = AuditEvent.objects.get(evaluation=new, kind=AuditEvent.Kind.ANSWERS_PREFILLED)
    assert event.data["skipped"] == [["security.soc2_type2", "soc2-type2.pdf could not be read"]]


def test_a_failure_leaves_no_carried_answer_and_no_copied_file(org, officer, old, monkeypatch):
    target = EvaluationFactory(
        organization=org, product=old.evaluation.product, template=old.evaluation.template
    )

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(EvidenceFile.objects, "bulk_create", broken)
    files_before = set(evidence_path("x").parent.iterdir())
    with pytest.raises(RuntimeError):
        answers_carry_forward(evaluation=target, source=old.evaluation)
    assert not Answer.objects.filter(evaluation=target).exists()
    assert set(evidence_path("x").parent.iterdir()) == files_before


def test_questions_match_by_key_and_type_across_templates(org):
    section = SectionFactory(template__organization=org)
    other = SectionFactory(template__organization=org)
    same = QuestionFactory(section=section, key="use.processes_phi")
    retyped = QuestionFactory(section=section, key="use.notes", type="long_text")
    target_same = QuestionFactory(section=other, key="use.processes_phi")
    target_retyped = QuestionFactory(section=other, key="use.notes", type="short_text")
    QuestionFactory(section=other, key="use.new_question")
    matched = match_questions(source=[same, retyped], target=list(other.template.questions.all()))
    assert matched == {target_same.pk: same}
    assert target_retyped.pk not in matched


def test_another_template_asking_the_same_fact_is_matched_by_fact(org):
    source_section = SectionFactory(template__organization=org)
    target_section = SectionFactory(template__organization=org)
    source = QuestionFactory(section=source_section, key="baa.sign", fact="baa.will_sign")
    QuestionFactory(section=source_section, key="use.other", fact="use.processes_phi", type="short_text")
    target = QuestionFactory(section=target_section, key="contract.baa_signed", fact="baa.will_sign")
    retyped = QuestionFactory(section=target_section, key="phi.handled", fact="use.processes_phi")
    unrelated = QuestionFactory(section=target_section, key="contract.other")
    matched = match_questions(
        source=list(source_section.template.questions.all()),
        target=[target, retyped, unrelated],
    )
    assert matched == {target.pk: source}


def test_an_expired_document_is_skipped_with_its_reason(org, officer, old):
    stored_evidence(old.evaluation, old.questions.report, expires_on=datetime.date(2020, 1, 1))
    new = carried_evaluation(org, officer, old.evaluation)
    assert EvidenceFile.objects.filter(evaluation=new).count() == 1
    event = AuditEvent.objects.get(evaluation=new, kind=AuditEvent.Kind.ANSWERS_PREFILLED)
    assert event.data["skipped"] == [["security.soc2_type2", "soc2-type2.pdf has expired"]]


def test_reports_read_an_unconfirmed_answer_as_not_answered_while_reviewers_see_it_marked(org, officer, old):
    from procurement.presenters import review_workspace

    new = carried_evaluation(
        org, officer, old.evaluation, purpose=Evaluation.Purpose.REASSESSMENT, previous=old.evaluation
    )
    sent(new)
    changes = reassessment_context(new)
    assert changes["added"] == []
    assert changes["changed"] == []
    phi = new.template.questions.get(key="use.processes_phi")
    assert evaluation_snapshot(new).display(phi)["text"] == "Not answered"
    rows = {
        row.question.key: row
        for block in review_workspace(new, user_id=officer.pk).sections
        for row in block.rows
    }
    assert rows["use.processes_phi"].display["text"] == "Yes"
    assert rows["use.processes_phi"].answer.prefill_state == "pending"


def test_a_carried_document_keeps_what_the_vendor_said_it_is(org, officer, old):
    EvidenceFile.objects.filter(pk=old.file.pk).update(
        document_type="soc2", issuer="Example Audit LLP", model_version="4.2", period_end="2026-06-30"
    )
    copy = EvidenceFile.objects.get(evaluation=carried_evaluation(org, officer, old.evaluation))
    assert (copy.document_type, copy.issuer, copy.model_version, str(copy.period_end)) == (
        "soc2",
        "Example Audit LLP",
        "4.2",
        "2026-06-30",
    )
