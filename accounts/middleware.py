from __future__ import annotations

from accounts.models import Membership

SESSION_KEY = "current_organization"


class CurrentOrganizationMiddleware:
    """Puts the user's current organization and membership on the request.

    The organization comes from the session (set by the organization switcher); a user who has
    not chosen one gets their first membership. Anonymous users get None.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.organization = None
        request.memberships = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # One query for all of them: the switcher and the two-factor rule need the whole list.
            request.memberships = list(Membership.objects.filter(user=user).select_related("organization"))
            chosen = request.session.get(SESSION_KEY)
            membership = next(
                (m for m in request.memberships if chosen and str(m.organization.public_id) == chosen),
                request.memberships[0] if request.memberships else None,
            )
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
        return self.get_response(request)
