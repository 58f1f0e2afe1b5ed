"""Random, unicode, huge and malformed input to every form of the product, through its real view.

Whatever is posted: never a server error; an invalid form comes back as a 200 page with a message
(or a 400), and nothing is written when the answer is an error. Each example runs in a savepoint
that is rolled back, so examples do not change the objects the next one addresses.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from accounts.models import Membership
from accounts.roles import Role
from procurement.models import AuditEvent, Evaluation, InviteUse, ModelVersion, RemediationItem
from procurement.services import invites as invite_services
from questionnaires import transfer
from questionnaires.engine.answers import clean_value
from questionnaires.models import Question
from tests.factories import (
    AnswerFactory,
    ContactFactory,
    DecisionConditionFactory,
    EvaluationFactory,
    EvidenceFileFactory,
    InviteFactory,
    MembershipFactory,
    QuestionFactory,
    ReviewerAssignmentFactory,
    ScoreRunFactory,
    SectionFactory,
    build_every_type_template,
)
from tests.procurement.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Strings that have broken web forms before: control characters, bidirectional overrides, emoji,
# markup, template and format syntax, numbers that do not fit, and look-alike digits.
SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202egnp.exe",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "🧪💉👩🏽‍⚕️",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "{{ request.user }}{% debug %}",
    "%s%n%x",
    "../../etc/passwd",
    "\r\n\t\x0b\x0c",
    "\ufeff\u200b",
    "0",
    "-1",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "9" * 400,
    "0." + "0" * 300 + "1",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\uff11\uff12",  # full-width digits
    "null",
    "[]",
    "{}",
    "true",
    "2024-02-30",
    "99999-01-01",
    "javascript:alert(1)",
    "http://",
    "x" * 5000,
]
HUGE = ["x" * 1_000_000, "💉" * 250_000, "\u202e" * 200_000]


def _text_of(kind: int) -> st.SearchStrategy[str]:
    if kind == 0:
        return st.sampled_from(HUGE)
    if kind < 5:
        return st.sampled_from(SPECIAL)
    return st.text(max_size=40)


# Mostly special strings and short random text, now and then a huge one.
nasty = st.integers(0, 14).flatmap(_text_of)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
OMIT = object()


def value(*valid: Any) -> st.SearchStrategy[Any]:
    """A field's value: one of the valid ones, a nasty string, or the field left out."""
    options = [nasty, st.just(OMIT)]
    if valid:
        options.append(st.sampled_from([str(v) for v in valid]))
    return st.one_of(*options)


def many(*valid: Any) -> st.SearchStrategy[list]:
    return st.lists(value(*valid).filter(lambda v: v is not OMIT), max_size=3)


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    org: Any
    officer: Any
    reviewer: Any
    review: Evaluation  # under review: comments, clarifications, decisions
    draft: Any  # a draft template
    draft_section: Any
    draft_question: Any
    vendor: Any
    product: Any
    contact: Any
    assignment: Any
    condition: Any
    comment_question: Any
    portal: Evaluation  # sent to the vendor
    questions: Any  # build_questionnaire of the portal evaluation
    token: str
    evidence: Any = None  # a document the portal's vendor uploaded
    remediation_item: Any = None  # a vendor-side remediation item of the portal evaluation


@pytest.fixture
def world(org, officer, reviewer) -> World:
    cache.clear()
    review = EvaluationFactory(organization=org, owner=officer, status=Evaluation.Status.UNDER_REVIEW)
    section = SectionFactory(template=review.template, key="privacy")
    question = QuestionFactory(section=section, key="baa.breach_notice_days", type="number")
    AnswerFactory(evaluation=review, question=question, value=30)
    # A scored run, so that the score panel shows the override form of this question.
    ScoreRunFactory(evaluation=review, question_scores={question.key: 50}, computed_scores={question.key: 50})
    draft = build_every_type_template(organization=org, status="draft")
    portal = EvaluationFactory(
        organization=org, owner=officer, status=Evaluation.Status.SENT, product=review.product
    )
    questions = build_questionnaire(portal)
    # Safe harbor: the conditional question that depends on it is shown, so it can be answered.
    AnswerFactory(evaluation=portal, question=questions.method, value="safe_harbor")
    invite = InviteFactory(evaluation=portal)
    return World(
        org=org,
        officer=officer,
        reviewer=reviewer,
        review=review,
        draft=draft,
        draft_section=draft.sections.order_by("order").first(),
        draft_question=draft.questions.get(key="basics.number"),
        vendor=review.product.vendor,
        product=review.product,
        contact=ContactFactory(vendor=review.product.vendor, organization=org),
        assignment=ReviewerAssignmentFactory(evaluation=review, reviewer=reviewer, organization=org),
        condition=DecisionConditionFactory(evaluation=review, organization=org),
        comment_question=question,
        portal=portal,
        questions=questions,
        token=invite.token,
        evidence=EvidenceFileFactory(evaluation=portal, question=questions.report),
        remediation_item=RemediationItem.objects.create(
            organization=org,
            evaluation=portal,
            product=portal.product,
            source="finding",
            finding_code="fuzz.finding",
            title="Fuzzed item",
            side="vendor",
        ),
    )


