from __future__ import annotations

from accounts.roles import ROLE_PERMISSIONS


def organization(request):
    """Current organization, membership and the set of permissions, for menus and buttons."""
    membership = getattr(request, "membership", None)
    perms = ROLE_PERMISSIONS.get(membership.role, frozenset()) if membership else frozenset()
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": membership,
        "org_perms": perms,
    }
