"""Sending Celery tasks by their registered name.

Services enqueue tasks and tasks call services. Naming the task instead of importing it keeps that
from becoming an import cycle: a tasks module imports its services, never the other way round.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args: Any) -> None:
    """Publishes the task now (or runs it in-process where tasks are eager)."""
    current_app.tasks[task_name].delay(*args)


def enqueue_on_commit(task_name: str, *args: Any, robust: bool = False) -> None:
    """Publishes the task once the current transaction commits, so the worker sees its rows."""
    transaction.on_commit(lambda: enqueue(task_name, *args), robust=robust)


def enqueue_or_run_on_commit(task_name: str, *args: Any) -> None:
    """Like enqueue_on_commit, for work a web process can do itself (sending an e-mail).

    If the broker cannot take the task (Redis is down), it runs here and now instead of being lost:
    the submission is already committed, and nothing would send its notice later.
    """

    def send() -> None:
        try:
            enqueue(task_name, *args)
        except (BrokerError, OSError):
            logger.warning("The broker refused %s; running it in this process instead.", task_name)
            current_app.tasks[task_name].apply(args=args)

    transaction.on_commit(send, robust=True)
