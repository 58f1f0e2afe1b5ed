"""Re-assessment after approval: review dates from the organization's policy, and model version changes.

An approval starts a review cycle whose date follows the product's risk tier; a daily beat task opens
the re-assessment `lead_days` before that date. A model version the vendor reports outside the
authorized PCCP, or one that changes the intended use, opens it at once through the same service;
any other version is recorded and covered by the next re-assessment.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Perm
from procurement.models import AuditEvent, Evaluation, ModelVersion, Notification, ReviewCycle, ReviewPolicy
from procurement.models.reassessment import DEFAULT_INTERVAL_MONTHS
from procurement.services.audit import actor_label, audit_record
from procurement.services.evaluations import evaluation_create, members_with_perm, templates_for_evaluation
from procurement.services.notifications import notifications_create
from procurement.services.prefill import CARRY_SOURCES
from procurement.services.webhooks import evaluation_event_data, webhook_event_emit

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Organization
    from vendors.models import Contact, Product

logger = logging.getLogger(__name__)

S = Evaluation.Status
TIERS = tuple(DEFAULT_INTERVAL_MONTHS)  # critical, high, moderate, low
APPROVALS = (Evaluation.Decision.APPROVED, Evaluation.Decision.APPROVED_WITH_CONDITIONS)
# An approval without a tier (never scored, no intake) is reviewed as soon as the riskiest one.
UNTIERED = "critical"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the 31st becomes the month's last day where it has fewer."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def product_url(product: Product) -> str:
    return reverse("product_detail", args=[product.public_id])


# -- the policy ---------------------------------------------------------------------------------


def review_policy_for(organization: Organization) -> ReviewPolicy:
    """The organization's policy; the defaults (not yet saved) until an administrator changes them."""
    policy = ReviewPolicy.objects.filter(organization=organization).first()
    return policy or ReviewPolicy(organization=organization)


