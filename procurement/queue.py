"""Sending Celery tasks by their registered name.

Services enqueue tasks and tasks call services. Naming the task instead of importing it keeps that
from becoming an import cycle: a tasks module imports its services, never the other way round.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def enqueue(task_name: str, *args: Any) -> None:
    """Publishes the task now (or runs it in-process where tasks are eager)."""
    current_app.tasks[task_name].delay(*args)


def enqueue_on_commit(task_name: str, *args: Any, robust: bool = False) -> None:
    """Publishes the task once the current transaction commits, so the worker sees its rows."""
    transaction.on_commit(lambda: enqueue(task_name, *args), robust=robust)
