"""Organizations and their members."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from procurement.models import Membership, Organization, User
from procurement.roles import Role


@transaction.atomic
def organization_create(*, name: str, slug: str | None = None) -> Organization:
    return Organization.objects.create(name=name, slug=slug or slugify(name)[:80])


@transaction.atomic
def membership_set(*, organization: Organization, user: User, role: str) -> Membership:
    """Adds the user to the organization, or changes the role they already have there."""
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": Role(role)}
    )
    return membership
