"""The vendor directory (vendors, AI products, contacts) and the invite links vendors answer through."""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone

from procurement.models import TenantQuerySet


class Vendor(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "procurement.Organization", on_delete=models.CASCADE, related_name="vendors"
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
    organization = models.ForeignKey("procurement.Organization", on_delete=models.CASCADE, related_name="+")
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
    organization = models.ForeignKey("procurement.Organization", on_delete=models.CASCADE, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=200, blank=True, help_text="e.g. Head of security, General counsel")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Invite(models.Model):
    """A personal link to one evaluation. Only the SHA-256 of the token is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("procurement.Organization", on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey("procurement.Evaluation", on_delete=models.CASCADE, related_name="invites")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invites")
    token_hash = models.CharField(max_length=64, unique=True)
    # Set when a vendor contact handed part of the work to this colleague.
    delegated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="delegations"
    )
    invited_by = models.ForeignKey(
        "procurement.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite for {self.contact}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class InviteUse(models.Model):
    """Every request made with an invite link."""

    invite = models.ForeignKey(Invite, on_delete=models.CASCADE, related_name="uses")
    used_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    path = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-used_at"]
