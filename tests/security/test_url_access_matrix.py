"""Every URL of the product, called as every persona, with the status each persona must get.

ROUTES names each URL pattern once: what it needs (a permission of accounts/roles.py, a signed-in
user, nothing, or an invite link), the methods it serves, the objects of organization A its URL
addresses and the body an allowed persona posts. The expected status per persona is derived from
ROLE_PERMISSIONS, so the table stays small and follows the role table. A URL pattern that is not in
the table fails the test: every new view has to say who may reach it.

Allowed requests run inside a savepoint that is rolled back, so that one persona's allowed POST
(a delete, a revoke) does not change what the next request sees. Refused requests run for real and
must leave the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.roles import ROLE_PERMISSIONS, Perm, Role
from accounts.services.api_tokens import api_token_create, api_token_hash
from procurement.models import (
    AuditEvent,
    Evaluation,
    Invite,
    InviteUse,
    Notification,
    RemediationItem,
    RemediationMessage,
    WebhookDelivery,
)
from procurement.services import invites as invite_services
from procurement.services.webhooks import webhook_endpoint_create
from questionnaires.models import Template
from reports.models import Report
from tests.factories import (
    DecisionConditionFactory,
    DraftTemplateFactory,
    EvaluationFactory,
    InviteFactory,
    QuestionFactory,
    ReviewerAssignmentFactory,
    ScoreRunFactory,
    SectionFactory,
    TemplateFactory,
    stored_evidence,
)
from tests.procurement.conftest import build_questionnaire
from vendors.models import Contact

pytestmark = pytest.mark.django_db

# What a route needs besides a permission.
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # any signed-in user, whatever their organization
PORTAL = "portal"  # an active invite link; no account
INVITE = "invite"  # API: an invite token in the Authorization header

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"
METHODS = (GET, POST, PUT, PATCH, DELETE)
NOT_SIGNED_IN = {401, 403}  # the API's answer without valid credentials of the right kind

# Routes outside the product's own views, left out on purpose.
EXCLUDED_PREFIXES = (
    "admin/",  # Django admin: superusers only, guarded by Django itself
    "static/",  # static assets (served by WhiteNoise in production, not by a view)
    "media/",  # never routed: private files are only served through the download views
    "api/schema/",  # the machine-readable API description (documentation, no data)
    "api/docs/",  # the API's documentation page
    "api/^v1/",  # the API's catch-all: a JSON 404 for paths that match no endpoint
)


@dataclass
class World:
    """Organization A's objects that the URLs address, plus the links used by the vendor personas."""

    evaluation: Evaluation
    template: Template
    section_key: str
    question_key: str
    score_key: str
    portal_section_key: str
    portal_question_key: str
    vendor_id: Any
    product_id: Any
    contact_id: Any
    invite_id: Any
    evidence_id: Any
    run_id: Any
    report_id: Any
    assignment_pk: int
    condition_pk: int
    comment_question_pk: int
    api_token_id: Any = None  # a personal API token of the officer
    notification_id: Any = None  # an in-app notification of the officer
    remediation_id: Any = None  # a vendor-side remediation item of evaluation A
    remediation_pk: int = 0
    remediation_message_id: Any = None  # a message of that item with a document
    webhook_id: Any = None  # a webhook endpoint of organization A
    delivery_id: Any = None  # a failed delivery of that endpoint
    tokens: dict[str, str] = field(default_factory=dict)


def evaluation(w: World) -> dict:
    return {"public_id": w.evaluation.public_id}


def evaluation_question(w: World) -> dict:
    return {"public_id": w.evaluation.public_id, "question_id": w.comment_question_pk}


def template(w: World) -> dict:
    return {"public_id": w.template.public_id}


def section(w: World) -> dict:
    return {"public_id": w.template.public_id, "key": w.section_key}


def question(w: World) -> dict:
    return {"public_id": w.template.public_id, "key": w.question_key}


def vendor(w: World) -> dict:
    return {"public_id": w.vendor_id}


def invite(w: World) -> dict:
    return {"public_id": w.evaluation.public_id, "invite_id": w.invite_id}


@dataclass(frozen=True)
class Route:
    """`access`: a Perm, a tuple of Perms (any one suffices), PUBLIC, SIGNED_IN or PORTAL; or a dict
    of those per method. `url`: the URL kwargs from organization A's objects (None: the URL names no
    object). `data`: the POST body. `ok`: statuses of an allowed request per method, when not the
    usual 200 for GET and 200/302 for POST. `ok_signed_in`: the same for signed-in users of a PUBLIC
    route. `fresh_client`: the request ends the session, so it gets a client of its own.
    `ends_at_login`: an allowed request that rightly ends on the login page. `api`: a JSON API
    endpoint, called with the persona's personal API token (or invite token for INVITE routes)."""

    access: Any
    methods: tuple[str, ...] = (GET,)
    url: Callable[[World], dict] | None = None
    data: dict | Callable[[World], dict] | None = None
    ok: dict[str, set[int]] = field(default_factory=dict)
    ok_signed_in: dict[str, set[int]] | None = None
    fresh_client: bool = False
    ends_at_login: bool = False
    api: bool = False
    owner: str | None = None  # the one persona whose object it is: other allowed members get 404

    def body(self, w: World) -> dict:
        return self.data(w) if callable(self.data) else dict(self.data or {})

    def access_for(self, method: str) -> Any:
        return self.access.get(method) if isinstance(self.access, dict) else self.access

    def allowed_statuses(self, method: str, *, signed_in: bool) -> set[int]:
        if signed_in and self.ok_signed_in is not None and method in self.ok_signed_in:
            return self.ok_signed_in[method]
        if method in self.ok:
            return self.ok[method]
        if self.api:
            # Past authentication and permission: done, or a validation error of the body.
            return {200} if method == GET else {200, 201, 202, 204, 400, 409}
        return {200} if method == GET else {200, 302}


