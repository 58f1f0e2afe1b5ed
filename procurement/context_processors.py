from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from procurement.models import Notification


def notifications(request):
    """The navigation bar's unread count: one query, and only on pages that show it."""
    user = getattr(request, "user", None)
    organization = getattr(request, "organization", None)
    if user is None or not user.is_authenticated or organization is None:
        return {"unread_notifications": 0}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.for_recipient(user, organization).unread().count()
        )
    }
