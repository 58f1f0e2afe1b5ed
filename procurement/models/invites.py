"""Personal invite links to one evaluation, and every use made of them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from accounts.models import TenantQuerySet
from vendors.models import Contact


class Invite(models.Model):
    """A personal link to one evaluation. Only the SHA-256 of the token is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey("procurement.Evaluation", on_delete=models.CASCADE, related_name="invites")
    # PROTECT: who was asked is part of the evaluation's record, so a contact with invites stays.
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="invites")
    token_hash = models.CharField(max_length=64, unique=True)
    # Set when a vendor contact handed part of the work to this colleague.
    delegated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="delegations"
    )
    invited_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Keys of the sections a delegated link may change; empty: the whole questionnaire.
    sections = models.JSONField(default=list, blank=True)
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
    """The uses of an invite link from one address within one clock hour.

    One row per link, address and hour rather than per request: a vendor answering for an hour makes
    hundreds of requests, and writing a row for each turned every page view and autosave into a
    write. `use_count` keeps every request countable; `used_at`, the user agent and the path are
    those of the hour's first request, `last_used_at` the latest one written.
    """

    invite = models.ForeignKey(Invite, on_delete=models.CASCADE, related_name="uses")
    used_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    use_count = models.PositiveIntegerField(default=1)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    path = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-used_at"]
        indexes = [models.Index(fields=["invite", "used_at"], name="invite_use_by_hour")]
