"""Mints a personal API token for an existing member, for provisioning an integration.

    manage.py create_api_token dana --organization riverside --name "ServiceNow sync" [--expires-in-days 90]

The token is printed once, alone on standard output (so a provisioning script can capture it), and
never stored: only its hash is. The same rules as the "API tokens" page apply (the member's role must
allow tokens, the second factor their role requires must be set up) and the same audit line is
written, marked as coming from this command.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.services.api_tokens import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for a member of an organization and print it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--organization", required=True, help="Slug of the organization.")
        parser.add_argument("--name", required=True, help="What will use the token, e.g. 'ServiceNow sync'.")
        parser.add_argument(
            "--expires-in-days", type=int, help="Days until the token expires (default: never)."
        )

    def handle(
        self, *args, username: str, organization: str, name: str, expires_in_days: int | None, **options
    ):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"No active user named {username!r}.") from exc
        try:
            org = Organization.objects.get(slug=organization)
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with the slug {organization!r}.") from exc
        if not Membership.objects.filter(user=user, organization=org).exists():
            raise CommandError(f"{username} is not a member of {org.name}.")
        if expires_in_days is not None and expires_in_days <= 0:
            raise CommandError("--expires-in-days must be a positive number of days.")
        expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
        try:
            token, secret = api_token_create(
                user=user, organization=org, name=name, expires_at=expires_at, via="create_api_token command"
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(secret)
        expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "never expires"
        self.stderr.write(
            f"Token “{token.name}” ({token.prefix}…) created for {username} in {org.name}; it {expiry}. "
            "Copy it now: it will not be shown again."
        )
