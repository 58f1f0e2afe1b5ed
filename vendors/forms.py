from __future__ import annotations

from django import forms

from vendors.models import Contact, Product, Vendor


class VendorForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Vendor
        fields = ["legal_name", "website", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "version", "intended_use", "deployment"]
        widgets = {"intended_use": forms.Textarea(attrs={"rows": 3})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "role"]


class VendorFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search by name")
    deployment = forms.ChoiceField(
        required=False,
        choices=[("", "Any deployment"), *Product.Deployment.choices],
        label="Has a product deployed",
    )
    has_open_evaluation = forms.BooleanField(required=False, label="With an open evaluation")
