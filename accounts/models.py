"""Who works here: people, the organizations they belong to, their roles and API tokens."""

from __future__ import annotations

import uuid

import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.roles import Role, role_has_perm


class User(AbstractUser):
    """A person who works for a buying organization. Vendors never have accounts."""

    class EmailNotifications(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately, one e-mail per event"
        DAILY_DIGEST = "daily_digest", "Once a day, in a digest"
        OFF = "off", "Never (in-app notifications only)"

    # Set when an administrator resets the second factor: the next sign-in enrols a new one,
    # whatever the person's role.
    two_factor_enrolment_required = models.BooleanField(default=False)
    # In-app notifications are always kept; this chooses only how (and whether) they are e-mailed.
    email_notifications = models.CharField(
        max_length=20, choices=EmailNotifications.choices, default=EmailNotifications.IMMEDIATE
    )

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


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app. Only the SHA-256 is stored.

    django-otp's static-token plugin keeps its codes in clear text, hence this table.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="one_recovery_code_hash")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


APPEND_ONLY_TRIGGER = "append_only"


class AccountEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("The account log is append-only.")

    def delete(self):
        raise ValidationError("The account log is append-only.")


class AccountEvent(models.Model):
    """Append-only record of security changes to accounts that happen outside any evaluation.

    Rows are only ever created (accounts.services.account_events); people are kept by name as well,
    for reading the record without joining. Old rows leave only through the audit_retention command.
    """

    class Kind(models.TextChoices):
        TWO_FACTOR_RESET = "two_factor_reset", "Second factor reset by an administrator"
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", "Recovery codes generated"
        RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used to sign in"
        API_TOKEN_CREATED = "api_token_created", "Personal API token created"
        API_TOKEN_REVOKED = "api_token_revoked", "Personal API token revoked"
        SSO_SETTINGS_CHANGED = "sso_settings_changed", "Single sign-on settings changed"
        SSO_MEMBER_JOINED = "sso_member_joined", "Member joined through single sign-on"
        AUDIT_PURGED = "audit_purged", "Audit rows past retention exported and purged"

    # PROTECT throughout, like procurement.AuditEvent: the rows are append-only in the database, so
    # neither a cascade nor SET_NULL may touch them; people are deactivated instead of deleted.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    subject = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject_label = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # What else identifies the change: for a token its name, prefix and where it was made.
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AccountEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # The database refuses UPDATE and DELETE on PostgreSQL (see procurement.models.audit).
        triggers = [
            pgtrigger.Protect(name=APPEND_ONLY_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_label} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("The account log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The account log is append-only.")


class IdentityProvider(models.Model):
    """The organization's OpenID Connect identity provider, for single sign-on of its members.

    The client secret is kept encrypted (accounts.secret_box); the allowed e-mail domains both
    find the organization at sign-in and limit who may come in through it.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="identity_provider"
    )
    issuer = models.URLField(max_length=300, help_text="The issuer URL, e.g. https://login.example.org/")
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.TextField()
    # Lower-case domains, e.g. ["riverside.org"]; stored as a list in one JSON column.
    allowed_domains = models.JSONField(default=list)
    new_member_role = models.CharField(max_length=20, choices=Role.choices, default=Role.REVIEWER)
    enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Single sign-on of {self.organization} ({self.issuer})"

    def allows_email(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
        return bool(domain) and domain in self.allowed_domains
