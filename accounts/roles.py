"""Who may do what. The one table consulted by views, the API and templates alike."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    OFFICER = "officer", "Procurement officer"
    COMPLIANCE = "compliance", "Compliance lead"
    REVIEWER = "reviewer", "Reviewer"


class Perm(models.TextChoices):
    VIEW = "view", "See the organization's evaluations, vendors and templates"
    MANAGE_TEMPLATES = "manage_templates", "Create, edit, publish and retire questionnaire templates"
    MANAGE_VENDORS = "manage_vendors", "Create and edit vendors, products and contacts"
    RUN_EVALUATIONS = (
        "run_evaluations",
        "Create evaluations, invite vendors, send, archive and change due dates",
    )
    REVIEW = (
        "review",
        "Start the review of a submitted evaluation, comment, request clarification, sign off sections",
    )
    DECIDE = "decide", "Record the decision on an evaluation"
    OVERRIDE_SCORES = "override_scores", "Override a computed question score"
    VIEW_REPORTS = "view_reports", "Download due-diligence reports and exports"
    MANAGE_MEMBERS = "manage_members", "Invite members and change their roles"
    MANAGE_API_TOKENS = "manage_api_tokens", "Create and revoke personal API tokens"
    MANAGE_WEBHOOKS = "manage_webhooks", "Set up the organization's webhooks and read their delivery log"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Perm.values),
    Role.OFFICER: frozenset(
        {
            Perm.VIEW,
            Perm.MANAGE_TEMPLATES,
            Perm.MANAGE_VENDORS,
            Perm.RUN_EVALUATIONS,
            Perm.REVIEW,
            Perm.DECIDE,
            Perm.OVERRIDE_SCORES,
            Perm.VIEW_REPORTS,
            Perm.MANAGE_API_TOKENS,
        }
    ),
    Role.COMPLIANCE: frozenset(
        {Perm.VIEW, Perm.REVIEW, Perm.OVERRIDE_SCORES, Perm.VIEW_REPORTS, Perm.MANAGE_API_TOKENS}
    ),
    Role.REVIEWER: frozenset({Perm.VIEW, Perm.REVIEW}),
}


def role_has_perm(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
