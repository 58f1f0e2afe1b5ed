"""The beat schedule and the task options are ones Celery accepts when it actually sends the task.

Celery checks the time limits only when a task is published, so an inconsistent pair stays silent
in an eager test run and in a worker, and only beat (or a producer) reports it, once per attempt.
"""

from __future__ import annotations

import pytest
from celery.schedules import crontab, schedule

from config.celery import app

PROJECT_PREFIXES = ("procurement.", "reports.", "accounts.", "questionnaires.", "vendors.", "api.", "demo.")
BEAT_ENTRY_KEYS = {"task", "schedule", "args", "kwargs", "options", "relative"}


def project_tasks():
    app.loader.import_default_modules()
    return sorted((name, task) for name, task in app.tasks.items() if name.startswith(PROJECT_PREFIXES))


def test_the_project_tasks_are_registered():
    names = {name for name, _ in project_tasks()}
    assert {
        "procurement.tasks.score_evaluation",
        "procurement.tasks.rescore_chunk",
        "procurement.tasks.sweep_queued_score_runs",
        "procurement.tasks.send_due_reminders",
        "procurement.tasks.notify_evaluation_submitted",
        "procurement.tasks.invite_email_send",
        "procurement.tasks.sweep_unmailed_invites",
        "reports.render_report",
    } <= names


@pytest.mark.parametrize("entry", sorted(app.conf.beat_schedule))
def test_every_beat_entry_names_a_registered_task(entry):
    app.loader.import_default_modules()
    spec = app.conf.beat_schedule[entry]
    assert set(spec) <= BEAT_ENTRY_KEYS, f"{entry}: unknown keys {set(spec) - BEAT_ENTRY_KEYS}"
    assert spec["task"] in app.tasks, f"{entry}: {spec['task']} is not a registered task"
    assert isinstance(spec["schedule"], (int, float, schedule, crontab))


def test_every_task_has_a_soft_time_limit_within_its_hard_limit():
    # The task's own limits, or the global ones where it sets none: what Task.apply_async checks.
    wrong = {}
    for name, task in project_tasks():
        soft = task.soft_time_limit if task.soft_time_limit is not None else app.conf.task_soft_time_limit
        hard = task.time_limit if task.time_limit is not None else app.conf.task_time_limit
        if soft and hard and soft > hard:
            wrong[name] = (soft, hard)
    assert wrong == {}


def test_every_task_can_be_published():
    """Celery's own check of the options, which runs before anything is sent."""
    wrong = {}
    for name, task in project_tasks():
        with pytest.MonkeyPatch.context() as patch:
            # The arguments are not checked (typing off): the check is about options, and apply()
            # stands in for the run so nothing executes.
            patch.setattr(task, "typing", False)
            patch.setattr(task, "apply", lambda *args, **kwargs: None)
            eager, app.conf.task_always_eager = app.conf.task_always_eager, True
            try:
                task.apply_async()
            except ValueError as exc:
                wrong[name] = str(exc)
            finally:
                app.conf.task_always_eager = eager
    assert wrong == {}


def test_the_sweep_interval_is_the_setting(settings):
    spec = app.conf.beat_schedule["sweep-queued-score-runs"]
    assert spec["schedule"] == float(settings.SCORING_SWEEP_SECONDS) == 60.0
