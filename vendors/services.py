"""Business actions of the vendor directory and of invite links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, ProtectedError, Subquery
from django.db.models.functions import Coalesce

from vendors.models import Contact, Product, Vendor, evaluation_model

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import Organization

# ---------------------------------------------------------------------------------------------
# Directory: vendors, products, contacts
# ---------------------------------------------------------------------------------------------

VENDOR_FIELDS = ("legal_name", "website", "notes")
PRODUCT_FIELDS = ("name", "version", "intended_use", "deployment")
CONTACT_FIELDS = ("name", "email", "role")


def _apply(obj: Any, fields: tuple[str, ...], values: dict[str, Any]) -> list[str]:
    changed = []
    for field in fields:
        if field in values and getattr(obj, field) != values[field]:
            setattr(obj, field, values[field])
            changed.append(field)
    return changed


def _duplicate_name() -> ValidationError:
    # Its own code: the API tells "name taken" apart from a malformed name.
    return ValidationError(
        {"legal_name": ValidationError("A vendor with this name already exists.", code="duplicate")}
    )


def _save_vendor(vendor: Vendor) -> Vendor:
    vendor.legal_name = (vendor.legal_name or "").strip()
    if not vendor.legal_name:
        raise ValidationError({"legal_name": "Enter the vendor's legal name."})
    duplicate = Vendor.objects.for_org(vendor.organization).filter(legal_name__iexact=vendor.legal_name)
    if vendor.pk:
        duplicate = duplicate.exclude(pk=vendor.pk)
    if duplicate.exists():
        raise _duplicate_name()
    try:
        # A savepoint, so a race on the unique constraint leaves the outer transaction usable.
        with transaction.atomic():
            vendor.save()
    except IntegrityError as exc:
        raise _duplicate_name() from exc
    return vendor


@transaction.atomic
def vendor_create(
    *, organization: Organization, legal_name: str, website: str = "", notes: str = ""
) -> Vendor:
    return _save_vendor(
        Vendor(organization=organization, legal_name=legal_name, website=website, notes=notes)
    )


@transaction.atomic
def vendor_update(*, vendor: Vendor, **values: Any) -> Vendor:
    _apply(vendor, VENDOR_FIELDS, values)
    return _save_vendor(vendor)


@transaction.atomic
def product_create(
    *,
    vendor: Vendor,
    name: str,
    version: str = "",
    intended_use: str = "",
    deployment: str = Product.Deployment.SAAS,
) -> Product:
    if not name.strip():
        raise ValidationError({"name": "Enter the product's name."})
    if deployment not in Product.Deployment.values:
        raise ValidationError({"deployment": "Choose how the product is deployed."})
    return Product.objects.create(
        organization=vendor.organization,
        vendor=vendor,
        name=name.strip(),
        version=version.strip(),
        intended_use=intended_use,
        deployment=deployment,
    )


@transaction.atomic
def product_update(*, product: Product, **values: Any) -> Product:
    _apply(product, PRODUCT_FIELDS, values)
    if not product.name.strip():
        raise ValidationError({"name": "Enter the product's name."})
    if product.deployment not in Product.Deployment.values:
        raise ValidationError({"deployment": "Choose how the product is deployed."})
    product.save()
    return product


def _save_contact(contact: Contact) -> Contact:
    contact.name = (contact.name or "").strip()
    contact.email = (contact.email or "").strip()
    errors = {}
    if not contact.name:
        errors["name"] = "Enter the contact's name."
    if not contact.email:
        errors["email"] = "Enter the contact's e-mail address."
    if errors:
        raise ValidationError(errors)
    duplicate = Contact.objects.filter(vendor_id=contact.vendor_id, email__iexact=contact.email)
    if contact.pk:
        duplicate = duplicate.exclude(pk=contact.pk)
    taken = ValidationError(
        {
            "email": ValidationError(
                f"Another contact of {contact.vendor} already uses {contact.email}.", code="duplicate"
            )
        }
    )
    if duplicate.exists():
        raise taken
    try:
        # A savepoint, so a race on the unique constraint leaves the outer transaction usable.
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise taken from exc
    return contact


@transaction.atomic
def contact_create(*, vendor: Vendor, name: str, email: str, role: str = "") -> Contact:
    return _save_contact(
        Contact(organization=vendor.organization, vendor=vendor, name=name, email=email, role=role)
    )


@transaction.atomic
def contact_update(*, contact: Contact, **values: Any) -> Contact:
    _apply(contact, CONTACT_FIELDS, values)
    return _save_contact(contact)


def _delete_unless_kept(obj: Any, message: str) -> None:
    # Evaluations PROTECT their product, invites and audit rows PROTECT their contact: they are the
    # record of who was assessed and who was asked. Django refuses before deleting anything.
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError:
        raise ValidationError(message, code="in_use") from None


def vendor_delete(*, vendor: Vendor) -> None:
    """Removes a vendor with its products and contacts, unless any of them is kept for the record."""
    _delete_unless_kept(
        vendor,
        "This vendor's products have evaluations, or its contacts are named in the audit log, which are "
        "kept for the record; it cannot be deleted.",
    )


def product_delete(*, product: Product) -> None:
    _delete_unless_kept(
        product, "This product has evaluations, which are kept for the record; it cannot be deleted."
    )


def contact_delete(*, contact: Contact) -> None:
    _delete_unless_kept(
        contact,
        "This contact was invited to an evaluation or is named in the audit log, and is kept for the record; "
        "it cannot be deleted.",
    )


def vendor_evaluations(*, vendor: Vendor) -> QuerySet:
    """Every evaluation of the vendor's products, for the vendor's page."""
    return (
        evaluation_model()
        .objects.filter(organization_id=vendor.organization_id, product__vendor=vendor)
        .select_related("product", "template", "owner")
    )


def vendor_open_remediation(*, vendor: Vendor) -> QuerySet:
    """The remediation items of the vendor's products still to be dealt with, for the vendor's page."""
    items = apps.get_model("procurement", "RemediationItem")
    return (
        items.objects.filter(organization_id=vendor.organization_id, product__vendor=vendor)
        .unresolved()
        .select_related("product", "evaluation", "owner")
        .order_by("product__name", "due_date", "id")
    )


def vendor_search(
    *, organization: Organization, q: str = "", deployment: str = "", has_open_evaluation: bool = False
) -> QuerySet[Vendor]:
    """The organization's vendors matching a directory search, with the counts the list shows."""
    open_evaluations = (
        evaluation_model()
        .objects.open()
        .filter(product__vendor=OuterRef("pk"))
        .order_by()
        .values("product__vendor")
        .annotate(n=Count("pk"))
        .values("n")
    )
    vendors = Vendor.objects.for_org(organization).annotate(
        product_count=Count("products", distinct=True),
        contact_count=Count("contacts", distinct=True),
        open_evaluation_count=Coalesce(Subquery(open_evaluations), 0),
    )
    if q:
        vendors = vendors.filter(legal_name__icontains=q)
    if deployment:
        vendors = vendors.filter(products__deployment=deployment).distinct()
    if has_open_evaluation:
        vendors = vendors.filter(open_evaluation_count__gt=0)
    return vendors.order_by("legal_name")


# ---------------------------------------------------------------------------------------------
# Invite links
#
# A link is `{SITE_URL}/v/<token>/`. The token has 256 bits from `secrets` and is shown once, in
# the e-mail; the database keeps only its SHA-256, so a leaked database or backup opens nothing.
# Because of that, the clear token exists only in memory while the invite is created and in the
# argument of the e-mail task (the broker holds it until the task runs; it is never written to
# our tables, the audit log or the application log).
# ---------------------------------------------------------------------------------------------
