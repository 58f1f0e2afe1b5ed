"""Writing to the append-only audit log. Every service that changes an evaluation calls this."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.client import client_ip, user_agent
from procurement.models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Organization, User
    from procurement.models import Evaluation
    from vendors.models import Contact


def actor_label(*, user: User | None = None, contact: Contact | None = None) -> str:
    if user is not None:
        return user.get_full_name() or user.get_username()
    if contact is not None:
        return f"{contact.name} ({contact.vendor.legal_name})" if contact.vendor_id else contact.name
    return "System"


def audit_record(
    *,
    organization: Organization,
    kind: str,
    summary: str,
    evaluation: Evaluation | None = None,
    user: User | None = None,
    contact: Contact | None = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=organization,
        evaluation=evaluation,
        kind=kind,
        actor_user=user,
        actor_contact=contact,
        actor_label=actor_label(user=user, contact=contact),
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        summary=summary[:400],
        data=data or {},
    )
