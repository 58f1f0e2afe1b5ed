"""Forms of the officer's side of invite links."""

from __future__ import annotations

from typing import Any

from django import forms

from vendors.models import Contact


class InviteForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Contacts to invite",
        error_messages={"required": "Choose at least one contact to invite."},
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Message (optional, included in the e-mail)",
    )

    def __init__(self, *args: Any, evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the evaluated product's vendor: a posted id of anyone else is simply not a choice.
        self.fields["contacts"].queryset = Contact.objects.filter(
            organization_id=evaluation.organization_id, vendor_id=evaluation.product.vendor_id
        )
        self.fields["contacts"].label_from_instance = lambda c: (
            f"{c.name} <{c.email}>" + (f" · {c.role}" if c.role else "")
        )