def row_counts() -> dict[str, int]:
    """Rows per table, without the log of a link being opened (every use of a valid link is kept)."""
    counts = {
        model._meta.label: model._default_manager.count()
        for label in ("accounts", "procurement", "questionnaires", "vendors", "reports")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model is not InviteUse
    }
    counts["procurement.AuditEvent"] = AuditEvent.objects.exclude(kind=AuditEvent.Kind.INVITE_USED).count()
    return counts


# --- targets -------------------------------------------------------------------------------------

ERROR_MARKERS = (b"invalid-feedback", b"is-invalid", b"alert-danger", b"errorlist", b"text-danger")


@dataclass(frozen=True)
class Target:
    """`url`: the form's URL. `fields`: a strategy per field name. `done`: statuses of a request that
    may have succeeded (a redirect, usually). `refused`: statuses that are a clear refusal besides a
    200 page with a message or a 400 (a posted id of nothing gives 404). `saves_each_field`: the
    form saves each valid field on its own and reports the others (the portal's section form).
    `confirmation`: bytes that mark a 200 page as the form's confirmation step (valid input, nothing
    written yet), as the bulk actions ask before they apply; `result`: bytes that mark a 200 page as
    the summary of what was applied (a success, like a redirect elsewhere)."""

    url: Callable[[World], str]
    fields: Callable[[World], dict[str, st.SearchStrategy]]
    persona: str = "officer"
    method: str = "POST"
    done: frozenset[int] = frozenset({302})
    refused: frozenset[int] = frozenset()
    saves_each_field: bool = False
    confirmation: bytes | None = None
    result: bytes | None = None


