"""The procurement process: evaluations, invites, answers and evidence, review, scoring, audit."""

from procurement.models.answers import Answer, EvidenceFile
from procurement.models.audit import AuditEvent, AuditEventQuerySet
from procurement.models.evaluation import Evaluation, EvaluationQuerySet, EvaluationStatusChange
from procurement.models.invites import Invite, InviteUse
from procurement.models.notifications import Notification, NotificationQuerySet
from procurement.models.product_findings import ProductFinding, ProductFindingQuerySet
from procurement.models.reassessment import ModelVersion, ReviewCycle, ReviewPolicy
from procurement.models.remediation import RemediationItem, RemediationMessage, RemediationReminderLog
from procurement.models.reminders import ReminderLog
from procurement.models.review import (
    ClarificationRequest,
    DecisionCondition,
    ReviewComment,
    ReviewerAssignment,
)
from procurement.models.scoring import Finding, RescoreBatch, ScoreOverride, ScoreRun
from procurement.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

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
    "ModelVersion",
    "Notification",
    "NotificationQuerySet",
    "ProductFinding",
    "ProductFindingQuerySet",
    "RemediationItem",
    "RemediationMessage",
    "RemediationReminderLog",
    "ReminderLog",
    "RescoreBatch",
    "ReviewComment",
    "ReviewCycle",
    "ReviewPolicy",
    "ReviewerAssignment",
    "ScoreOverride",
    "ScoreRun",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
