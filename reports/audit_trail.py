"""The audit trail as a report shows it: one row per answer per working session.

Autosave records every change, which is right for the audit log but buries a report's appendix in
rows: a vendor who types a paragraph over ten minutes leaves a dozen "answer changed" events for one
question. The appendix folds those into one row per person, question and working session (a run of
that person's events with no pause longer than WORKING_SESSION_GAP); every other event keeps its own
row. The full, unfolded trail stays available as CSV.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from procurement.models import AuditEvent

WORKING_SESSION_GAP = timedelta(minutes=30)


@dataclass
class TrailRow:
    first_at: datetime
    last_at: datetime
    actor: str
    kind: str
    summary: str
    question: str = ""
    events: int = 1


def condensed_trail(events: Iterable[AuditEvent]) -> list[TrailRow]:
    """Rows in the order of each row's first event; `events` in chronological order."""
    rows: list[TrailRow] = []
    last_seen: dict[str, datetime] = {}
    session: dict[str, int] = {}
    open_rows: dict[tuple[str, int, str], TrailRow] = {}
    for event in events:
        actor = event.actor_label
        previous = last_seen.get(actor)
        if previous is None or event.created_at - previous > WORKING_SESSION_GAP:
            session[actor] = session.get(actor, 0) + 1
        last_seen[actor] = event.created_at
        question = (
            (event.data or {}).get("question", "") if event.kind == AuditEvent.Kind.ANSWER_CHANGED else ""
        )
        if not question:
            rows.append(
                TrailRow(event.created_at, event.created_at, actor, event.get_kind_display(), event.summary)
            )
            continue
        key = (actor, session[actor], question)
        row = open_rows.get(key)
        if row is None:
            row = TrailRow(
                event.created_at, event.created_at, actor, event.get_kind_display(), event.summary, question
            )
            open_rows[key] = row
            rows.append(row)
        else:
            row.events += 1
            row.last_at = event.created_at
    return rows