def _r(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def _question_fields(w: World) -> dict[str, st.SearchStrategy]:
    keys = list(w.draft.questions.values_list("key", flat=True))
    return {
        "key": value("basics.new", "x.y"),
        "type": value(*Question.Type.values),
        "prompt": value("Is it?"),
        "help_text": value(),
        "guidance": value(),
        "is_required": value("on"),
        "allows_na": value("on"),
        "weight": value("1", "0.5", "100000", "-1"),
        "choices": value("a | A\nb | B", "a\na", "|||"),
        "unit": value("days"),
        "minimum": value("0", "5"),
        "maximum": value("1", "365"),
        "max_length": value("10", "0"),
        "columns": value("k | K | text\nn | N | number", "k | K | blob"),
        "row_key": value("k"),
        "required_rows": value("Female\nMale"),
        "has_expiry": value("on"),
        "condition_question": value(*keys),
        "condition_operator": value("equals", "contains", "at_least"),
        "condition_value": st.one_of(value("yes", "5"), json_values.map(json.dumps)),
        "references": value("law | 45 CFR 164.514(b) | https://www.ecfr.gov/", "bogus | x | ftp://x"),
        "requires_evidence": value("on"),
        "evidence_hint": value(),
        "scoring": st.one_of(value('{"expected": "yes"}'), json_values.map(json.dumps)),
    }


TARGETS: dict[str, Target] = {
    # procurement/forms.py
    "member_list": Target(
        lambda w: _r("member_list"),
        lambda w: {"email": value("new.member@example.org", w.officer.email), "role": value(*Role.values)},
        persona="admin",
    ),
    "member_role": Target(
        lambda w: _r("member_role", w.officer.username),
        lambda w: {"role": value(*Role.values)},
        persona="admin",
    ),
    "evaluation_create": Target(
        lambda w: _r("evaluation_create"),
        lambda w: {
            "product": value(w.product.public_id),
            "template": value(w.review.template.public_id, w.draft.public_id),
            "purpose": value(*Evaluation.Purpose.values),
            "previous": value(w.review.public_id),
            "owner": value(w.officer.pk, w.reviewer.pk),
            "reviewers": many(w.reviewer.pk),
            "due_date": value("2030-01-31", "2030-13-01"),
        },
    ),
    "evaluation_list": Target(
        lambda w: _r("evaluation_list"),
        lambda w: {
            "status": value("awaiting_review", *Evaluation.Status.values),
            "vendor": value(w.vendor.public_id),
            "owner": value(w.officer.pk),
            "risk_tier": value("low", "critical"),
            "overdue": value("on"),
            "overdue_on": value("2026-11-30", "2026-02-30"),
            "submitted_in": value("2026-11", "2026-13"),
            "decided_in": value("2026-01"),
            "open_conditions": value("on"),
            "sort": value("vendor", "-due", "score"),
            "page": value("2", "-1", "last"),
        },
        method="GET",
        done=frozenset({200}),
    ),
    "evaluation_move": Target(
        lambda w: _r("evaluation_move", w.review.public_id),
        lambda w: {"to_status": value(*Evaluation.Status.values)},
    ),
    "evaluation_bulk": Target(
        lambda w: _r("evaluation_bulk"),
        lambda w: {
            "action": value("remind", "resend", "extend", "archive"),
            "evaluations": many(w.review.public_id, "not-a-uuid"),
            "due_date": value("2031-01-31", "2001-01-01"),
            "confirmed": value("on"),
            "query": value("status=sent"),
        },
        confirmation=b'<input type="hidden" name="confirmed" value="on">',
        result=b": result</h1>",
    ),
    "evaluation_due_date": Target(
        lambda w: _r("evaluation_due_date", w.review.public_id),
        lambda w: {"due_date": value("2031-01-31", "")},
    ),
    # The draft is no upgrade target: a valid body ends with a message on the evaluation page.
    "evaluation_template_upgrade": Target(
        lambda w: _r("evaluation_template_upgrade", w.review.public_id, w.draft.public_id),
        lambda w: {
            name: value("0", "1", "-1", "many")
            for name in ("keep", "confirm", "archive", "choice_removed", "empty", "new")
        },
    ),
    "reviewer_assign": Target(
        lambda w: _r("reviewer_assign", w.review.public_id),
        lambda w: {
            "reviewer": value(w.reviewer.pk, w.officer.pk),
            "section": value(w.comment_question.section_id),
        },
    ),
    "section_sign_off": Target(
        lambda w: _r("section_sign_off", w.review.public_id),
        # "section" is sent from the review workspace, to come back to the section signed off.
        lambda w: {"assignment": value(w.assignment.pk), "section": value(w.comment_question.section.key)},
        refused=frozenset({404}),
    ),
    "review_comments": Target(
        lambda w: _r("review_comments", w.review.public_id, w.comment_question.pk),
        lambda w: {"body": value("Please explain."), "is_visible_to_vendor": value("on")},
    ),
    "review_clarification": Target(
        lambda w: _r("review_clarification", w.review.public_id),
        lambda w: {
            "questions": many(w.comment_question.pk),
            "message": value("Say more."),
            "section": value(w.comment_question.section.key),
            "show": value("all", "findings", "mine"),
        },
    ),
    "decision_record": Target(
        lambda w: _r("decision_record", w.review.public_id),
        lambda w: {
            "decision": value(*Evaluation.Decision.values),
            "rationale": value("Because."),
            "conditions-TOTAL_FORMS": value("1", "0", "1000", "-1"),
            "conditions-INITIAL_FORMS": value("0"),
            "conditions-0-description": value("Sign the BAA."),
            "conditions-0-owner": value(w.officer.pk),
            "conditions-0-due_date": value("2030-01-01"),
        },
    ),
    "condition_complete": Target(
        lambda w: _r("condition_complete", w.review.public_id),
        lambda w: {"condition": value(w.condition.pk)},
        refused=frozenset({404}),
    ),
    "organization_switch": Target(
        lambda w: _r("organization_switch"),
        lambda w: {"organization": value(w.org.public_id), "next": value("/vendors/", "//evil.example/")},
    ),
    # the score panel's override form
    "score_override": Target(
        lambda w: _r("score_override", w.review.public_id, w.comment_question.key),
        lambda w: {"score": value("50", "100.001"), "justification": value("Partly."), "clear": value("on")},
        done=frozenset({302}),
    ),
    # questionnaires/forms.py
    "template_create": Target(
        lambda w: _r("template_create"),
        lambda w: {
            "name": value("Mine"),
            "slug": value("mine", "every-type"),
            "description": value(),
            "threshold_low": value("80"),
            "threshold_moderate": value("60"),
            "threshold_high": value("40"),
        },
    ),
    "template_edit": Target(
        lambda w: _r("template_edit", w.draft.public_id),
        lambda w: {
            "name": value("Renamed"),
            "description": value(),
            "threshold_low": value("80"),
            "threshold_moderate": value("60"),
            "threshold_high": value("40"),
        },
    ),
    "template_clone": Target(
        lambda w: _r("template_clone", w.draft.public_id),
        lambda w: {"name": value("Copy"), "slug": value("copy", "every-type")},
    ),
    "section_create": Target(
        lambda w: _r("section_create", w.draft.public_id),
        lambda w: {
            "key": value("extra", "basics"),
            "title": value("Extra"),
            "description": value(),
            "weight": value("1", "-1", "1e3"),
        },
    ),
    "section_edit": Target(
        lambda w: _r("section_edit", w.draft.public_id, w.draft_section.key),
        lambda w: {
            "key": value("renamed", "evidence"),
            "title": value("Renamed"),
            "description": value(),
            "weight": value("1"),
        },
    ),
    "section_move": Target(
        lambda w: _r("section_move", w.draft.public_id, w.draft_section.key),
        lambda w: {"position": value("0", "1", "99999999999999999999"), "direction": value("up", "down")},
    ),
    "question_create": Target(
        lambda w: _r("question_create", w.draft.public_id, w.draft_section.key), _question_fields
    ),
    "question_edit": Target(
        lambda w: _r("question_edit", w.draft.public_id, w.draft_question.key), _question_fields
    ),
    "question_move": Target(
        lambda w: _r("question_move", w.draft.public_id, w.draft_question.key),
        lambda w: {"position": value("0", "3", "99999999999999999999"), "direction": value("up", "down")},
    ),
    # vendors/forms.py
    "vendor_list": Target(
        lambda w: _r("vendor_list"),
        lambda w: {
            "q": value("Vendor"),
            "deployment": value("saas"),
            "has_open_evaluation": value("on"),
            "page": value("2", "0"),
        },
        method="GET",
        done=frozenset({200}),
    ),
    "vendor_create": Target(
        lambda w: _r("vendor_create"),
        lambda w: {"legal_name": value("Acme"), "website": value("https://acme.example"), "notes": value()},
    ),
    "vendor_edit": Target(
        lambda w: _r("vendor_edit", w.vendor.public_id),
        lambda w: {"legal_name": value("Acme"), "website": value("acme.example"), "notes": value()},
    ),
    "product_create": Target(
        lambda w: _r("product_create", w.vendor.public_id),
        lambda w: {
            "name": value("Triage"),
            "version": value("1.0"),
            "intended_use": value(),
            "deployment": value("saas", "on_premises"),
        },
    ),
    "product_edit": Target(
        lambda w: _r("product_edit", w.product.public_id),
        lambda w: {
            "name": value("Triage"),
            "version": value("1.0"),
            "intended_use": value(),
            "deployment": value("ehr_embedded"),
        },
    ),
    "contact_create": Target(
        lambda w: _r("contact_create", w.vendor.public_id),
        lambda w: {"name": value("Ann"), "email": value("ann@vendor.example"), "role": value()},
    ),
    "contact_edit": Target(
        lambda w: _r("contact_edit", w.contact.public_id),
        lambda w: {
            "name": value("Ann"),
            "email": value("ann@vendor.example", w.contact.email),
            "role": value(),
        },
    ),
    # vendors/invite_forms.py
    "evaluation_invites": Target(
        lambda w: _r("evaluation_invites", w.portal.public_id),
        lambda w: {"contacts": many(w.contact.public_id), "message": value("Hello")},
    ),
    # reports: the comparison picker
    "comparison": Target(
        lambda w: _r("comparison"),
        lambda w: {"e": many(w.review.public_id, w.portal.public_id), "report": value()},
        method="GET",
        done=frozenset({200}),
    ),
    "comparison_generate": Target(
        lambda w: _r("comparison_generate"), lambda w: {"e": many(w.review.public_id, w.portal.public_id)}
    ),
    # two-factor forms (an officer may enrol)
    "two_factor_verify": Target(
        lambda w: _r("two_factor_verify"),
        lambda w: {"token": value("123456", "abcde-fghjk"), "next": value("/", "https://evil.example/")},
    ),
    "two_factor_setup": Target(lambda w: _r("two_factor_setup"), lambda w: {"token": value("123456")}),
    "account_settings": Target(
        lambda w: _r("account_settings"),
        lambda w: {"email_notifications": value("immediate", "daily_digest", "off")},
    ),
    # search/forms.py
    "search_results": Target(
        lambda w: _r("search_results"),
        lambda w: {"q": value("Acme", "a", "<mark>x</mark>", 'calibration -drift "exact phrase"')},
        method="GET",
        done=frozenset({200}),
    ),
    # Django's own account forms
    "password_change": Target(
        lambda w: _r("password_change"),
        lambda w: {
            "old_password": value("correct-horse-battery"),
            "new_password1": value("a-new-long-passphrase"),
            "new_password2": value("a-new-long-passphrase"),
        },
    ),
    "password_reset": Target(
        lambda w: _r("password_reset"), lambda w: {"email": value("a@example.org")}, persona="anonymous"
    ),
    # Failed sign-ins are throttled: the lockout page (403/429) is a clear refusal too.
    "login": Target(
        lambda w: _r("login"),
        lambda w: {"username": value(w.officer.username), "password": value("wrong")},
        persona="anonymous",
        refused=frozenset({403, 429}),
    ),
    # The lifecycle after the decision
    "review_policy": Target(
        lambda w: _r("review_policy"),
        lambda w: {
            name: value("6", "0", "61", "-3", "1e3")
            for name in ("critical_months", "high_months", "moderate_months", "low_months", "lead_days")
        },
        persona="admin",
    ),
    "product_version_record": Target(
        lambda w: _r("product_version_record", w.product.public_id),
        lambda w: {
            "version": value("4.3", "x" * 60),
            "release_notes": value(),
            "within_pccp": value(*ModelVersion.Pccp.values, "maybe"),
            "changes_intended_use": value("on"),
        },
    ),
    "portal_model_version": Target(
        lambda w: _r("portal_model_version", w.token),
        lambda w: {
            "version": value("4.3", "x" * 60),
            "release_notes": value(),
            "within_pccp": value(*ModelVersion.Pccp.values, "maybe"),
            "changes_intended_use": value("on"),
        },
        persona="vendor",
    ),
    "portal_evidence_describe": Target(
        lambda w: _r("portal_evidence_describe", w.token, w.evidence.public_id),
        lambda w: {
            "doc-document_type": value("baa", "soc2", "not-a-type"),
            "doc-issuer": value("Acme"),
            "doc-model_version": value("4.2"),
            "doc-period_start": value("2025-01-01", "2025-02-30"),
            "doc-period_end": value("2024-12-31", "2025-12-31"),
            "doc-effective_on": value("2025-01-01"),
            "doc-expires_on": value("2024-01-01", "2031-01-01"),
        },
        persona="vendor",
    ),
    "portal_remediation_reply": Target(
        lambda w: _r("portal_remediation_reply", w.token, w.remediation_item.public_id),
        lambda w: {f"r{w.remediation_item.pk}-body": value("Fixed in 4.3.")},
        persona="vendor",
    ),
    # Single sign-on: an unknown domain or name, and provider settings that cannot be reached
    # (the .invalid top-level domain never resolves).
    "sso_begin": Target(
        lambda w: _r("sso_begin"),
        lambda w: {"identifier": value("someone@unknown.example", "riverside", "@")},
        persona="anonymous",
    ),
    "sso_settings": Target(
        lambda w: _r("sso_settings"),
        lambda w: {
            "enabled": value("on"),
            "issuer": value("https://login.riverside.invalid/", "http://login.invalid", "not a url"),
            "client_id": value("due-diligence"),
            "client_secret": value("s3cret"),
            "allowed_domains": value("riverside.org", "not a domain", "riverside.org, "),
            "new_member_role": value(*Role.values, "owner"),
        },
        persona="admin",
    ),
    # portal/forms.py (through the invite link)
    "portal_delegate": Target(
        lambda w: _r("portal_delegate", w.token),
        lambda w: {"name": value("Bo"), "email": value("bo@vendor.example"), "role": value("CISO")},
        persona="vendor",
    ),
    "portal_section_save": Target(
        lambda w: _r("portal_section_save", w.token, w.questions.first.key),
        lambda w: {
            field: strategy
            for q in (
                w.questions.phi,
                w.questions.method,
                w.questions.zip,
                w.questions.days,
                w.questions.modalities,
            )
            for field, strategy in _answer_fields(q).items()
        },
        persona="vendor",
        saves_each_field=True,
    ),
}


def _answer_fields(question: Question) -> dict[str, st.SearchStrategy]:
    prefix = f"q{question.pk}"
    choices = [c["value"] for c in question.options.get("choices", [])]
    fields: dict[str, st.SearchStrategy] = {
        f"{prefix}-version": value("0", "1", "-1", "99999999999999999999"),
        f"{prefix}-not_applicable": value("on"),
    }
    if question.type == "multi_choice":
        fields[f"{prefix}-value"] = many(*choices)
    elif question.type == "table":
        fields[f"{prefix}-rows"] = value("1", "2", "201", "-5", "99999999999999999999")
        for i in range(2):
            for column in question.options.get("columns", []):
                fields[f"{prefix}-value-{i}-{column['key']}"] = value("Female", "120", "1e400")
    else:
        fields[f"{prefix}-value"] = value("yes", "no", "12", "2024-03-31", "https://example.org", *choices)
    return fields


def _admin(w: World):
    """An administrator of the organization (members are managed by administrators only)."""
    membership = Membership.objects.filter(organization=w.org, role=Role.ADMIN).select_related("user").first()
    if membership is None:
        membership = MembershipFactory(organization=w.org, role=Role.ADMIN)
        TOTPDevice.objects.create(user=membership.user, name="fuzz", confirmed=True)
    return membership.user


def _client(persona: str, w: World, client_for) -> Client:
    if persona == "officer":
        client = client_for(w.officer)
    elif persona == "admin":
        client = client_for(_admin(w))
    else:
        client = Client()
    client.raise_request_exception = False
    return client


def _send(client: Client, target: Target, url: str, data: dict) -> Any:
    if target.method == "GET":
        return client.get(url, data)
    return client.post(url, data)


def _draw(data, fields: dict[str, st.SearchStrategy]) -> dict:
    drawn = {name: data.draw(strategy, label=name) for name, strategy in fields.items()}
    return {name: v for name, v in drawn.items() if v is not OMIT}


def check(response, target: Target, before: dict, after: dict, where: str, *, empty: bool = False) -> None:
    status = response.status_code
    assert status < 500, f"{where}: server error {status}"
    if status in target.done or (status == 200 and target.result and target.result in response.content):
        return
    if status == 200 and target.confirmation and target.confirmation in response.content:
        assert before == after, f"{where}: a confirmation step wrote {_diff(before, after)}"
        return
    if status == 200:
        # An empty POST may show the blank form, as a GET does.
        assert empty or any(marker in response.content for marker in ERROR_MARKERS), (
            f"{where}: 200 without an error message beside a field"
        )
    else:
        assert status == 400 or status in target.refused, f"{where}: unexpected status {status}"
    if not target.saves_each_field:
        assert before == after, f"{where}: refused but wrote {_diff(before, after)}"


def _diff(before: dict, after: dict) -> dict:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def _run(client, target: Target, url: str, payload: dict) -> None:
    with transaction.atomic():
        before = row_counts()
        response = _send(client, target, url, payload)
        after = row_counts()
        transaction.set_rollback(True)
    check(response, target, before, after, f"{target.method} {url}", empty=not payload)


@pytest.mark.parametrize("name", sorted(TARGETS))
@FUZZ
@given(data=st.data())
def test_random_input_to_a_form_is_refused_cleanly(name, data, world, client_for, monkeypatch):
    monkeypatch.setattr(invite_services, "INVITE_GUESS_LIMIT", 10_000)
    target = TARGETS[name]
    client = _client(target.persona, world, client_for)
    payload = _draw(data, target.fields(world))
    _run(client, target, target.url(world), payload)


MALFORMED_BODIES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"name=%ED%A0%80&legal_name=%ED%B0%80%FF%FE",  # encoded lone surrogates, invalid UTF-8
            b"a=%zz&b=%&c==&&&=",
            b"\x00\x00\x00",
            b"x=" + b"%00" * 1000,
            b"&".join(b"f%d=1" % i for i in range(1200)),  # more fields than Django accepts
        ]
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "application/json",
        "text/plain; charset=utf-16",
        "application/x-www-form-urlencoded; charset=bogus",
    ]
)


