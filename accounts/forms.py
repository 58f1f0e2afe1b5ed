"""Forms of the account screens: organization switch, members and notification settings."""

from __future__ import annotations

from django import forms

from accounts.models import User
from accounts.roles import Role


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField()


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class NotificationSettingsForm(forms.Form):
    email_notifications = forms.ChoiceField(
        label="E-mail me about my notifications",
        choices=User.EmailNotifications.choices,
        widget=forms.RadioSelect,
        help_text="In-app notifications are always shown; this chooses only the e-mails.",
    )