GP = (GET, POST)
PO = (POST,)
VIEW, TEMPLATES, VENDORS, RUN, REVIEW, DECIDE, OVERRIDE, REPORTS = (
    Perm.VIEW,
    Perm.MANAGE_TEMPLATES,
    Perm.MANAGE_VENDORS,
    Perm.RUN_EVALUATIONS,
    Perm.REVIEW,
    Perm.DECIDE,
    Perm.OVERRIDE_SCORES,
    Perm.VIEW_REPORTS,
)

THRESHOLDS = {"threshold_low": 80, "threshold_moderate": 60, "threshold_high": 40}
PRODUCT = {"name": "Intruder", "version": "1", "deployment": "saas"}
NO_CONDITIONS = {"conditions-TOTAL_FORMS": "0", "conditions-INITIAL_FORMS": "0"}


def member(w: World) -> dict:
    return {"username": w.evaluation.owner.username}


def product(w: World) -> dict:
    return {"public_id": w.product_id}


def contact(w: World) -> dict:
    return {"public_id": w.contact_id}


WEBHOOKS = Perm.MANAGE_WEBHOOKS
WEBHOOK_FORM = {"url": "https://intruder.example/", "event_kinds": "evaluation.decided"}


def webhook(w: World) -> dict:
    return {"public_id": w.webhook_id}


def api_webhook(w: World) -> dict:
    return {"id": w.webhook_id}


def score_run(w: World) -> dict:
    return {"public_id": w.evaluation.public_id, "run_id": w.run_id}


def score_key(w: World) -> dict:
    return {"public_id": w.evaluation.public_id, "key": w.score_key}


def evidence(w: World) -> dict:
    return {"public_id": w.evaluation.public_id, "file_id": w.evidence_id}


def report(w: World) -> dict:
    return {"public_id": w.report_id}


def portal_question(w: World) -> dict:
    return {"key": w.portal_question_key}


def portal_evidence(w: World) -> dict:
    return {"public_id": w.evidence_id}


def remediation(w: World) -> dict:
    return {"public_id": w.evaluation.public_id, "item_id": w.remediation_id}


def remediation_file(w: World) -> dict:
    return {**remediation(w), "message_id": w.remediation_message_id}


def portal_remediation(w: World) -> dict:
    return {"item_id": w.remediation_id}


def api_remediation(w: World) -> dict:
    return {"id": w.evaluation.public_id, "item_id": w.remediation_id}


def api_template(w: World) -> dict:
    return {"id": w.template.public_id}


def api_evaluation(w: World) -> dict:
    return {"id": w.evaluation.public_id}


def API(access: Any, methods: tuple[str, ...] = (GET,), **kwargs: Any) -> Route:
    return Route(access, methods, api=True, **kwargs)


CRUD = (GET, PUT, PATCH, DELETE)
CRUD_VENDORS = {GET: VIEW, PUT: VENDORS, PATCH: VENDORS, DELETE: VENDORS}


