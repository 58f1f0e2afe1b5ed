"""Writing to the append-only audit log. Every service that changes an evaluation calls this."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from vendors.models import Contact

    from .models import Evaluation, Organization, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as seen by Django. Behind a proxy, the proxy must set REMOTE_ADDR."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:400]


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
