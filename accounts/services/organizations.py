"""Organizations and their members."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Membership, Organization, User
from accounts.roles import Role


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


def username_for_email(email: str) -> str:
    """A free username made of the address's local part: "ana.lopez", then "ana.lopez2", ..."""
    base = slugify(email.split("@")[0])[:120] or "member"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}{n}"
    return username


class _WelcomeForm(PasswordResetForm):
    """Django's password-reset e-mail, sent to a new member who has never had a password."""

    def __init__(self, user: User) -> None:
        super().__init__({"email": user.email})
        self._user = user

    def get_users(self, email: str):
        return [self._user]


@transaction.atomic
def member_add(
    *, organization: Organization, email: str, role: str, added_by: User, request=None
) -> Membership:
    """Adds a colleague by e-mail. Someone without an account gets one, and a link to set a password."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization}."})
    created = user is None
    if created:
        user = User(username=username_for_email(email), email=email)
        user.set_unusable_password()
        user.save()
    membership = Membership.objects.create(organization=organization, user=user, role=Role(role))
    if created:
        form = _WelcomeForm(user)
        if form.is_valid():
            transaction.on_commit(
                lambda: form.save(
                    request=request,
                    domain_override=urlparse(settings.SITE_URL).netloc,
                    use_https=settings.SITE_URL.startswith("https"),
                    subject_template_name="registration/member_welcome_subject.txt",
                    email_template_name="registration/member_welcome_email.txt",
                    extra_email_context={"organization": organization, "added_by": added_by},
                ),
                robust=True,
            )
    return membership


def _ensure_an_admin_remains(organization: Organization, *, without: Membership) -> None:
    admins = Membership.objects.filter(organization=organization, role=Role.ADMIN).exclude(pk=without.pk)
    if not admins.exists():
        raise ValidationError("The organization must keep at least one administrator.")


@transaction.atomic
def member_set_role(*, membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _ensure_an_admin_remains(membership.organization, without=membership)
    membership.role = Role(role)
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN:
        _ensure_an_admin_remains(membership.organization, without=membership)
    membership.delete()
