"""The procurement process: evaluations, invites, answers and evidence, review, scoring, audit."""

from procurement.models.answers import Answer, EvidenceFile
from procurement.models.audit import AuditEvent, AuditEventQuerySet
from procurement.models.evaluation import Evaluation, EvaluationQuerySet, EvaluationStatusChange
from procurement.models.invites import Invite, InviteUse
from procurement.models.notifications import Notification, NotificationQuerySet
from procurement.models.product_findings import ProductFinding, ProductFindingQuerySet
from procurement.models.reminders import ReminderLog
from procurement.models.review import (
    ClarificationRequest,
    DecisionCondition,
    ReviewComment,
    ReviewerAssignment,
)
from procurement.models.scoring import Finding, RescoreBatch, ScoreOverride, ScoreRun

__all__ = [
    "Answer",
    "AuditEvent",
    "AuditEventQuerySet",
    "ClarificationRequest",
    "DecisionCondition",
    "Evaluation",
    "EvaluationQuerySet",
    "EvaluationStatusChange",
    "EvidenceFile",
    "Finding",
    "Invite",
    "InviteUse",
    "Notification",
    "NotificationQuerySet",
    "ProductFinding",
    "ProductFindingQuerySet",
    "ReminderLog",
    "RescoreBatch",
    "ReviewComment",
    "ReviewerAssignment",
    "ScoreOverride",
    "ScoreRun",
]