@pytest.mark.parametrize("name", sorted(n for n, t in TARGETS.items() if t.method == "POST"))
@settings(FUZZ, max_examples=6)
@given(body=MALFORMED_BODIES, content_type=CONTENT_TYPES)
def test_a_malformed_body_is_refused_cleanly(name, body, content_type, world, client_for, monkeypatch):
    monkeypatch.setattr(invite_services, "INVITE_GUESS_LIMIT", 10_000)
    target = TARGETS[name]
    client = _client(target.persona, world, client_for)
    url = target.url(world)
    with transaction.atomic():
        before = row_counts()
        response = client.generic("POST", url, body, content_type=content_type)
        after = row_counts()
        transaction.set_rollback(True)
    # A body that parses to no fields shows the blank form, as a GET would.
    check(response, target, before, after, f"POST {url} [{content_type}]", empty=True)


# --- the portal's autosave, one question type at a time -------------------------------------------

PORTAL_QUESTIONS = ["phi", "method", "zip", "days", "modalities", "table", "report", "site", "date"]


@pytest.mark.parametrize("attr", PORTAL_QUESTIONS)
@settings(FUZZ, max_examples=15)
@given(data=st.data(), htmx=st.booleans())
def test_autosave_with_random_values_never_breaks(attr, data, htmx, world, monkeypatch):
    monkeypatch.setattr(invite_services, "INVITE_GUESS_LIMIT", 10_000)
    question = getattr(world.questions, attr)
    client = Client(raise_request_exception=False)
    url = reverse("portal_answer", args=[world.token, question.key])
    payload = _draw(data, _answer_fields(question))
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with transaction.atomic():
        before = row_counts()
        response = client.post(url, payload, **headers)
        after = row_counts()
        transaction.set_rollback(True)
    assert response.status_code < 500, response.status_code
    if htmx:
        # The fragment answers 200 whether saved or not (400 for a body over the size limit);
        # whatever it shows, an answer that was not saved wrote nothing.
        assert response.status_code in (200, 400)
        # The fragment says "Saved" or "Not saved"; a required question's asterisk is no error.
        saved = b'class="save-state-saved"' in response.content
        if response.status_code == 400 or not saved:
            assert before == after, _diff(before, after)
    elif response.status_code != 302:
        check(response, Target(lambda w: url, lambda w: {}), before, after, f"POST {url}")


