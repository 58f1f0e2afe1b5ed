"""Moving an open evaluation to a newer version of its template, carrying its answers."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from procurement.models import Answer, AuditEvent, Evaluation, EvidenceFile
from procurement.selectors import archived_answers, evaluation_snapshot, vendor_progress
from procurement.services.template_upgrade import (
    evaluation_template_upgrade_apply,
    evaluation_template_upgrade_plan,
    upgrade_target,
)
from questionnaires.models import Question, Template
from questionnaires.selectors import _cache
from tests.factories import (
    CRITICAL_INTAKE,
    LOW_RISK_INTAKE,
    SAMPLE_INTAKE,
    AnswerFactory,
    EvaluationFactory,
    TemplateFactory,
)
from tests.procurement.upgrade_setup import evaluation_on_v1

pytestmark = pytest.mark.django_db

COUNTS = {"keep": 2, "confirm": 1, "archive": 2, "choice_removed": 1, "empty": 2, "new": 1}


def test_plan_classifies_every_question_and_changes_nothing(org, officer):
    q = evaluation_on_v1(org, officer)
    result = evaluation_template_upgrade_plan(evaluation=q.evaluation, target=q.v2)
    assert result.counts == COUNTS
    fates = {row.key: row.item.action for row in result.rows}
    assert fates == {
        "sec.encrypted": "keep",
        "sec.owner": "confirm",
        "sec.hosting": "choice_removed",
        "sec.staff": "archive",
        "sec.policy": "keep",
        "sec.pentest": "empty",
        "sec.sbom": "empty",
        "sec.fax": "archive",
    }
    hosting = next(r for r in result.rows if r.key == "sec.hosting")
    assert (hosting.answer_text, hosting.item.reason) == ("Option B", "No longer an option: b.")
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.TEMPLATE_UPGRADED).exists()


def test_apply_moves_keeps_flags_and_archives_exact_rows(org, officer):
    q = evaluation_on_v1(org, officer)
    evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v2

    kept = Answer.objects.get(pk=q.a_keep.pk)
    assert (kept.question_id, kept.value, kept.version, kept.source, kept.archived_at) == (
        q.keep[1].pk,
        "yes",
        1,
        "",
        None,
    )
    reworded = Answer.objects.get(pk=q.a_reword.pk)
    assert reworded.question_id == q.reword[1].pk
    assert reworded.value == reworded.prefilled_value == "Jane Doe, CISO"
    assert reworded.source == Answer.Source.UPGRADED
    assert reworded.is_pending
    assert reworded.version == 2

    for answer, question, reason in (
        (q.a_choice, q.choice[0], "No longer an option: b. The vendor answers it again."),
        (q.a_retype, q.retype[0], "The question changed from short_text to number."),
        (q.a_gone, q.gone, "The question is no longer asked."),
    ):
        row = Answer.objects.get(pk=answer.pk)
        assert row.question_id == question.pk  # still on the old version's question
        assert row.archived_at is not None
        assert row.archived_reason == reason
        assert row.value == answer.value

    assert not Answer.objects.filter(pk=q.a_empty.pk).exists()  # nothing to carry
    assert not Answer.objects.filter(question=q.fresh).exists()
    assert EvidenceFile.objects.get(pk=q.policy_file.pk).question_id == q.file[1].pk
    assert Answer.objects.filter(evaluation=q.evaluation).count() == 5

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TEMPLATE_UPGRADED)
    assert event.actor_user == officer
    assert event.summary == (
        "Template upgraded from v1 to v2: 2 kept, 1 to confirm, 3 archived (1 with a removed choice), 1 new"
    )
    assert event.data["counts"] == COUNTS
    assert event.data["to_confirm"] == ["sec.owner"]
    assert event.data["new"] == ["sec.sbom"]
    assert event.data["files_moved"] == 1
    assert [(a["key"], a["answer"]) for a in event.data["archived"]] == [
        ("sec.hosting", "Option B"),
        ("sec.staff", "about twelve"),
        ("sec.fax", "+1 555 0100"),
    ]


def test_upgraded_questionnaire_counts_only_carried_and_confirmed_answers(org, officer):
    q = evaluation_on_v1(org, officer)
    evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    evaluation = Evaluation.objects.select_related("template").get(pk=q.evaluation.pk)
    snapshot = evaluation_snapshot(evaluation)
    assert set(snapshot.answers) == {q.keep[1].pk, q.reword[1].pk}
    answered = [qq.key for qq in snapshot.questions if snapshot.state.is_answered(qq)]
    assert answered == ["sec.encrypted", "sec.policy"]  # the reworded one waits for confirmation
    assert snapshot.state.is_pending(q.reword[1])
    progress = vendor_progress([evaluation])[evaluation.pk]
    assert (progress.done, progress.total) == (2, 7)
    assert [(r["question"].key, r["version"], r["text"]) for r in archived_answers(evaluation)] == [
        ("sec.hosting", 1, "Option B"),
        ("sec.staff", 1, "about twelve"),
        ("sec.fax", 1, "+1 555 0100"),
    ]


def test_file_only_answer_of_a_changed_question_waits_for_confirmation(org, officer):
    q = evaluation_on_v1(org, officer)
    Question.objects.filter(pk=q.file[1].pk).update(prompt="Attach your current security policy.")
    _cache.clear()  # the published structure was read before the change
    evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    row = Answer.objects.get(evaluation=q.evaluation, question=q.file[1])
    assert (row.value, row.source, row.is_pending) == (None, "upgraded", True)
    assert EvidenceFile.objects.get(pk=q.policy_file.pk).question_id == q.file[1].pk


def test_failure_leaves_everything_as_it_was(org, officer):
    q = evaluation_on_v1(org, officer)
    before = sorted(
        Answer.objects.filter(evaluation=q.evaluation).values_list("pk", "question_id", "archived_at")
    )
    with (
        mock.patch("procurement.services.template_upgrade.audit_record", side_effect=RuntimeError("down")),
        pytest.raises(RuntimeError),
    ):
        evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    after = sorted(
        Answer.objects.filter(evaluation=q.evaluation).values_list("pk", "question_id", "archived_at")
    )
    assert after == before
    assert EvidenceFile.objects.get(pk=q.policy_file.pk).question_id == q.file[0].pk
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1


def test_stale_plan_is_refused(org, officer):
    q = evaluation_on_v1(org, officer)
    seen = evaluation_template_upgrade_plan(evaluation=q.evaluation, target=q.v2).counts
    Answer.objects.filter(pk=q.a_empty.pk).update(value="yes")
    with pytest.raises(ValidationError) as exc:
        evaluation_template_upgrade_apply(
            evaluation=q.evaluation, target=q.v2, actor=officer, expected_counts=seen
        )
    assert exc.value.code == "stale_plan"
    q.evaluation.refresh_from_db()
    assert q.evaluation.template == q.v1


@pytest.mark.parametrize(
    "status", [Evaluation.Status.SUBMITTED, Evaluation.Status.UNDER_REVIEW, Evaluation.Status.DECIDED]
)
def test_refused_once_the_vendor_submitted(org, officer, status):
    q = evaluation_on_v1(org, officer, status=status)
    with pytest.raises(ValidationError) as exc:
        evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    assert exc.value.code == "locked"
    assert "only before the vendor submits" in exc.value.messages[0]
    assert upgrade_target(q.evaluation) is None


def test_refused_for_another_template_an_older_version_or_a_draft(org, officer):
    q = evaluation_on_v1(org, officer)
    other = TemplateFactory(organization=org, slug="something-else", version=3)
    draft = TemplateFactory(organization=org, slug=q.v1.slug, version=3, status=Template.Status.DRAFT)
    for target, code in ((other, "other_template"), (q.v1, "not_newer"), (draft, "not_published")):
        with pytest.raises(ValidationError) as exc:
            evaluation_template_upgrade_plan(evaluation=q.evaluation, target=target)
        assert exc.value.code == code
    assert upgrade_target(q.evaluation) == q.v2


def test_other_organizations_versions_are_another_family(org, other_org, officer):
    q = evaluation_on_v1(org, officer)
    foreign = TemplateFactory(organization=other_org, slug=q.v1.slug, version=5)
    with pytest.raises(ValidationError) as exc:
        evaluation_template_upgrade_plan(evaluation=q.evaluation, target=foreign)
    assert exc.value.code == "other_template"
    assert upgrade_target(q.evaluation) == q.v2


def test_library_v1_to_v2(org, officer):
    call_command("load_library", verbosity=0)
    v1, v2 = (
        Template.objects.library().get(slug="clinical-ai-vendor-due-diligence", version=n) for n in (1, 2)
    )
    evaluation = EvaluationFactory(
        organization=org, owner=officer, template=v1, status=Evaluation.Status.SENT
    )
    answered = 0
    for question in v1.questions.exclude(type__in=[Question.Type.FILE, Question.Type.TABLE]):
        value = {
            "yes_no": "yes",
            "single_choice": (question.choices or [{"value": None}])[0]["value"],
            "multi_choice": [c["value"] for c in question.choices[:1]],
            "number": 1,
            "date": "2025-01-31",
            "url": "https://example.com/doc",
        }.get(question.type, "Our answer")
        AnswerFactory(evaluation=evaluation, question=question, value=value)
        answered += 1
    assert upgrade_target(evaluation) == v2
    plan = evaluation_template_upgrade_plan(evaluation=evaluation, target=v2)
    counts = plan.counts
    carried = counts["keep"] + counts["confirm"] + counts["archive"] + counts["choice_removed"]
    assert carried == answered
    assert counts["keep"] > 0
    assert counts["new"] == v2.questions.count() - sum(
        1 for r in plan.rows if r.new_question and r.old_question
    )
    evaluation_template_upgrade_apply(evaluation=evaluation, target=v2, actor=officer, expected_counts=counts)
    evaluation.refresh_from_db()
    assert evaluation.template == v2
    live = Answer.objects.filter(evaluation=evaluation, archived_at__isnull=True)
    assert live.count() == counts["keep"] + counts["confirm"]
    assert not live.exclude(question__template=v2).exists()
    assert live.filter(source="upgraded", confirmed_at__isnull=True).count() == counts["confirm"]
    archived = Answer.objects.filter(evaluation=evaluation, archived_at__isnull=False)
    assert archived.count() == counts["archive"] + counts["choice_removed"]
    assert not archived.exclude(question__template=v1).exists()


def test_intake_is_read_again_against_the_new_version(org, officer):
    q = evaluation_on_v1(org, officer, intake_answers=CRITICAL_INTAKE, inherent_tier="critical")
    Template.objects.filter(pk__in=[q.v1.pk, q.v2.pk]).update(intake=SAMPLE_INTAKE)
    q.v2.refresh_from_db()
    q.v2.intake = {**SAMPLE_INTAKE, "rules": SAMPLE_INTAKE["rules"][:2]}  # no critical rule any more
    q.v2.save(update_fields=["intake"])
    _cache.clear()
    evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    q.evaluation.refresh_from_db()
    assert q.evaluation.inherent_tier == "high"
    assert q.evaluation.inherent_reasons == ["It handles PHI.", "It acts without a clinician."]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TEMPLATE_UPGRADED)
    assert event.data["intake"] == {"before": "critical", "after": "high"}


def test_intake_answers_that_no_longer_fit_clear_the_scope(org, officer):
    q = evaluation_on_v1(org, officer, intake_answers=LOW_RISK_INTAKE, inherent_tier="low")
    Template.objects.filter(pk=q.v1.pk).update(intake=SAMPLE_INTAKE)
    changed = {
        **SAMPLE_INTAKE,
        "items": [*SAMPLE_INTAKE["items"], {"key": "children", "prompt": "Children?", "type": "yes_no"}],
    }
    Template.objects.filter(pk=q.v2.pk).update(intake=changed)
    q.v2.refresh_from_db()
    evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    q.evaluation.refresh_from_db()
    assert (q.evaluation.inherent_tier, q.evaluation.intake_answers, q.evaluation.intake_answered_at) == (
        "",
        {},
        None,
    )
