"""Forms of the account screens: organization switch, members and notification settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import User
from accounts.roles import Role
from accounts.services.sso import SSO_REQUIRED_MESSAGE, password_sign_in_refused_by


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


class SignInForm(AuthenticationForm):
    """Django's sign-in form; members of an organization with single sign-on are sent there instead."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        organization = password_sign_in_refused_by(user)
        if organization is not None:
            raise forms.ValidationError(
                SSO_REQUIRED_MESSAGE.format(organization=organization), code="sso_required"
            )


class SsoStartForm(forms.Form):
    identifier = forms.CharField(
        label="Your work e-mail address, or your organization's short name",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class IdentityProviderForm(forms.Form):
    enabled = forms.BooleanField(label="Members sign in through this identity provider", required=False)
    issuer = forms.URLField(
        label="Issuer URL",
        assume_scheme="https",
        max_length=300,
        help_text="As your identity provider publishes it; its discovery document is read from "
        "ISSUER/.well-known/openid-configuration.",
    )
    client_id = forms.CharField(label="Client id", max_length=200)
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again. Leave empty to keep the current one.",
    )
    allowed_domains = forms.CharField(
        label="Allowed e-mail domains",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or more, separated by commas or spaces, e.g. riverside.org, riverside-health.org. "
        "People sign in only with an address in these domains.",
    )
    new_member_role = forms.ChoiceField(
        label="Role of people who sign in for the first time",
        choices=Role.choices,
        initial=Role.REVIEWER,
    )