# fmt: off
ROUTES: dict[str, Route] = {
    # --- accounts and the dashboard
    "dashboard": Route(VIEW),
    "organization_switch": Route(
        SIGNED_IN, PO, data=lambda w: {"organization": w.evaluation.organization.public_id}
    ),
    "healthz": Route(PUBLIC, ok={GET: {200, 503}}),
    "member_list": Route(Perm.MANAGE_MEMBERS, GP, data={"email": "intruder@example.org", "role": "reviewer"}),
    "member_role": Route(Perm.MANAGE_MEMBERS, PO, url=member, data={"role": "reviewer"}),
    "member_remove": Route(Perm.MANAGE_MEMBERS, PO, url=member),
    "member_two_factor_reset": Route(Perm.MANAGE_MEMBERS, PO, url=member),
    "login": Route(PUBLIC, GP, ok_signed_in={GET: {302}, POST: {302}}),
    "logout": Route(SIGNED_IN, PO, ok={POST: {302}}, fresh_client=True, ends_at_login=True),
    "password_reset": Route(PUBLIC, GP),
    # Single sign-on: the e-mail form, and a callback without a started sign-in (refused, never a 500).
    "sso_begin": Route(PUBLIC, GP),
    "sso_callback": Route(PUBLIC, ok={GET: {403}}, ok_signed_in={GET: {403}}),
    "sso_settings": Route(Perm.MANAGE_MEMBERS, GP),
    "password_reset_done": Route(PUBLIC),
    "password_reset_confirm": Route(PUBLIC, url=lambda w: {"uidb64": "MQ", "token": "not-a-token"}),
    "password_reset_complete": Route(PUBLIC),
    "password_change": Route(SIGNED_IN, GP),
    "password_change_done": Route(SIGNED_IN),
    "two_factor_verify": Route(SIGNED_IN, GP),
    "two_factor_setup": Route(SIGNED_IN, GP),
    # Members without a second factor are sent to set one up.
    "two_factor_recovery_codes": Route(SIGNED_IN, ok={GET: {200, 302}}),
    "two_factor_recovery_codes_regenerate": Route(SIGNED_IN, PO),
    # --- questionnaire templates (a draft of organization A)
    "template_list": Route(VIEW),
    "template_create": Route(TEMPLATES, GP, data={"name": "Intruder", "slug": "intruder", **THRESHOLDS}),
    "template_import": Route(TEMPLATES, GP),
    "template_detail": Route(VIEW, url=template),
    "template_edit": Route(TEMPLATES, GP, url=template, data={"name": "Renamed", "slug": "x", **THRESHOLDS}),
    "template_preview": Route(VIEW, url=template),
    "template_publish": Route(TEMPLATES, PO, url=template),
    "template_new_version": Route(TEMPLATES, PO, url=template),
    "template_retire": Route(TEMPLATES, PO, url=template),
    "template_delete": Route(TEMPLATES, PO, url=template),
    "template_clone": Route(TEMPLATES, GP, url=template, data={"name": "Copy", "slug": "copy"}),
    "template_export": Route(VIEW, url=template),
    "section_create": Route(TEMPLATES, GP, url=template, data={"key": "extra", "title": "X", "weight": "1"}),
    "section_edit": Route(TEMPLATES, GP, url=section, data={"key": "renamed", "title": "X", "weight": "1"}),
    "section_delete": Route(TEMPLATES, PO, url=section),
    "section_move": Route(TEMPLATES, PO, url=section, data={"direction": "down"}),
    "question_create": Route(
        TEMPLATES, GP, url=section, data={"key": "first.new", "prompt": "?", "type": "yes_no", "weight": "1"}
    ),
    "question_edit": Route(
        TEMPLATES, GP, url=question, data={"key": "first.x", "prompt": "?", "type": "yes_no", "weight": "1"}
    ),
    "question_delete": Route(TEMPLATES, PO, url=question),
    "question_move": Route(TEMPLATES, PO, url=question, data={"direction": "down"}),
    # --- vendor directory
    "vendor_list": Route(VIEW),
    "vendor_create": Route(VENDORS, GP, data={"legal_name": "Intruder Inc."}),
    "vendor_detail": Route(VIEW, url=vendor),
    "vendor_edit": Route(VENDORS, GP, url=vendor, data={"legal_name": "Renamed Inc."}),
    "product_create": Route(VENDORS, GP, url=vendor, data=PRODUCT),
    "product_edit": Route(VENDORS, GP, url=product, data=PRODUCT),
    "contact_create": Route(VENDORS, GP, url=vendor, data={"name": "Mallory", "email": "m@example.org"}),
    "contact_edit": Route(VENDORS, GP, url=contact, data={"name": "Mallory", "email": "m@example.org"}),
    # --- a product's review date and model versions; the review policy (administrators)
    "product_detail": Route(VIEW, url=product),
    "product_version_record": Route(RUN, PO, url=product, data={"version": "9.9", "within_pccp": "yes"}),
    "review_policy": Route(
        Perm.MANAGE_MEMBERS, GP,
        data={"critical_months": 3, "high_months": 6, "moderate_months": 9, "low_months": 12, "lead_days": 1},
    ),
    # --- evaluations and review
    "evaluation_list": Route(VIEW),
    "evaluation_create": Route(RUN, GP),
    "evaluation_detail": Route(VIEW, url=evaluation),
    # A question's lasting address redirects to the review workspace at the question.
    "evaluation_question": Route(VIEW, url=evaluation_question, ok={GET: {302}}),
    "evaluation_timeline": Route(VIEW, url=evaluation),
    "evaluation_workbook": Route(VIEW, url=evaluation),
    # Archiving needs RUN_EVALUATIONS (each manual move names its own permission).
    "evaluation_move": Route(RUN, PO, url=evaluation, data={"to_status": Evaluation.Status.ARCHIVED}),
    "evaluation_due_date": Route(RUN, PO, url=evaluation, data={"due_date": "2031-01-31"}),
    "evaluation_intake": Route({GET: VIEW, POST: RUN}, GP, url=evaluation),
    # The world's template is a draft: the plan is refused with a message on the evaluation page.
    "evaluation_template_upgrade": Route(
        RUN, GP, url=lambda w: {"public_id": w.evaluation.public_id, "template_id": w.template.public_id},
        ok={GET: {200, 302}, POST: {302}},
    ),
    # Another organization's ids in the body are ignored (tests/procurement/test_bulk.py).
    "evaluation_bulk": Route(
        RUN,
        PO,
        data=lambda w: {"action": "archive", "evaluations": [w.evaluation.public_id], "confirmed": "on"},
    ),
    "reviewer_assign": Route(RUN, PO, url=evaluation),
    "section_sign_off": Route(REVIEW, PO, url=evaluation, data=lambda w: {"assignment": w.assignment_pk}),
    "review_workspace": Route(VIEW, url=evaluation),
    "review_clarification": Route(
        REVIEW, PO, url=evaluation, data=lambda w: {"questions": [w.comment_question_pk], "message": "x"}
    ),
    "review_comments": Route(
        {GET: VIEW, POST: REVIEW}, GP, url=evaluation_question, data={"body": "Intruder"}
    ),
    "decision_record": Route(
        DECIDE, PO, url=evaluation, data={"decision": "approved", "rationale": "x", **NO_CONDITIONS}
    ),
    # The condition has no owner, so only RUN_EVALUATIONS may mark it as met.
    "condition_complete": Route(RUN, PO, url=evaluation, data=lambda w: {"condition": w.condition_pk}),
    # --- scoring
    "score_panel": Route(VIEW, url=evaluation),
    "score_request": Route((REVIEW, RUN), PO, url=evaluation),
    "score_run_retry": Route((REVIEW, RUN), PO, url=score_run),
    "score_override": Route(OVERRIDE, PO, url=score_key, data={"score": "10", "justification": "Intruder"}),
    "template_rescore": Route(RUN, GP, url=lambda w: {"template_id": w.evaluation.template.public_id}),
    # --- invites and evidence (officer side)
    "evaluation_invites": Route(
        {GET: VIEW, POST: RUN}, GP, url=evaluation, data=lambda w: {"contacts": [w.contact_id]}
    ),
    "invite_revoke": Route(RUN, PO, url=invite),
    "invite_resend": Route(RUN, PO, url=invite),
    "evidence_download": Route(VIEW, url=evidence),
    "remediation_create": Route(RUN, PO, url=evaluation, data={"side": "vendor"}),
    "remediation_item": Route(VIEW, url=remediation),
    "remediation_message": Route(REVIEW, PO, url=remediation, data={"body": "Matrix"}),
    "remediation_status": Route(RUN, PO, url=remediation, data={"to_status": "accepted"}),
    "remediation_file": Route(VIEW, url=remediation_file),
    # --- reports and exports
    "report_panel": Route(VIEW, url=evaluation),
    "report_generate": Route(REPORTS, PO, url=evaluation),
    "reassessment_changes": Route(VIEW, url=evaluation),
    "answers_csv": Route(REPORTS, url=evaluation),
    "audit_trail_csv": Route(REPORTS, url=evaluation),
    "answers_xlsx": Route(REPORTS, url=evaluation),
    "evaluations_export": Route(
        REPORTS, PO, data=lambda w: {"evaluations": [w.evaluation.public_id], "format": "csv"}
    ),
    "evaluation_model_card": Route(REPORTS, url=evaluation),
    "comparison": Route(REPORTS),
    "comparison_generate": Route(REPORTS, PO, data=lambda w: {"e": [w.evaluation.public_id]}),
    "report_status": Route(REPORTS, url=report),
    "report_download": Route(REPORTS, url=report),
    # --- vendor portal (the token is added per persona)
    "portal_questionnaire": Route(PORTAL),
    # A plain GET of one question sends the browser to its place on the section page.
    "portal_answer": Route(PORTAL, GP, url=portal_question, ok={GET: {302}}),
    "portal_upload": Route(PORTAL, PO, url=portal_question),
    "portal_section_save": Route(PORTAL, PO, url=lambda w: {"section_key": w.portal_section_key}),
    "portal_confirm": Route(PORTAL, PO, url=portal_question),
    "portal_section_confirm": Route(PORTAL, PO, url=lambda w: {"section_key": w.portal_section_key}),
    # Without a file the form answers with its message beside the field (200).
    "portal_model_card": Route(PORTAL, GP),
    "portal_model_version": Route(PORTAL, GP, data={"version": "9.9", "within_pccp": "yes"}),
    "portal_evidence_download": Route(PORTAL, url=portal_evidence),
    "portal_remediation": Route(PORTAL),
    "portal_remediation_reply": Route(
        PORTAL, PO, url=portal_remediation, data=lambda w: {f"r{w.remediation_pk}-body": "Matrix"}
    ),
    "portal_remediation_file": Route(
        PORTAL, url=lambda w: {"item_id": w.remediation_id, "message_id": w.remediation_message_id}
    ),
    "portal_evidence_remove": Route(PORTAL, PO, url=portal_evidence),
    "portal_evidence_describe": Route(PORTAL, GP, url=portal_evidence),
    "portal_delegate": Route(PORTAL, GP, data={"name": "Colleague", "email": "colleague@vendor.example.com"}),
    # A hand-off this link never made does not exist for it (tests/portal/test_delegation.py takes
    # back a real one).
    "portal_delegation_revoke": Route(
        PORTAL, PO, url=lambda w: {"delegation_id": "00000000-0000-4000-8000-000000000000"}, ok={POST: {404}}
    ),
    "portal_review": Route(PORTAL),
    "portal_workbook": Route(PORTAL, GP),
    "portal_workbook_download": Route(PORTAL),
    "portal_submit": Route(PORTAL, PO),
    # Not submitted yet: the vendor is told so (409) rather than given an empty PDF.
    "portal_answers_pdf": Route(PORTAL, ok={GET: {409}}),
    "portal_answers_pdf_status": Route(PORTAL, GP, ok={GET: {409}, POST: {409}}),
    # --- personal API tokens (web pages); the token addressed is the officer's own
    "api_tokens": Route(Perm.MANAGE_API_TOKENS, GP, data={"name": "Intruder", "expires_in_days": "30"}),
    "api_token_revoke": Route(
        Perm.MANAGE_API_TOKENS, PO, url=lambda w: {"public_id": w.api_token_id}, owner="officer"
    ),
    # --- one member's own work and settings; the notification addressed is the officer's own
    "account_settings": Route(SIGNED_IN, GP, data={"email_notifications": "daily_digest"}),
    "search_results": Route(VIEW),
    "my_tasks": Route(VIEW),
    "notification_list": Route(VIEW),
    "notification_read": Route(VIEW, PO, url=lambda w: {"public_id": w.notification_id}, owner="officer"),
    "notifications_read_all": Route(VIEW, PO),
    # --- the organization's webhooks (administrators); no event leaves: nothing here commits
    "webhook_list": Route(WEBHOOKS, GP, data=WEBHOOK_FORM),
    "webhook_detail": Route(WEBHOOKS, GP, url=webhook, data=WEBHOOK_FORM),
    "webhook_rotate": Route(WEBHOOKS, PO, url=webhook),
    "webhook_delete": Route(WEBHOOKS, PO, url=webhook),
    "webhook_test": Route(WEBHOOKS, PO, url=webhook),
    "webhook_log": Route(WEBHOOKS, PO, url=webhook),
    "webhook_delivery_retry": Route(
        WEBHOOKS, PO, url=lambda w: {"public_id": w.webhook_id, "delivery_id": w.delivery_id}
    ),
    # --- REST API, organization side (Authorization: Bearer <personal token>)
    "api-me": API(VIEW),
    "api-template-list": API(VIEW),
    "api-template-import-template": API(TEMPLATES, PO),
    "api-template-detail": API(VIEW, url=api_template),
    "api-template-export": API(VIEW, url=api_template),
    "api-vendor-list": API({GET: VIEW, POST: VENDORS}, GP, data={"legal_name": "Intruder Inc."}),
    "api-vendor-detail": API(CRUD_VENDORS, CRUD, url=lambda w: {"id": w.vendor_id}, data={"legal_name": "X"}),
    "api-product-list": API({GET: VIEW, POST: VENDORS}, GP),
    "api-product-detail": API(CRUD_VENDORS, CRUD, url=lambda w: {"id": w.product_id}, data={"name": "X"}),
    "api-product-findings": API(VIEW, url=lambda w: {"id": w.product_id}),
    "api-contact-list": API({GET: VIEW, POST: VENDORS}, GP),
    "api-contact-detail": API(CRUD_VENDORS, CRUD, url=lambda w: {"id": w.contact_id}, data={"name": "X"}),
    "api-evaluation-list": API({GET: VIEW, POST: RUN}, GP),
    "api-evaluation-detail": API(VIEW, url=api_evaluation),
    "api-evaluation-audit": API(VIEW, url=api_evaluation),
    # The world's template has no intake: an allowed PUT is told so (400), a refused one never gets there.
    "api-evaluation-intake": API(
        {GET: VIEW, PUT: RUN}, (GET, PUT), url=api_evaluation, data={"answers": {}},
        ok={GET: {200}, PUT: {400}},
    ),
    "api-evaluation-clarifications": API(REVIEW, PO, url=api_evaluation),
    "api-evaluation-decision": API(DECIDE, PO, url=api_evaluation),
    "api-evaluation-invites": API(RUN, PO, url=api_evaluation),
    # Archiving needs RUN_EVALUATIONS, as on the web page.
    "api-evaluation-transition": API(RUN, PO, url=api_evaluation, data={"to_status": "archived"}),
    "api-evaluation-score": API(VIEW, GP, url=api_evaluation),
    "api-evaluation-report": API(REPORTS, PO, url=api_evaluation),
    "api-evaluation-carry-forward": API(RUN, PO, url=api_evaluation),
    # No newer version of the world's template: 400 with the reason.
    "api-evaluation-template-upgrade": API(RUN, GP, url=api_evaluation, ok={GET: {200, 400}}),
    "api-evaluation-model-card": API(REPORTS, url=api_evaluation),
    "api-score-override": API(
        OVERRIDE, (PUT, DELETE), url=lambda w: {"id": w.evaluation.public_id, "key": w.score_key},
        data={"score": 10, "justification": "Intruder"},
    ),
    "api-product-versions": API(
        {GET: VIEW, POST: RUN}, GP, url=lambda w: {"id": w.product_id},
        data={"version": "9.9", "within_pccp": "yes"},
    ),
    "api-review-policy": API(
        {GET: VIEW, PUT: Perm.MANAGE_MEMBERS, PATCH: Perm.MANAGE_MEMBERS}, (GET, PUT, PATCH),
        data={"lead_days": 7},
    ),
    "api-single-sign-on": API(Perm.MANAGE_MEMBERS, (GET, PUT), data={"enabled": False}),
    "api-report": API(REPORTS, url=lambda w: {"id": w.report_id}),
    "api-report-download": API(REPORTS, url=lambda w: {"id": w.report_id}),
    "api-webhook-list": API(WEBHOOKS, GP, data={**WEBHOOK_FORM, "event_kinds": ["finding.raised"]}),
    "api-webhook-detail": API(WEBHOOKS, CRUD, url=api_webhook, data={"active": False}),
    "api-webhook-test": API(WEBHOOKS, PO, url=api_webhook),
    "api-webhook-rotate-secret": API(WEBHOOKS, PO, url=api_webhook),
    "api-webhook-deliveries": API(WEBHOOKS, url=api_webhook),
    "api-webhook-delivery-retry": API(
        WEBHOOKS, PO, url=lambda w: {"id": w.webhook_id, "delivery_id": w.delivery_id}
    ),
    # --- REST API, vendor side (Authorization: Invite <invite token>)
    "api-vendor-questionnaire": API(INVITE),
    "api-vendor-answer": API(INVITE, (PUT,), url=portal_question, data={"value": "yes"}),
    # Uploads are multipart: the JSON body of the matrix is refused as such (415).
    "api-vendor-evidence": API(INVITE, PO, url=portal_question, ok={POST: {415}}),
    "api-vendor-submit": API(INVITE, PO),
    "api-vendor-remediation": API(INVITE),
    "api-vendor-remediation-reply": API(INVITE, PO, url=portal_remediation, data={"body": "Matrix"}),
    "api-remediation-list": API({GET: VIEW, POST: RUN}, GP, url=api_evaluation, data={"findings": []}),
    "api-remediation-item": API({GET: VIEW, PATCH: RUN}, (GET, PATCH), url=api_remediation, data={}),
    "api-remediation-status": API(RUN, PO, url=api_remediation, data={"status": "accepted"}),
    "api-remediation-messages": API({GET: VIEW, POST: REVIEW}, GP, url=api_remediation, data={"body": "M"}),
    "api-vendor-evidence-describe": API(
        INVITE, (PATCH,), url=lambda w: {"id": w.evidence_id}, data={"issuer": "X"}
    ),
    "api-vendor-answer-confirm": API(INVITE, PO, url=portal_question),
    "api-vendor-section-confirm": API(INVITE, PO, url=lambda w: {"key": w.portal_section_key}),
    "api-vendor-model-card": API(INVITE, PO, ok={POST: {415}}),
    "api-vendor-model-versions": API(INVITE, GP, data={"version": "9.9", "within_pccp": "yes"}),
    # The workbook upload is multipart too.
    "api-vendor-workbook": API(INVITE, GP, ok={POST: {415}}),
}
# fmt: on

