"""Celery tasks of the evaluation workflow. Thin: load by id, call a service, retry transient errors."""

from __future__ import annotations
