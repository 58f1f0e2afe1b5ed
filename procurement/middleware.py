from __future__ import annotations

from .models import Membership

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
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.filter(user=user).select_related("organization")
            chosen = request.session.get(SESSION_KEY)
            membership = None
            if chosen:
                membership = memberships.filter(organization__public_id=chosen).first()
            if membership is None:
                membership = memberships.first()
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
        return self.get_response(request)