STAFF_ROLES = {
    "admin": Role.ADMIN,
    "officer": Role.OFFICER,
    "compliance": Role.COMPLIANCE,
    "reviewer": Role.REVIEWER,
    "outsider": Role.OFFICER,  # an officer of organization B
}
PERSONA_FIXTURES = {
    "admin": "admin_user",
    "officer": "officer",
    "compliance": "compliance_lead",
    "reviewer": "reviewer",
    "outsider": "outsider",
}
VENDOR_PERSONAS = ("vendor", "vendor_of_other_evaluation", "revoked_link")
PERSONAS = [
    "anonymous",
    *STAFF_ROLES,
    "vendor",  # the invite link of organization A's evaluation
    "vendor_of_other_evaluation",  # an active link of another evaluation of organization A
    "revoked_link",  # organization A's evaluation, but a revoked link
]


def walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(walk(pattern, route))
        else:
            found.append((route, pattern))
    return found


def product_routes() -> list[tuple[str, str]]:
    """(route, name) of every URL pattern but the excluded ones."""
    return [
        (route, pattern.name or "")
        for route, pattern in walk(get_resolver())
        if not route.lstrip("^").startswith(EXCLUDED_PREFIXES)
    ]


# --- the world -----------------------------------------------------------------------------------


def build_world(org, officer) -> World:
    previous = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.DECIDED)
    evaluation_a = EvaluationFactory(
        organization=org,
        owner=officer,
        status=Evaluation.Status.SENT,
        product=previous.product,
        previous=previous,
        sent_at=timezone.now(),
    )
    questions = build_questionnaire(evaluation_a)
    active = InviteFactory(evaluation=evaluation_a)
    revoked = InviteFactory(evaluation=evaluation_a, revoked_at=timezone.now())
    # Another evaluation of the same organization with a template of its own (other keys).
    other_template = TemplateFactory(organization=org)
    other_section = SectionFactory(template=other_template, key="other-section")
    QuestionFactory(section=other_section, key="other.question")
    other = EvaluationFactory(
        organization=org, owner=officer, status=Evaluation.Status.SENT, template=other_template
    )
    other_invite = InviteFactory(evaluation=other)

    draft = DraftTemplateFactory(organization=org)
    draft_first = SectionFactory(template=draft, key="first", order=1)
    SectionFactory(template=draft, key="second", order=2)
    draft_question = QuestionFactory(section=draft_first, key="first.one", order=1)
    QuestionFactory(section=draft_first, key="first.two", order=2)

    evidence = stored_evidence(b"%PDF-1.7\n%%EOF\n", evaluation=evaluation_a, question=questions.report)

    run = ScoreRunFactory(evaluation=evaluation_a)
    report = Report.objects.create(
        organization=org,
        evaluation=evaluation_a,
        kind=Report.Kind.DUE_DILIGENCE,
        content_hash="0" * 64,
        status=Report.Status.DONE,
        finished_at=timezone.now(),
    )
    report.sha256 = hashlib.sha256(b"%PDF-1.7 matrix\n%%EOF\n").hexdigest()
    report.file.save("matrix.pdf", ContentFile(b"%PDF-1.7 matrix\n%%EOF\n"))
    assignment = ReviewerAssignmentFactory(evaluation=evaluation_a, reviewer=officer)
    condition = DecisionConditionFactory(evaluation=evaluation_a, owner=None)
    contact = Contact.objects.filter(vendor=evaluation_a.product.vendor).first()
    api_token, _ = api_token_create(user=officer, organization=org, name="Officer's integration")
    notification = Notification.objects.create(
        organization=org, recipient=officer, evaluation=evaluation_a, kind="evaluation_submitted", message="M"
    )
    item = RemediationItem.objects.create(
        organization=org,
        evaluation=evaluation_a,
        product=evaluation_a.product,
        source="finding",
        finding_code="matrix.finding",
        title="Matrix item",
    )
    item_message = RemediationMessage.objects.create(
        organization=org,
        item=item,
        author_user=officer,
        author_label="Officer",
        body="With a document",
        file_name="matrix.pdf",
        stored_name=stored_evidence(
            b"%PDF-1.7\n%%EOF\n", evaluation=evaluation_a, question=questions.report
        ).stored_name,
        content_type="application/pdf",
        size=15,
        sha256=hashlib.sha256(b"%PDF-1.7\n%%EOF\n").hexdigest(),
    )
    endpoint, _ = webhook_endpoint_create(
        organization=org, url="https://grc.example/hook", event_kinds=["evaluation.decided"], user=None
    )
    delivery = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        kind="webhook.test",
        payload={"kind": "webhook.test"},
        status="failed",
    )
    return World(
        remediation_id=item.public_id,
        remediation_pk=item.pk,
        remediation_message_id=item_message.public_id,
        evaluation=evaluation_a,
        template=draft,
        section_key="first",
        question_key=draft_question.key,
        score_key=questions.phi.key,
        portal_section_key=questions.first.key,
        portal_question_key=questions.phi.key,
        vendor_id=evaluation_a.product.vendor.public_id,
        product_id=evaluation_a.product.public_id,
        contact_id=contact.public_id,
        invite_id=active.public_id,
        evidence_id=evidence.public_id,
        run_id=run.public_id,
        report_id=report.public_id,
        assignment_pk=assignment.pk,
        condition_pk=condition.pk,
        comment_question_pk=questions.phi.pk,
        api_token_id=api_token.public_id,
        notification_id=notification.public_id,
        webhook_id=endpoint.public_id,
        delivery_id=delivery.public_id,
        tokens={
            "vendor": active.token,
            "vendor_of_other_evaluation": other_invite.token,
            "revoked_link": revoked.token,
        },
    )


