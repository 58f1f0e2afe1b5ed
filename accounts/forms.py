"""Forms of the account screens: organization switch and members."""

from __future__ import annotations

from django import forms

from accounts.roles import Role


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField()


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