def cycle_dates(
    *, policy: ReviewPolicy, tier: str, approved_on: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """(review date, opening date) of an approval given on `approved_on` with this risk tier."""
    review_on = add_months(approved_on, policy.months_for(tier if tier in TIERS else UNTIERED))
    return review_on, review_on - datetime.timedelta(days=policy.lead_days)


@transaction.atomic
def review_policy_update(
    *, organization: Organization, user: User | None, request: HttpRequest | None = None, **values: int
) -> ReviewPolicy:
    """New intervals and lead time; the pending review dates of the organization follow them."""
    # Locked (created with the defaults on first use), so two administrators' saves never interleave.
    policy, _ = ReviewPolicy.objects.select_for_update().get_or_create(organization=organization)
    fields = [f"{tier}_months" for tier in TIERS] + ["lead_days"]
    unknown = set(values) - set(fields)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown setting."))
    for name in fields:
        if name in values:
            setattr(policy, name, values[name])
    errors = {}
    for name in fields:
        value = getattr(policy, name)
        low, high = (0, 180) if name == "lead_days" else (1, 60)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            unit = "days" if name == "lead_days" else "months"
            errors[name] = f"Enter a whole number of {unit} from {low} to {high}."
    if errors:
        raise ValidationError(errors)
    policy.updated_at = timezone.now()
    policy.updated_by = user
    policy.save()
    review_cycles_recompute(policy=policy)
    return policy


def review_cycles_recompute(*, policy: ReviewPolicy) -> int:
    """Moves the dates of the cycles still waiting for their re-assessment to the policy's intervals."""
    changed = 0
    pending = (
        ReviewCycle.objects.for_org(policy.organization)
        .filter(reassessment__isnull=True, closed_at__isnull=True)
        .select_related("approved_evaluation")
        .select_for_update(of=("self",))
    )
    for cycle in pending:
        review_on, opens_on = cycle_dates(
            policy=policy, tier=cycle.risk_tier, approved_on=_approved_on(cycle.approved_evaluation)
        )
        if (review_on, opens_on) != (cycle.review_on, cycle.opens_on):
            cycle.review_on, cycle.opens_on = review_on, opens_on
            cycle.save(update_fields=["review_on", "opens_on"])
            changed += 1
    return changed


def _approved_on(evaluation: Evaluation) -> datetime.date:
    return timezone.localdate(evaluation.decided_at) if evaluation.decided_at else timezone.localdate()


# -- the cycle an approval starts ---------------------------------------------------------------


def review_cycle_after_decision(*, evaluation: Evaluation) -> ReviewCycle | None:
    """Called by the decision: an approval starts the product's next review cycle, replacing older ones.

    A rejection ends the product's pending cycles: a rejected product has no review date. The
    product's current version is recorded as covered by the approved evaluation.
    """
    now = timezone.now()
    ReviewCycle.objects.for_org(evaluation.organization).filter(
        product_id=evaluation.product_id, closed_at__isnull=True
    ).exclude(approved_evaluation=evaluation).update(closed_at=now)
    if evaluation.decision not in APPROVALS:
        return None
    tier = evaluation.risk_tier or evaluation.inherent_tier or UNTIERED
    review_on, opens_on = cycle_dates(
        policy=review_policy_for(evaluation.organization), tier=tier, approved_on=_approved_on(evaluation)
    )
    cycle, _ = ReviewCycle.objects.update_or_create(
        approved_evaluation=evaluation,
        defaults={
            "organization": evaluation.organization,
            "product_id": evaluation.product_id,
            "risk_tier": tier,
            "review_on": review_on,
            "opens_on": opens_on,
        },
    )
    product = evaluation.product
    if (
        product.version
        and not ModelVersion.objects.filter(
            product=product, version=product.version, covered_by__isnull=False
        ).exists()
    ):
        # The version the approval looked at, unless a report already names an evaluation for it.
        updated = ModelVersion.objects.filter(
            product=product, version=product.version, covered_by__isnull=True
        ).update(covered_by=evaluation)
        if not updated:
            ModelVersion.objects.create(
                organization=evaluation.organization,
                product=product,
                version=product.version,
                reported_at=now,
                reported_by_user=evaluation.decided_by,
                reported_by_label=actor_label(user=evaluation.decided_by),
                action=ModelVersion.Action.EVALUATED,
                covered_by=evaluation,
                within_pccp=ModelVersion.Pccp.UNKNOWN,
            )
    return cycle


def current_cycle(product: Product) -> ReviewCycle | None:
    """The product's live review cycle (its latest approval not yet replaced), or None."""
    return (
        ReviewCycle.objects.filter(product=product, closed_at__isnull=True)
        .select_related("approved_evaluation", "reassessment")
        .order_by("-created_at", "-id")
        .first()
    )


# -- opening the re-assessment ------------------------------------------------------------------


def _owner_for(previous: Evaluation) -> User:
    organization = previous.organization
    if Membership.objects.filter(
        organization=organization, user=previous.owner, user__is_active=True
    ).exists():
        return previous.owner
    # The owner left: the re-assessment goes to someone who may run evaluations.
    fallback = members_with_perm(organization, Perm.RUN_EVALUATIONS).first()
    if fallback is None:
        raise ValidationError(
            "Nobody in the organization may run evaluations: no one can own the re-assessment."
        )
    return fallback


def _template_for(previous: Evaluation):
    """The latest published version of the previous template's family (the same template if it is)."""
    template = previous.template
    latest = (
        templates_for_evaluation(previous.organization)
        .filter(organization_id=template.organization_id, slug=template.slug)
        .order_by("-version")
        .first()
    )
    if latest is None:
        raise ValidationError(
            {
                "template": f"No published version of “{template.name}” is left to re-assess "
                f"{previous.product} with."
            }
        )
    return latest


@transaction.atomic
def reassessment_open(
    *,
    cycle: ReviewCycle,
    trigger: str,
    reason: str = "",
    user: User | None = None,
    contact: Contact | None = None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Evaluation:
    """Opens the cycle's re-assessment: once, however often it is called (the cycle row is locked).

    A draft evaluation of the same product, purpose re-assessment, previous = the approved
    evaluation, the template family's latest published version, the previous owner, due on the
    review date (or after the lead time, when opened late or by a model change), with the last
    submitted answers carried forward for the vendor to confirm. The owner is notified.
    """
    locked = (
        ReviewCycle.objects.select_for_update()
        .select_related("approved_evaluation__template")
        .get(pk=cycle.pk)
    )
    if locked.reassessment_id is not None:
        return locked.reassessment
    if locked.closed_at is not None:
        raise ValidationError("This review cycle was replaced by a later decision.")
    today = today or timezone.localdate()
    previous = locked.approved_evaluation
    policy = review_policy_for(locked.organization)
    due_date = max(locked.review_on, today + datetime.timedelta(days=policy.lead_days))
    owner = _owner_for(previous)
    has_source = Evaluation.objects.filter(
        product_id=previous.product_id, status__in=CARRY_SOURCES, submitted_at__isnull=False
    ).exists()
    evaluation = evaluation_create(
        organization=locked.organization,
        product=previous.product,
        template=_template_for(previous),
        owner=owner,
        created_by=user,
        purpose=Evaluation.Purpose.REASSESSMENT,
        due_date=due_date,
        previous=previous,
        carry_forward=has_source,
        request=request,
    )
    locked.reassessment = evaluation
    locked.trigger = trigger
    locked.opened_at = timezone.now()
    locked.save(update_fields=["reassessment", "trigger", "opened_at"])
    # The versions recorded since the approval are assessed by this re-assessment.
    ModelVersion.objects.filter(product_id=previous.product_id, covered_by__isnull=True).update(
        covered_by=evaluation
    )
    why = reason or (
        f"review date {locked.review_on:%Y-%m-%d}"
        if trigger == ReviewCycle.Trigger.SCHEDULE
        else "model change"
    )
    audit_record(
        organization=locked.organization,
        evaluation=evaluation,
        kind=AuditEvent.Kind.REASSESSMENT_OPENED,
        summary=f"Re-assessment of {previous.product} opened ({why}), due {due_date:%Y-%m-%d}",
        user=user,
        contact=contact,
        request=request,
        data={
            "previous": str(previous.public_id),
            "trigger": trigger,
            "review_on": str(locked.review_on),
            "due_date": str(due_date),
            "carried_forward": has_source,
            "template": str(evaluation.template.public_id),
        },
    )
    notifications_create(
        recipients=[owner],
        organization=locked.organization,
        evaluation=evaluation,
        kind=Notification.Kind.REASSESSMENT_OPENED,
        message=f"Re-assessment of {previous.product} opened ({why}); due {due_date:%Y-%m-%d}. "
        "Invite the vendor.",
        link=evaluation.get_absolute_url(),
    )
    return evaluation


def reassessments_open_due(*, today: datetime.date | None = None) -> int:
    """Daily (beat): opens every re-assessment whose opening date has come. Safe to run twice."""
    today = today or timezone.localdate()
    due = ReviewCycle.objects.filter(
        reassessment__isnull=True, closed_at__isnull=True, opens_on__lte=today
    ).order_by("opens_on", "id")
    opened = 0
    for cycle in due:
        try:
            reassessment_open(cycle=cycle, trigger=ReviewCycle.Trigger.SCHEDULE, today=today)
        except ValidationError as exc:
            # One product's problem (no template left, nobody to own it) must not stop the others.
            logger.warning("Re-assessment of review cycle %s not opened: %s", cycle.public_id, exc.messages)
            continue
        opened += 1
    return opened


# -- model versions -----------------------------------------------------------------------------


def emit_model_version_reported(*, model_version: ModelVersion) -> None:
    """Sends the "model_version.reported" webhook event (called after the report is committed)."""
    product = model_version.product
    webhook_event_emit(
        organization=model_version.organization,
        kind="model_version.reported",
        data={
            "product": {"id": str(product.public_id), "name": product.name},
            "vendor": {"id": str(product.vendor.public_id), "name": product.vendor.legal_name},
            "model_version": {
                "id": str(model_version.public_id),
                "version": model_version.version,
                "within_pccp": model_version.within_pccp,
                "changes_intended_use": model_version.changes_intended_use,
                "reported_at": model_version.reported_at.isoformat(),
                "action": model_version.action,
            },
            "reassessment": evaluation_event_data(model_version.covered_by)
            if model_version.covered_by_id
            else None,
        },
    )


def _open_evaluation(product: Product) -> Evaluation | None:
    return (
        Evaluation.objects.filter(product=product)
        .open()
        .select_related("owner")
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def model_version_report(
    *,
    product: Product,
    version: str,
    release_notes: str = "",
    within_pccp: str = ModelVersion.Pccp.UNKNOWN,
    changes_intended_use: bool = False,
    user: User | None = None,
    contact: Contact | None = None,
    request: HttpRequest | None = None,
) -> ModelVersion:
    """Records a new version of the product's model and acts on it.

    Outside the authorized PCCP or a change of intended use: the re-assessment opens at once (the
    one of the product's current review cycle). An evaluation already open covers the version
    instead. Anything else is recorded for the next review. Audited; the owner is notified.
    """
    version = (version or "").strip()
    errors = {}
    if not version:
        errors["version"] = "Enter the new version number."
    elif len(version) > 50:
        errors["version"] = "At most 50 characters."
    if within_pccp not in ModelVersion.Pccp.values:
        errors["within_pccp"] = (
            "Say whether the change falls within the authorized PCCP: yes, no or not known."
        )
    if not isinstance(changes_intended_use, bool):
        errors["changes_intended_use"] = "Say whether the intended use changes."
    if len(release_notes or "") > 20000:
        errors["release_notes"] = "At most 20,000 characters."
    if version and not errors.get("version") and version == product.version:
        errors["version"] = f"{product.name} is already at version {version}."
    if errors:
        raise ValidationError(errors)
    if user is None and contact is None:
        raise ValidationError("A version is reported by a member or by the vendor's contact.")

    report = ModelVersion(
        organization=product.organization,
        product=product,
        version=version,
        release_notes=(release_notes or "").strip(),
        within_pccp=within_pccp,
        changes_intended_use=changes_intended_use,
        reported_by_user=user,
        reported_by_contact=contact,
        reported_by_label=actor_label(user=user, contact=contact),
    )
    product.version = version
    product.save(update_fields=["version"])
    cycle = current_cycle(product)
    open_evaluation = _open_evaluation(product)
    opened = None
    if open_evaluation is not None:
        report.action = ModelVersion.Action.ADDED_TO_OPEN
        report.covered_by = open_evaluation
    elif report.needs_reassessment and cycle is not None and cycle.reassessment_id is None:
        report.action = ModelVersion.Action.REASSESSMENT_OPENED
    else:
        report.action = ModelVersion.Action.RECORDED
    report.save()
    what = []
    if within_pccp == ModelVersion.Pccp.NO:
        what.append("outside the authorized PCCP")
    elif within_pccp == ModelVersion.Pccp.UNKNOWN:
        what.append("PCCP coverage not known")
    else:
        what.append("within the authorized PCCP")
    if changes_intended_use:
        what.append("intended use changes")
    if report.action == ModelVersion.Action.REASSESSMENT_OPENED:
        opened = reassessment_open(
            cycle=cycle,
            trigger=ReviewCycle.Trigger.MODEL_VERSION,
            reason=f"version {version}, {', '.join(what)}",
            user=user,
            contact=contact,
            request=request,
        )
        report.refresh_from_db(fields=["covered_by"])
    audited = opened or open_evaluation or (cycle.approved_evaluation if cycle else None)
    audit_record(
        organization=product.organization,
        evaluation=audited,
        kind=AuditEvent.Kind.MODEL_VERSION_REPORTED,
        summary=f"{product.name} version {version} reported ({', '.join(what)}): "
        f"{report.get_action_display().lower()}",
        user=user,
        contact=contact,
        request=request,
        data={
            "model_version": str(report.public_id),
            "version": version,
            "within_pccp": within_pccp,
            "changes_intended_use": changes_intended_use,
            "action": report.action,
            "covered_by": str(report.covered_by.public_id) if report.covered_by_id else None,
        },
    )
    if opened is None:
        # Told: the open evaluation's owner, else the approval's, else the latest evaluation's.
        about = open_evaluation or (cycle.approved_evaluation if cycle else None) or _latest(product)
        if about is not None:
            notifications_create(
                recipients=[about.owner],
                organization=product.organization,
                evaluation=open_evaluation,
                kind=Notification.Kind.MODEL_VERSION_REPORTED,
                message=f"{product.name} version {version} reported ({', '.join(what)}): "
                f"{report.get_action_display().lower()}.",
                link=product_url(product),
            )
    transaction.on_commit(lambda: emit_model_version_reported(model_version=report))
    return report


def _latest(product: Product) -> Evaluation | None:
    return (
        Evaluation.objects.filter(product=product)
        .select_related("owner")
        .order_by("-created_at", "-id")
        .first()
    )


def versions_of(product: Product):
    return (
        ModelVersion.objects.filter(product=product)
        .select_related("covered_by__template", "reported_by_user", "reported_by_contact")
        .order_by("-reported_at", "-id")
    )
