"""Creating evaluations, listing them, and the workflow moves an officer makes by hand."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.roles import Perm, Role, role_has_perm
from procurement.models import AuditEvent, Evaluation, ReviewerAssignment
from procurement.services.audit import audit_record
from procurement.services.invites import invite_extend_to_due_date
from procurement.services.prefill import answers_carry_forward, carry_forward_source
from procurement.services.workflow import evaluation_transition
from questionnaires.models import Template

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import QuerySet
    from django.http import HttpRequest

    from vendors.models import Product

S = Evaluation.Status

# The moves made with a button on the evaluation page, and the permission each needs. The others
# happen through their own actions: the vendor starts and submits, a reviewer requests changes,
# a decision-maker decides.
MANUAL_MOVES: dict[str, tuple[str, str]] = {
    S.SENT: ("Send to vendor", Perm.RUN_EVALUATIONS),
    S.UNDER_REVIEW: ("Start review", Perm.REVIEW),
    S.ARCHIVED: ("Archive", Perm.RUN_EVALUATIONS),
}

SORTS = {
    "product": ("product__name", "product__version"),
    "vendor": ("product__vendor__legal_name",),
    "status": ("status",),
    "due": ("due_date",),
    "score": ("overall_score",),
    "created": ("created_at",),
}


def members_with_perm(organization: Organization, perm: str) -> QuerySet[User]:
    roles = [role for role in Role.values if role_has_perm(role, perm)]
    return User.objects.filter(
        memberships__organization=organization, memberships__role__in=roles, is_active=True
    ).order_by("first_name", "last_name", "username")


def templates_for_evaluation(organization: Organization) -> QuerySet[Template]:
    return Template.objects.visible_to(organization).published().order_by("name", "-version")


def evaluation_search(
    *,
    organization: Organization,
    status: str = "",
    vendor=None,
    owner: User | None = None,
    overdue: bool = False,
    risk_tier: str = "",
    overdue_on: datetime.date | None = None,
    submitted_in: datetime.date | None = None,
    decided_in: datetime.date | None = None,
    open_conditions: bool = False,
    sort: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Evaluation]:
    """The evaluation list: filtered, sorted by one column (prefix '-' for descending).

    `overdue_on`, `submitted_in` and `decided_in` (a month: any day of it) are the filters the
    dashboard's charts link to.
    """
    evaluations = Evaluation.objects.for_org(organization).select_related(
        "product__vendor", "template", "owner"
    )
    if status == "awaiting_review":
        evaluations = evaluations.filter(status__in=[S.SUBMITTED, S.UNDER_REVIEW])
    elif status:
        evaluations = evaluations.filter(status=status)
    if vendor is not None:
        evaluations = evaluations.filter(product__vendor=vendor)
    if owner is not None:
        evaluations = evaluations.filter(owner=owner)
    if overdue:
        evaluations = evaluations.overdue(today)
    if risk_tier:
        evaluations = evaluations.filter(risk_tier=risk_tier)
    if overdue_on is not None:
        evaluations = evaluations.overdue_on(overdue_on)
    if submitted_in is not None:
        evaluations = evaluations.submitted_in(submitted_in)
    if decided_in is not None:
        evaluations = evaluations.decided_in(decided_in)
    if open_conditions:
        evaluations = evaluations.with_open_conditions()
    descending = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-"))
    if not fields:
        return evaluations.order_by("-created_at", "-id")
    # Unscored and undated rows go last whichever way the column is sorted.
    ordering = [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in fields]
    return evaluations.order_by(*ordering, "-id")


@transaction.atomic
def evaluation_create(
    *,
    organization: Organization,
    product: Product,
    template: Template,
    owner: User,
    created_by: User,
    purpose: str = Evaluation.Purpose.NEW_PURCHASE,
    due_date: datetime.date | None = None,
    reviewers: Iterable[User] = (),
    previous: Evaluation | None = None,
    carry_forward: bool = False,
    request: HttpRequest | None = None,
) -> Evaluation:
    """A draft evaluation of one product against one published template version.

    With `carry_forward`, the product's last submitted answers and evidence are carried into it,
    each waiting for the vendor's confirmation (`procurement.services.prefill`).
    """
    errors: dict[str, str] = {}
    if product.organization_id != organization.pk:
        errors["product"] = "Choose one of your organization's products."
    if not templates_for_evaluation(organization).filter(pk=template.pk).exists():
        errors["template"] = "Choose a published questionnaire version."
    if not Membership.objects.filter(organization=organization, user=owner).exists():
        errors["owner"] = "The owner must be a member of the organization."
    reviewers = list(reviewers)
    allowed_reviewers = set(members_with_perm(organization, Perm.REVIEW).values_list("pk", flat=True))
    if any(r.pk not in allowed_reviewers for r in reviewers):
        errors["reviewers"] = "Reviewers must be members whose role allows reviewing."
    if purpose not in Evaluation.Purpose.values:
        errors["purpose"] = "Choose a purpose."
    if purpose == Evaluation.Purpose.REASSESSMENT:
        if previous is not None and (
            previous.organization_id != organization.pk or previous.product_id != product.pk
        ):
            errors["previous"] = "The previous evaluation must be of the same product."
    elif previous is not None:
        errors["previous"] = "Only a re-assessment refers to a previous evaluation."
    if errors:
        raise ValidationError(errors)

    evaluation = Evaluation.objects.create(
        organization=organization,
        product=product,
        template=template,
        owner=owner,
        purpose=purpose,
        due_date=due_date,
        previous=previous,
    )
    ReviewerAssignment.objects.bulk_create(
        ReviewerAssignment(organization=organization, evaluation=evaluation, reviewer=r, section=None)
        for r in dict.fromkeys(reviewers)
    )
    audit_record(
        organization=organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.STATUS_CHANGED,
        summary=f"Evaluation created from {template} for {product}",
        user=created_by,
        request=request,
        data={"template": str(template.public_id), "purpose": purpose},
    )
    if carry_forward:
        source = carry_forward_source(evaluation=evaluation)
        if source is None:
            raise ValidationError(
                {
                    "carry_forward": ValidationError(
                        "This product has no evaluation with submitted answers to start from.",
                        code="no_source",
                    )
                }
            )
        answers_carry_forward(evaluation=evaluation, source=source, user=created_by, request=request)
    return evaluation


@transaction.atomic
def evaluation_due_date_change(
    *, evaluation: Evaluation, due_date: datetime.date | None, user: User, request: HttpRequest | None = None
) -> Evaluation:
    """A new due date; the vendor's open links are extended to it (plus the grace days), audited."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    previous = evaluation.due_date
    if previous == due_date:
        return evaluation
    evaluation.due_date = due_date
    evaluation.save(update_fields=["due_date", "updated_at"])
    extended = invite_extend_to_due_date(evaluation=evaluation)
    summary = f"Due date changed from {previous or 'none'} to {due_date or 'none'}"
    if extended:
        until = extended[0].expires_at
        summary += (
            f"; {len(extended)} vendor link{'s' if len(extended) != 1 else ''} now work"
            f"{'s' if len(extended) == 1 else ''} until {timezone.localtime(until):%Y-%m-%d}"
        )
    audit_record(
        organization=evaluation.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.STATUS_CHANGED,
        summary=summary,
        user=user,
        request=request,
        data={
            "due_date": {
                "from": str(previous) if previous else None,
                "to": str(due_date) if due_date else None,
            },
            "invites_extended": [
                {"invite": str(i.public_id), "expires_at": i.expires_at.isoformat()} for i in extended
            ],
        },
    )
    return evaluation


def manual_moves_for(evaluation: Evaluation, perms: Iterable[str]) -> list[tuple[str, str]]:
    """(status, button label) for the moves this member may make from the current status."""
    perms = set(perms)
    allowed = evaluation.allowed_transitions()
    return [
        (to_status, label)
        for to_status, (label, perm) in MANUAL_MOVES.items()
        if to_status in allowed and perm in perms
    ]


@transaction.atomic
def evaluation_move(
    *, evaluation: Evaluation, to_status: str, user: User, perms: Iterable[str], request=None
) -> Evaluation:
    """A workflow move made with a button: only the moves in MANUAL_MOVES, with their permission."""
    if to_status not in MANUAL_MOVES:
        raise ValidationError("That change of status is made elsewhere in the workflow.")
    label, perm = MANUAL_MOVES[to_status]
    if perm not in set(perms):
        raise ValidationError(f"Your role does not allow: {label.lower()}.")
    return evaluation_transition(evaluation=evaluation, to_status=to_status, user=user, request=request)


def previous_candidates(organization: Organization, product: Product | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.for_org(organization).select_related("product", "template")
    if product is not None:
        qs = qs.filter(product=product)
    return qs.filter(~Q(status=S.DRAFT))
