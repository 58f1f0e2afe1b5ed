from __future__ import annotations

from django import forms


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField()
