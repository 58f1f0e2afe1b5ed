"""The report's audit appendix folds autosaves into working sessions; the CSV keeps every event."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import AuditEvent
from reports.context import due_diligence_context

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) - timedelta(days=1)


def _changed(evaluation, *, question: str, minutes: float, actor: str = "Dana (Acme)") -> AuditEvent:
    return AuditEvent.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.ANSWER_CHANGED,
        actor_label=actor,
        summary=f"Answer to {question} changed",
        data={"question": question, "old": "", "new": "x"},
        created_at=START + timedelta(minutes=minutes),
    )


def _timeline(evaluation) -> list[dict]:
    return [
        row
        for row in due_diligence_context(evaluation)["appendix"]["timeline"]
        if row["summary"] != "Sent to vendor"
    ]


def test_saves_of_one_answer_in_one_working_session_share_a_row(evaluation):
    for minutes in (0, 4, 9, 15):
        _changed(evaluation, question="use.intended_use", minutes=minutes)
    rows = _timeline(evaluation)
    assert len(rows) == 1
    assert rows[0]["summary"].startswith("Answer to use.intended_use changed: 4 saves, the last at ")
    assert rows[0]["actor"] == "Dana (Acme)"


def test_a_pause_over_thirty_minutes_starts_a_new_working_session(evaluation):
    _changed(evaluation, question="use.intended_use", minutes=0)
    _changed(evaluation, question="use.intended_use", minutes=30)
    _changed(evaluation, question="use.intended_use", minutes=61)
    summaries = [row["summary"] for row in _timeline(evaluation)]
    assert len(summaries) == 2
    assert "2 saves" in summaries[0]
    assert summaries[1] == "Answer to use.intended_use changed"


def test_work_on_other_answers_keeps_the_session_open(evaluation):
    # Twenty-five minutes apart for this answer, but the person kept working in between.
    _changed(evaluation, question="use.intended_use", minutes=0)
    _changed(evaluation, question="deid.method_training", minutes=20)
    _changed(evaluation, question="use.intended_use", minutes=45)
    rows = _timeline(evaluation)
    assert [row["summary"].split(":")[0] for row in rows] == [
        "Answer to use.intended_use changed",
        "Answer to deid.method_training changed",
    ]
    assert "2 saves" in rows[0]["summary"]


def test_different_people_and_other_events_keep_their_own_rows(evaluation):
    _changed(evaluation, question="use.intended_use", minutes=0, actor="Dana (Acme)")
    _changed(evaluation, question="use.intended_use", minutes=1, actor="Lee (Acme)")
    AuditEvent.objects.create(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.COMMENT_ADDED,
        actor_label="Dana (Acme)",
        summary="Comment added",
        created_at=START + timedelta(minutes=2),
    )
    _changed(evaluation, question="use.intended_use", minutes=3, actor="Dana (Acme)")
    rows = _timeline(evaluation)
    assert [(row["actor"], row["kind"]) for row in rows] == [
        ("Dana (Acme)", "Answer changed"),
        ("Lee (Acme)", "Answer changed"),
        ("Dana (Acme)", "Comment added"),
    ]
    assert "2 saves" in rows[0]["summary"]
    appendix = due_diligence_context(evaluation)["appendix"]
    assert appendix["timeline_events"] == AuditEvent.objects.filter(evaluation=evaluation).count()


def test_the_audit_trail_csv_has_every_event_with_its_details(compliance_client, evaluation):
    for minutes in (0, 4, 9):
        _changed(evaluation, question="use.intended_use", minutes=minutes)
    response = compliance_client.get(reverse("audit_trail_csv", args=[evaluation.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["When (UTC)", "Who", "Event", "Kind code", "Summary"]
    changes = [row for row in rows[1:] if row[3] == "answer_changed"]
    assert len(changes) == 3
    assert changes[0][1] == "Dana (Acme)"
    assert '"question": "use.intended_use"' in changes[0][6]
    assert len(rows) - 1 == AuditEvent.objects.filter(evaluation=evaluation).count()


def test_the_audit_trail_csv_is_the_organizations_own(outsider_client, evaluation):
    assert outsider_client.get(reverse("audit_trail_csv", args=[evaluation.public_id])).status_code == 404
