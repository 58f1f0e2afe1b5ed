"""API permissions read the same role table as the screens (accounts.roles).

Each organization view declares the permission each action needs:

    required_perms = {"list": Perm.VIEW, "create": Perm.MANAGE_VENDORS, ...}

keyed by viewset action, or by lower-case HTTP method for plain API views. An action missing from
the table is refused, so a new endpoint is closed until someone decides who may use it.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.access import has_perm
from accounts.models import ApiToken
from accounts.roles import Perm
from procurement.models import Invite


def required_perm(request, view) -> str | None:
    table = getattr(view, "required_perms", {})
    if request.method == "OPTIONS":
        return Perm.VIEW
    action = getattr(view, "action", None)
    if action and action in table:
        return table[action]
    return table.get(request.method.lower())


class HasOrgPerm(BasePermission):
    """A member authenticated by an API token whose current role grants the action's permission."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return False
        if not hasattr(view, request.method.lower()):
            return True  # the view has no such method and answers 405 itself
        perm = required_perm(request, view)
        return perm is not None and has_perm(request, perm)


class IsInviteHolder(BasePermission):
    """A vendor contact authenticated by an active invite token."""

    message = "This endpoint needs an invite token."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Invite)
