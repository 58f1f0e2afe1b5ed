"""Celery adapters for report rendering: load by id, call the service."""

from __future__ import annotations

from celery import shared_task

from reports.services import report_render


@shared_task(name="reports.render_report", acks_late=True)
def render_report(report_id: int) -> str:
    return report_render(report_id=report_id).status