def snapshot() -> list:
    """Every row of the product's tables, except the records of a credential being used (a valid
    link of another evaluation is logged as used, a token's last use is noted, which is right)."""
    rows = []
    for label in ("accounts", "procurement", "questionnaires", "vendors", "reports"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model is InviteUse:
                continue
            qs = model._default_manager.order_by("pk")
            if model is AuditEvent:
                qs = qs.exclude(kind=AuditEvent.Kind.INVITE_USED)
            values = list(qs.values())
            if model in (Invite, ApiToken):
                for row in values:
                    row.pop("last_used_at", None)
            rows.append((model._meta.label, values))
    return rows


# --- expectations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    statuses: set[int]
    allowed: bool = False
    login: bool = False  # a redirect to the login page
    link_invalid: bool = False  # the portal's one "this link does not work" page


def role_allows(role: str, need: Any) -> bool:
    perms = ROLE_PERMISSIONS[role]
    return any(p in perms for p in need) if isinstance(need, tuple) else need in perms


def expect(route: Route, persona: str, method: str) -> Expect | None:
    """What `persona` must get for `method` on `route`; None where the persona has nothing to try."""
    if route.api:
        return expect_api(route, persona, method)
    if method not in (GET, POST):
        return None
    need = route.access_for(method)
    staff = persona in STAFF_ROLES
    vendor_persona = persona in VENDOR_PERSONAS
    if method not in route.methods:
        # POST-only views must refuse GET; GET views are not asked to refuse POST.
        if method == POST or (vendor_persona and route.access != PORTAL):
            return None
        return Expect({405})
    if route.access == PORTAL:
        if persona == "vendor":
            return Expect(route.allowed_statuses(method, signed_in=False), allowed=True)
        if persona == "vendor_of_other_evaluation":
            # Routes without an object of evaluation A are that other evaluation's own pages.
            return Expect({404}) if route.url else None
        # Anonymous and staff personas carry an unknown token; the revoked link is A's own.
        return Expect({404}, link_invalid=True)
    if vendor_persona:
        return None  # the vendor personas are anonymous visitors: "anonymous" covers them
    if need == PUBLIC:
        return Expect(route.allowed_statuses(method, signed_in=staff), allowed=True)
    if persona == "anonymous":
        return Expect({302}, login=True)
    if need == SIGNED_IN:
        return Expect(route.allowed_statuses(method, signed_in=True), allowed=True)
    return member_expectation(route, persona, method, need)


def member_expectation(route: Route, persona: str, method: str, need: Any) -> Expect:
    if not role_allows(STAFF_ROLES[persona], need):
        return Expect({403})
    if route.url is not None and (persona == "outsider" or (route.owner and persona != route.owner)):
        return Expect({404})
    return Expect(route.allowed_statuses(method, signed_in=True), allowed=True)


def expect_api(route: Route, persona: str, method: str) -> Expect | None:
    served = method in route.methods
    if not served and method != GET:
        return None
    if route.access == INVITE:
        if persona == "vendor":
            return (
                Expect(route.allowed_statuses(method, signed_in=False), allowed=True)
                if served
                else Expect({405})
            )
        if persona == "vendor_of_other_evaluation":
            # That link's token is valid: an object of evaluation A is simply not there.
            return (Expect({404}) if route.url else None) if served else None
        return Expect(NOT_SIGNED_IN)  # no token, a revoked link, or a personal token
    if persona in ("anonymous", "vendor", "revoked_link"):
        return Expect(NOT_SIGNED_IN)  # no token, or an invite token on an organization endpoint
    if persona == "vendor_of_other_evaluation":
        return None
    if not served:
        return Expect({405})
    return member_expectation(route, persona, method, route.access_for(method))


# --- the test ------------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_table():
    names = [name for _, name in product_routes()]
    unnamed = [route for route, name in product_routes() if not name]
    missing = sorted(set(names) - set(ROUTES))
    stale = sorted(set(ROUTES) - set(names))
    assert not unnamed, f"Give these URL patterns a name and add them to ROUTES: {unnamed}"
    assert not missing, (
        f"URL names missing from ROUTES in {__name__}: {missing}. Add each one with the permission "
        "it needs, its methods and the objects its URL addresses, so that its access is checked."
    )
    assert not stale, f"ROUTES names URLs that no longer exist: {stale}"


@pytest.fixture
def make_client(request, client_for):
    def make(persona: str) -> Client:
        if persona in STAFF_ROLES:
            user = request.getfixturevalue(PERSONA_FIXTURES[persona])
            client = client_for(user)
        else:
            client = Client()
        client.raise_request_exception = False
        return client

    return make


@pytest.fixture
def make_api_client(request):
    """The persona's API credentials: a personal token of its organization, or an invite token."""

    def make(persona: str, world: World) -> APIClient:
        client = APIClient()
        if persona in STAFF_ROLES:
            user = request.getfixturevalue(PERSONA_FIXTURES[persona])
            secret = f"dd_matrix-{persona}-{secrets.token_hex(16)}"
            ApiToken.objects.create(
                user=user,
                organization=user.memberships.first().organization,
                name="Matrix",
                token_hash=api_token_hash(secret),
                prefix=secret[:8],
            )
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        elif persona in VENDOR_PERSONAS:
            client.credentials(HTTP_AUTHORIZATION=f"Invite {world.tokens[persona]}")
        return client

    return make


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_expected_status_on_every_url(
    persona, org, officer, make_client, make_api_client, monkeypatch, settings
):
    cache.clear()
    # Every unknown token counts as a guess, and every refused credential as an API failure; the
    # matrix sends many on purpose (the limits have their own tests).
    monkeypatch.setattr(invite_services, "INVITE_GUESS_LIMIT", 10_000)
    settings.API_AUTH_FAILURE_LIMIT = (10_000, settings.API_AUTH_FAILURE_LIMIT[1])
    world = build_world(org, officer)
    client = make_client(persona)
    api_client = make_api_client(persona, world)
    unknown_token = secrets.token_urlsafe(32)
    login_url = reverse("login")
    failures: list[str] = []
    checked = 0
    # Allowed requests are rolled back and refused ones must not write: the state never changes.
    baseline = snapshot()

    for _, name in product_routes():
        route = ROUTES.get(name)
        if route is None:
            continue  # reported by test_every_url_pattern_is_in_the_table
        kwargs = route.url(world) if route.url else {}
        if route.access == PORTAL:
            kwargs["token"] = world.tokens.get(persona, unknown_token)
        url = reverse(name, kwargs=kwargs)
        for method in METHODS:
            expected = expect(route, persona, method)
            if expected is None:
                continue
            data = route.body(world) if method != GET else {}

            def call(method=method, url=url, data=data, route=route, expected=expected):
                if route.api:
                    body = json.dumps(data, default=str) if method != GET else None
                    return api_client.generic(method, url, body, content_type="application/json")
                # Signing a fresh client in writes last_login: done inside the rolled-back savepoint.
                caller = make_client(persona) if route.fresh_client and expected.allowed else client
                return caller.post(url, data) if method == POST else caller.get(url)

            if expected.allowed:
                with transaction.atomic():
                    response = call()
                    transaction.set_rollback(True)
            else:
                response = call()
                after = snapshot()
                if after != baseline:
                    failures.append(f"{method} {name} as {persona} was refused but changed the database")
                    baseline = after
            checked += 1
            status = response.status_code
            where = f"{method} {url} ({name}) as {persona}"
            if status not in expected.statuses:
                failures.append(f"{where}: got {status}, expected {sorted(expected.statuses)}")
            elif expected.login and not response["Location"].startswith(login_url):
                failures.append(f"{where}: redirected to {response['Location']}, not to the login page")
            elif expected.link_invalid and b"This link does not work" not in response.content:
                failures.append(f"{where}: 404 without the 'link does not work' page")
            elif (
                expected.allowed
                and status == 302
                and not route.ends_at_login
                and response["Location"].startswith(login_url)
            ):
                failures.append(f"{where}: sent to the login page although allowed")

    assert checked > 0
    assert not failures, f"{len(failures)} of {checked} checks failed:\n" + "\n".join(failures)


def test_an_expired_link_gets_the_link_invalid_page_everywhere_in_the_portal(client, org, officer):
    cache.clear()
    world = build_world(org, officer)
    expired = InviteFactory(evaluation=world.evaluation, expires_at=timezone.now() - timedelta(minutes=1))
    for _, name in product_routes():
        route = ROUTES.get(name)
        if route is None or route.access != PORTAL:
            continue
        url = reverse(name, kwargs={**(route.url(world) if route.url else {}), "token": expired.token})
        for method in route.methods:
            response = client.post(url) if method == POST else client.get(url)
            assert response.status_code == 404, (method, name)
            assert b"This link does not work" in response.content, (method, name)
