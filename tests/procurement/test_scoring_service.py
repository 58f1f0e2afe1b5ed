"""The scoring service: runs, findings, idempotency, failures, overrides, rescoring and the sweep."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from procurement.models import AuditEvent, Finding, RescoreBatch, ScoreOverride, ScoreRun
from procurement.services.overrides import score_override_set
from procurement.services.scoring import (
    scoring_request,
    scoring_retry,
    scoring_run,
    scoring_sweep,
    template_rescore_all,
)
from questionnaires.engine.scoring import RULES_VERSION
from questionnaires.models import Question
from tests.procurement.scoring_setup import build_evaluation, set_answers


def score(evaluation, **kwargs) -> ScoreRun:
    run = ScoreRun.objects.create(organization=evaluation.organization, evaluation=evaluation)
    scoring_run(score_run_id=run.pk, **kwargs)
    run.refresh_from_db()
    return run


def test_request_commits_a_queued_run_and_scores_it_after_commit(
    org, officer, django_capture_on_commit_callbacks
):
    evaluation = build_evaluation(org)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = scoring_request(evaluation=evaluation, user=officer)
    assert run.status == ScoreRun.Status.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()  # the task runs eagerly in tests
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE
    assert run.enqueued_at is not None
    assert run.attempts == 1


def test_run_records_scores_tier_hash_and_times(org):
    evaluation = build_evaluation(org)
    run = score(evaluation)
    assert run.status == ScoreRun.Status.DONE
    assert run.rules_version == RULES_VERSION
    assert len(run.inputs_hash) == 64
    assert run.started_at <= run.finished_at
    assert float(run.overall_score) == 100
    assert run.risk_tier == "low"
    assert set(run.section_scores) == {"use", "baa"}
    assert run.question_scores["fda.status"] == 100
    assert run.question_scores["use.processes_phi"] is None  # informational
    evaluation.refresh_from_db()
    assert evaluation.overall_score == run.overall_score
    assert evaluation.risk_tier == "low"
    assert AuditEvent.objects.filter(evaluation=evaluation, kind=AuditEvent.Kind.SCORED).count() == 1


def test_knock_out_writes_a_critical_finding_and_caps_the_tier(org):
    evaluation = build_evaluation(org, extra_questions=20, answers={"baa.will_sign": "will_not_sign"})
    run = score(evaluation)
    assert float(run.overall_score) > 80
    assert run.risk_tier == "critical"
    finding = Finding.objects.get(score_run=run, code="knockout:baa.will_sign")
    assert finding.kind == Finding.Kind.CRITICAL
    assert finding.question_keys == ["baa.will_sign"]
    assert finding.citation == "45 CFR 164.502(e)"
    assert finding.caps_tier_at == "critical"


def test_consistency_finding_names_its_questions(org):
    evaluation = build_evaluation(
        org, answers={"fda.status": "non_device_cds", "use.data_modalities": ["medical_images"]}
    )
    run = score(evaluation)
    finding = Finding.objects.get(score_run=run, code="cds_analyzes_images_or_signals")
    assert finding.kind == Finding.Kind.CONSISTENCY
    assert set(finding.question_keys) == {"fda.status", "use.data_modalities"}
    assert "520(o)(1)(E)" in finding.citation


def test_same_inputs_reuse_the_result_and_store_findings_once(org):
    evaluation = build_evaluation(org, answers={"baa.will_sign": "will_not_sign"})
    first = score(evaluation)
    findings = Finding.objects.count()
    second = score(evaluation)
    assert second.status == ScoreRun.Status.DONE
    assert second.inputs_hash == first.inputs_hash
    assert second.reused_from_id == first.pk
    assert second.result_run_id == first.pk
    assert second.overall_score == first.overall_score
    assert second.risk_tier == first.risk_tier
    assert Finding.objects.count() == findings
    third = score(evaluation)
    assert third.reused_from_id == first.pk  # a chain of reuses points at the original


def test_changed_answers_are_scored_afresh(org):
    evaluation = build_evaluation(org)
    first = score(evaluation)
    set_answers(evaluation, {"fda.status": "unknown"})
    second = score(evaluation)
    assert second.inputs_hash != first.inputs_hash
    assert second.reused_from_id is None
    assert second.overall_score < first.overall_score


def test_a_new_day_is_a_new_input_because_evidence_can_expire(org):
    evaluation = build_evaluation(org)
    first = score(evaluation, today=datetime.date(2026, 1, 1))
    second = score(evaluation, today=datetime.date(2026, 1, 2))
    assert second.inputs_hash != first.inputs_hash


def test_a_redelivered_task_for_a_finished_run_does_nothing(org):
    evaluation = build_evaluation(org, answers={"baa.will_sign": "will_not_sign"})
    run = score(evaluation)
    findings = Finding.objects.count()
    assert scoring_run(score_run_id=run.pk) is None
    assert Finding.objects.count() == findings
    run.refresh_from_db()
    assert run.attempts == 1


def test_a_run_whose_computation_raises_is_failed_with_the_error_and_can_be_retried(
    org, officer, django_capture_on_commit_callbacks
):
    evaluation = build_evaluation(org)
    with mock.patch("procurement.services.scoring._compute", side_effect=ValueError("bad rule in q7")):
        run = score(evaluation)
    assert run.status == ScoreRun.Status.FAILED
    assert run.error == "ValueError: bad rule in q7"
    assert run.finished_at is not None
    assert not Finding.objects.filter(score_run=run).exists()
    evaluation.refresh_from_db()
    assert evaluation.overall_score is None

    with django_capture_on_commit_callbacks(execute=True):
        scoring_retry(score_run=run, user=officer)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE
    assert run.error == ""
    assert run.attempts == 2


def test_only_failed_runs_can_be_retried(org, officer):
    run = score(build_evaluation(org))
    with pytest.raises(ValidationError, match="Only a failed scoring run"):
        scoring_retry(score_run=run, user=officer)


def test_transient_database_errors_propagate_for_the_task_to_retry(org):
    evaluation = build_evaluation(org)
    run = ScoreRun.objects.create(organization=org, evaluation=evaluation)
    with (
        mock.patch(
            "procurement.services.scoring._compute", side_effect=OperationalError("database is locked")
        ),
        pytest.raises(OperationalError),
    ):
        scoring_run(score_run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.RUNNING  # left for the retry (or the sweep)


@pytest.mark.parametrize("extra", [10, 150])
def test_scoring_takes_a_fixed_number_of_queries(org, extra, django_assert_max_num_queries):
    evaluation = build_evaluation(org, extra_questions=extra, answers={"baa.will_sign": "will_not_sign"})
    set_answers(evaluation, {"fda.status": "non_device_cds", "use.data_modalities": ["medical_images"]})
    run = ScoreRun.objects.create(organization=org, evaluation=evaluation)
    # (One of them looks up the webhook endpoints told about new findings.)
    with django_assert_max_num_queries(15) as captured:
        scoring_run(score_run_id=run.pk)
    # The knock-out, PHI without a BAA, and non-device CDS analyzing images.
    assert Finding.objects.filter(score_run=run).count() == 3
    # Same count for 10 and 150 questions: nothing is loaded per question. (The template's structure
    # is two of them on a first read; a published template's is then kept in memory.)
    assert len(captured.captured_queries) == 15


def test_override_requires_a_justification_and_writes_nothing_without_one(org, compliance_lead):
    evaluation = build_evaluation(org)
    question = Question.objects.get(template=evaluation.template, key="fda.status")
    with pytest.raises(ValidationError) as excinfo:
        score_override_set(
            evaluation=evaluation, question=question, score=50, justification="  ", user=compliance_lead
        )
    assert "justification" in excinfo.value.message_dict
    assert not ScoreOverride.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SCORE_OVERRIDDEN).exists()
    assert not ScoreRun.objects.exists()


@pytest.mark.parametrize("bad", [-1, 100.5, None, "abc"])
def test_override_score_must_be_between_0_and_100(org, compliance_lead, bad):
    evaluation = build_evaluation(org)
    question = Question.objects.get(template=evaluation.template, key="fda.status")
    with pytest.raises(ValidationError) as excinfo:
        score_override_set(
            evaluation=evaluation, question=question, score=bad, justification="x", user=compliance_lead
        )
    assert "score" in excinfo.value.message_dict


def test_override_is_audited_with_old_and_new_and_applied_on_rescore(
    org, compliance_lead, django_capture_on_commit_callbacks
):
    evaluation = build_evaluation(org, answers={"fda.status": "unknown"})
    first = score(evaluation)
    assert first.question_scores["fda.status"] == 0
    question = Question.objects.get(template=evaluation.template, key="fda.status")
    with django_capture_on_commit_callbacks(execute=True):
        score_override_set(
            evaluation=evaluation,
            question=question,
            score=70,
            justification="510(k) K231234 found in the FDA database.",
            user=compliance_lead,
        )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SCORE_OVERRIDDEN)
    assert event.data["new"] == "70.00"
    assert event.data["computed"] == 0
    assert event.data["old"] is None
    assert event.actor_user == compliance_lead
    latest = ScoreRun.objects.filter(evaluation=evaluation).order_by("-id").first()
    assert latest.status == ScoreRun.Status.DONE
    assert latest.question_scores["fda.status"] == 70
    assert latest.computed_scores["fda.status"] == 0
    assert latest.overall_score > first.overall_score

    with django_capture_on_commit_callbacks(execute=True):
        score_override_set(
            evaluation=evaluation,
            question=question,
            score=60,
            justification="Second look.",
            user=compliance_lead,
        )
    second = AuditEvent.objects.filter(kind=AuditEvent.Kind.SCORE_OVERRIDDEN).order_by("-id").first()
    assert second.data["old"] == "70.00"
    assert ScoreOverride.objects.get().score == 60


def test_rescore_all_runs_every_evaluation_of_the_template_in_chunks(
    org, officer, other_org, django_capture_on_commit_callbacks
):
    first = build_evaluation(org)
    template = first.template
    for _ in range(4):
        build_evaluation(org, template=template)
    build_evaluation(other_org)  # another template, another tenant: untouched
    with (
        mock.patch("procurement.services.scoring.RESCORE_CHUNK_SIZE", 2),
        mock.patch(
            "procurement.tasks.rescore_chunk.delay",
            wraps=__import__("procurement.tasks").tasks.rescore_chunk.delay,
        ) as chunk_delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        batch = template_rescore_all(template=template, organization=org, user=officer)
    assert chunk_delay.call_count == 3
    assert batch.total == 5
    assert batch.progress() == {"total": 5, "done": 5, "failed": 0, "finished": 5, "percent": 100}
    assert ScoreRun.objects.filter(batch=batch, status=ScoreRun.Status.DONE).count() == 5
    assert not ScoreRun.objects.filter(organization=other_org).exists()


def test_broker_outage_keeps_the_run_queued_and_the_sweep_sends_it_later(
    org, officer, django_capture_on_commit_callbacks
):
    evaluation = build_evaluation(org)
    with (
        mock.patch("procurement.tasks.score_evaluation.delay", side_effect=BrokerError("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = scoring_request(evaluation=evaluation, user=officer)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.QUEUED
    assert run.enqueued_at is None

    assert scoring_sweep() == 0  # too young: the request may still be on its way
    assert scoring_sweep(now=timezone.now() + datetime.timedelta(seconds=61)) == 1
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE


def test_sweep_resends_runs_stuck_on_a_dead_worker(org):
    evaluation = build_evaluation(org)
    run = ScoreRun.objects.create(
        organization=org,
        evaluation=evaluation,
        status=ScoreRun.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        enqueued_at=timezone.now() - datetime.timedelta(hours=1),
    )
    fresh = ScoreRun.objects.create(
        organization=org, evaluation=evaluation, status=ScoreRun.Status.RUNNING, started_at=timezone.now()
    )
    assert scoring_sweep() == 1
    run.refresh_from_db()
    fresh.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE
    assert fresh.status == ScoreRun.Status.RUNNING


def test_rescore_command_goes_through_the_service(org, django_capture_on_commit_callbacks):
    evaluation = build_evaluation(org)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rescore", "--template", evaluation.template.slug)
    assert RescoreBatch.objects.get().total == 1
    assert ScoreRun.objects.get(evaluation=evaluation).status == ScoreRun.Status.DONE


def test_rescore_command_needs_a_template_or_all(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rescore")


def test_sweep_sends_each_run_once_and_retries_a_failed_publish_on_the_next_sweep(org):
    evaluation = build_evaluation(org)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    stuck = ScoreRun.objects.create(
        organization=org,
        evaluation=evaluation,
        status=ScoreRun.Status.RUNNING,
        started_at=long_ago,
        enqueued_at=long_ago,
    )
    backlog = ScoreRun.objects.create(organization=org, evaluation=evaluation, enqueued_at=long_ago)
    never_sent = ScoreRun.objects.create(organization=org, evaluation=evaluation)
    ScoreRun.objects.filter(evaluation=evaluation).update(created_at=long_ago)

    sent = []
    with mock.patch(
        "procurement.services.scoring.enqueue", side_effect=lambda name, run_id: sent.append(run_id)
    ):
        assert scoring_sweep() == 3
        assert scoring_sweep() == 0  # a second sweep a moment later sends nothing again
    assert sorted(sent) == sorted([stuck.pk, backlog.pk, never_sent.pk])
    for run in (stuck, backlog, never_sent):
        run.refresh_from_db()
        assert run.status == ScoreRun.Status.QUEUED
        assert run.enqueued_at > long_ago

    ScoreRun.objects.filter(pk=stuck.pk).update(status=ScoreRun.Status.RUNNING, started_at=long_ago)
    with mock.patch("procurement.services.scoring.enqueue", side_effect=BrokerError("Connection refused")):
        assert scoring_sweep() == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.enqueued_at) == (ScoreRun.Status.QUEUED, None)
    assert scoring_sweep() == 1  # the broker is back: the run goes out and is scored (eagerly here)
    stuck.refresh_from_db()
    assert stuck.status == ScoreRun.Status.DONE
