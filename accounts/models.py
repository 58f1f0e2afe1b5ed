"""Who works here: people, the organizations they belong to, their roles and API tokens."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from accounts.roles import Role, role_has_perm


class User(AbstractUser):
    """A person who works for a buying organization. Vendors never have accounts."""

    def membership_for(self, organization: Organization | None) -> Membership | None:
        if organization is None:
            return None
        return self.memberships.filter(organization=organization).first()


class Organization(models.Model):
    """A hospital or health system: the tenant. Everything it owns points here directly."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One role per person per organization keeps the permission answer unambiguous.
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.get_role_display()}"

    def has_perm(self, perm: str) -> bool:
        return role_has_perm(self.role, perm)


class TenantQuerySet(models.QuerySet):
    """Base for every tenant-owned model: the only sanctioned way to list rows is through for_org."""

    def for_org(self, organization: Organization) -> TenantQuerySet:
        return self.filter(organization=organization)


class ApiToken(models.Model):
    """A personal API token of one member, acting in one organization. Only the SHA-256 is stored.

    The role is not copied here: every request reads the member's current role, so a demotion or
    removal from the organization takes effect on the token at once.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'ServiceNow sync'.")
    # Unique, so that a request finds its token by one indexed lookup on the hash.
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, shown so people can tell their tokens apart.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