@settings(FUZZ, max_examples=15)
@given(
    content=st.one_of(
        st.binary(max_size=2000), st.sampled_from([b"%PDF-1.7\n%%EOF\n", b"\x89PNG\r\n\x1a\n"])
    ),
    name=nasty,
    expires_on=value("2030-01-01", "2030-02-30"),
)
def test_random_uploads_are_refused_or_stored_cleanly(
    content, name, expires_on, world, monkeypatch, settings
):
    monkeypatch.setattr(invite_services, "INVITE_GUESS_LIMIT", 10_000)
    question = world.questions.report
    client = Client(raise_request_exception=False)
    url = reverse("portal_upload", args=[world.token, question.key])
    try:
        upload = SimpleUploadedFile(name[:300] or "f", content)
    except SuspiciousFileOperation:
        reject()  # a name such as ".." that the test client itself cannot send
    payload: dict[str, Any] = {f"q{question.pk}-file": upload}
    if expires_on is not OMIT:
        payload[f"q{question.pk}-expires_on"] = expires_on
    with transaction.atomic():
        before = row_counts()
        response = client.post(url, payload)
        after = row_counts()
        transaction.set_rollback(True)
    check(response, Target(lambda w: url, lambda w: {}), before, after, f"upload {name[:40]!r}")


