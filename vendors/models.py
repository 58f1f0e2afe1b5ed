"""The vendor directory (vendors, AI products, contacts) and the invite links vendors answer through."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.models import TenantQuerySet


class Vendor(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="vendors"
    )
    legal_name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "legal_name"], name="unique_vendor_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("vendor_detail", args=[self.public_id])


class Product(models.Model):
    """An AI product (model or system) that a vendor sells."""

    class Deployment(models.TextChoices):
        SAAS = "saas", "SaaS (vendor-hosted)"
        ON_PREMISES = "on_premises", "On-premises"
        EHR_EMBEDDED = "ehr_embedded", "Inside the EHR"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50, blank=True)
    intended_use = models.TextField(blank=True)
    deployment = models.CharField(max_length=20, choices=Deployment.choices, default=Deployment.SAAS)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class Contact(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=200, blank=True, help_text="e.g. Head of security, General counsel")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # Invites, reminders and audit lines name a contact by address: two contacts of one
            # vendor sharing it (in any capitalization) would make "who was asked" ambiguous.
            models.UniqueConstraint("vendor", Lower("email"), name="unique_contact_email_per_vendor"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def evaluation_model() -> type[models.Model]:
    """The evaluation model, reached through the relation it declares on Product.

    Evaluations belong to the procurement app, a layer above the directory; the directory reads
    them (a vendor's page, "has open evaluations") without importing that layer.
    """
    return Product._meta.get_field("evaluations").related_model
