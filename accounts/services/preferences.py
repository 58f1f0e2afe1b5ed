"""A person's own settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import User


def user_email_notifications_set(*, user: User, email_notifications: str) -> User:
    """How this person's notifications are e-mailed: immediately, in a daily digest, or not at all."""
    if email_notifications not in User.EmailNotifications.values:
        raise ValidationError({"email_notifications": "Choose immediately, daily digest or never."})
    user.email_notifications = email_notifications
    user.save(update_fields=["email_notifications"])
    return user