VALID_CARD = (Path(__file__).parents[1] / "procurement" / "model_cards" / "valid.xml").read_bytes()


@st.composite
def mutated_card(draw) -> bytes:
    """The valid test card with one slice replaced by random bytes (often no longer valid)."""
    start = draw(st.integers(min_value=0, max_value=len(VALID_CARD) - 1))
    end = draw(st.integers(min_value=start, max_value=min(len(VALID_CARD), start + 200)))
    return VALID_CARD[:start] + draw(st.binary(max_size=200)) + VALID_CARD[end:]


@settings(FUZZ, max_examples=15)
@given(
    content=st.one_of(
        st.binary(max_size=2000),
        mutated_card(),
        st.sampled_from([VALID_CARD, b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', b"\xef\xbb\xbf<?xml?>"]),
    )
)
def test_random_or_mutated_model_cards_are_refused_or_imported_cleanly(content, world, monkeypatch):
    monkeypatch.setattr(invite_services, "INVITE_GUESS_LIMIT", 10_000)
    client = Client(raise_request_exception=False)
    url = reverse("portal_model_card", args=[world.token])
    with transaction.atomic():
        before = row_counts()
        response = client.post(url, {"file": SimpleUploadedFile("card.xml", content)})
        after = row_counts()
        transaction.set_rollback(True)
    assert response.status_code == 200
    if b"is-invalid" in response.content:
        assert before == after, _diff(before, after)
    else:
        assert b"Your model card answered" in response.content


# --- template import: random files and mutated exports -------------------------------------------


def _mutate(document: Any, path: list, replacement: Any) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = replacement
    return document


def _paths(node: Any, prefix: list | None = None) -> list[list]:
    prefix = prefix or []
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found.extend(_paths(child, [*prefix, key]))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.extend(_paths(child, [*prefix, index]))
    return found


@settings(FUZZ, max_examples=30)
@given(data=st.data())
def test_importing_a_mutated_or_random_template_file_is_refused_cleanly(data, world, client_for):
    exported = transfer.template_export(world.draft)
    paths = _paths(exported)
    kind = data.draw(st.sampled_from(["mutate", "mutate", "mutate", "random_json", "bytes"]))
    if kind == "mutate":
        document = copy.deepcopy(exported)
        for _ in range(data.draw(st.integers(1, 3))):
            path = data.draw(st.sampled_from(paths))
            try:
                _mutate(document, path, data.draw(st.one_of(json_values, nasty)))
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation replaced this path's parent
        content = json.dumps(document).encode()
    elif kind == "random_json":
        content = json.dumps(data.draw(json_values)).encode()
    else:
        content = data.draw(st.binary(max_size=500))
    client = _client("officer", world, client_for)
    url = reverse("template_import")
    with transaction.atomic():
        before = row_counts()
        response = client.post(url, {"file": SimpleUploadedFile("t.json", content)})
        after = row_counts()
        transaction.set_rollback(True)
    check(response, Target(lambda w: url, lambda w: {}), before, after, f"import ({kind})")


# --- the answer validator itself ------------------------------------------------------------------


@pytest.mark.parametrize("attr", PORTAL_QUESTIONS)
@settings(FUZZ, max_examples=60)
@given(
    raw=st.one_of(json_values, nasty, st.lists(nasty, max_size=3), st.lists(st.dictionaries(nasty, nasty)))
)
def test_clean_value_either_normalises_or_raises_validation_error(attr, raw, world):
    question = getattr(world.questions, attr)
    try:
        cleaned = clean_value(question, raw)
    except ValidationError as exc:
        messages = exc.messages
        cleaned = None
    else:
        messages = []
    if messages:
        assert all(m.strip() for m in messages)
        return
    # Whatever is stored must survive a JSON round trip unchanged.
    assert json.loads(json.dumps(cleaned, allow_nan=False)) == cleaned
    if cleaned is None:
        return
    qtype = question.type
    if qtype == "yes_no":
        assert cleaned in ("yes", "no")
    elif qtype == "single_choice":
        assert cleaned in [c["value"] for c in question.options["choices"]]
    elif qtype == "multi_choice":
        assert set(cleaned) <= {c["value"] for c in question.options["choices"]}
    elif qtype == "number":
        assert isinstance(cleaned, int | float)
        assert question.options["min"] <= cleaned <= question.options["max"]
    elif qtype == "table":
        assert isinstance(cleaned, list)
        assert all(isinstance(row, dict) for row in cleaned)
    elif qtype in ("url", "date"):
        assert isinstance(cleaned, str)
        assert "\x00" not in cleaned


def test_every_form_of_the_product_is_fuzzed():
    """A new form class has to be added to TARGETS (or to the reviewed list of those it cannot reach)."""
    import inspect

    from django import forms as django_forms

    from accounts import forms as account_forms
    from accounts import two_factor
    from portal import forms as portal_forms
    from procurement import forms as invite_forms
    from procurement import forms as procurement_forms
    from procurement.views import scoring as scoring_views
    from procurement.views import template_upgrade as template_upgrade_views
    from questionnaires import forms as questionnaire_forms
    from search import forms as search_forms
    from vendors import forms as vendor_forms

    covered_elsewhere = {
        "AnswerForm": "test_autosave_with_random_values_never_breaks and portal_section_save",
        "UploadForm": "test_random_uploads_are_refused_or_stored_cleanly",
        "ModelCardForm": "test_random_or_mutated_model_cards_are_refused_or_imported_cleanly",
        "WorkbookUploadForm": "tests/security/test_fuzz_workbook.py (random and mutated workbooks)",
        "ImportForm": "test_importing_a_mutated_or_random_template_file_is_refused_cleanly",
        "ConditionForm": "decision_record (the conditions formset)",
        "ProductChoiceField": "a field, not a form",
        "IntakeForm": "tests/procurement/test_intake_scope.py (random intake answers)",
    }
    by_form = {
        "OrganizationSwitchForm": "organization_switch",
        "MemberAddForm": "member_list",
        "MemberRoleForm": "member_role",
        "EvaluationForm": "evaluation_create",
        "EvaluationFilterForm": "evaluation_list",
        "MoveForm": "evaluation_move",
        "DueDateForm": "evaluation_due_date",
        "BulkActionForm": "evaluation_bulk",
        "AssignmentForm": "reviewer_assign",
        "CommentForm": "review_comments",
        "ClarificationForm": "review_clarification",
        "DecisionForm": "decision_record",
        "TemplateForm": "template_create",
        "CloneForm": "template_clone",
        "SectionForm": "section_create",
        "QuestionForm": "question_create",
        "VendorForm": "vendor_create",
        "ProductForm": "product_create",
        "ContactForm": "contact_create",
        "VendorFilterForm": "vendor_list",
        "InviteForm": "evaluation_invites",
        "DelegateForm": "portal_delegate",
        "ScoreOverrideForm": "score_override",
        "TokenForm": "two_factor_setup",
        "VerifyForm": "two_factor_verify",
        "NotificationSettingsForm": "account_settings",
        "SearchForm": "search_results",
        "ApplyUpgradeForm": "evaluation_template_upgrade",
        "SignInForm": "login",
        "SsoStartForm": "sso_begin",
        "IdentityProviderForm": "sso_settings",
        "ModelVersionForm": "product_version_record",
        "ReviewPolicyForm": "review_policy",
        "EvidenceDescriptionForm": "portal_evidence_describe",
        "RemediationReplyForm": "portal_remediation_reply",
    }
    modules = [
        account_forms,
        procurement_forms,
        questionnaire_forms,
        vendor_forms,
        invite_forms,
        portal_forms,
        scoring_views,
        template_upgrade_views,
        two_factor,
        search_forms,
    ]
    found = {
        name
        for module in modules
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and issubclass(obj, django_forms.BaseForm)
        and obj.__module__ == module.__name__
    }
    missing = sorted(found - set(by_form) - set(covered_elsewhere))
    assert not missing, f"Forms without a fuzz target: {missing}. Add them to TARGETS."
    assert all(target in TARGETS for target in by_form.values())


def test_a_body_over_the_upload_limit_is_refused_with_400(client_for, world, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 6_000_000
    client = _client("officer", world, client_for)
    with transaction.atomic():
        before = row_counts()
        response = client.post(reverse("vendor_create"), {"legal_name": "x" * 6_000_000})
        after = row_counts()
        transaction.set_rollback(True)
    assert response.status_code == 400
    assert before == after
