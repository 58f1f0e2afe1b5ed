"""The vendor directory: vendors, their AI products and their contacts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render

from accounts.access import get_for_org, member_required
from accounts.roles import Perm
from vendors import services
from vendors.forms import ContactForm, ProductForm, VendorFilterForm, VendorForm
from vendors.models import Contact, Product, Vendor

if TYPE_CHECKING:
    from collections.abc import Callable

    from django import forms
    from django.http import HttpRequest, HttpResponse

PAGE_SIZE = 25


def _form_page(
    request: HttpRequest, form: forms.ModelForm, save: Callable[[dict], object], context: dict
) -> HttpResponse:
    """Validate, call one service, redirect; service errors go back onto the form (status 200).

    Vendors, products and contacts share one form page: a title, the form, Save and Cancel.
    """
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved {obj}.")
            return redirect(context.get("success_url") or obj.get_absolute_url())
    return render(request, "vendors/directory_form.html", {"form": form, **context})


@member_required(Perm.VIEW)
def vendor_list(request: HttpRequest) -> HttpResponse:
    filters = VendorFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    vendors = services.vendor_search(organization=request.organization, **params)
    page = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "vendors/vendor_list.html", {"filters": filters, "page": page, "query": query.urlencode()}
    )


@member_required(Perm.VIEW)
def vendor_detail(request: HttpRequest, public_id) -> HttpResponse:
    vendor = get_for_org(request, Vendor, public_id=public_id)
    evaluations = services.vendor_evaluations(vendor=vendor)
    context = {
        "vendor": vendor,
        # Open findings after approval (procurement's ProductFinding, reached through its relation).
        "products": vendor.products.prefetch_related(
            Prefetch("findings", queryset=_open_findings(), to_attr="open_findings")
        ),
        "contacts": vendor.contacts.all(),
        "evaluations": evaluations,
        "remediation_items": services.vendor_open_remediation(vendor=vendor),
    }
    return render(request, "vendors/vendor_detail.html", context)


def _open_findings():
    return Product._meta.get_field("findings").related_model.objects.filter(resolved_at__isnull=True)


@member_required(Perm.MANAGE_VENDORS)
def vendor_create(request: HttpRequest) -> HttpResponse:
    form = VendorForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.vendor_create(organization=request.organization, **data),
        {"title": "New vendor"},
    )


@member_required(Perm.MANAGE_VENDORS)
def vendor_edit(request: HttpRequest, public_id) -> HttpResponse:
    vendor = get_for_org(request, Vendor, public_id=public_id)
    form = VendorForm(request.POST or None, instance=Vendor.objects.get(pk=vendor.pk))
    return _form_page(
        request,
        form,
        lambda data: services.vendor_update(vendor=vendor, **data),
        {"title": f"Edit {vendor}", "vendor": vendor},
    )


@member_required(Perm.MANAGE_VENDORS)
def product_create(request: HttpRequest, public_id) -> HttpResponse:
    vendor = get_for_org(request, Vendor, public_id=public_id)
    return _form_page(
        request,
        ProductForm(request.POST or None),
        lambda data: services.product_create(vendor=vendor, **data),
        {
            "title": f"New product of {vendor}",
            "vendor": vendor,
            "success_url": vendor.get_absolute_url(),
        },
    )


@member_required(Perm.MANAGE_VENDORS)
def product_edit(request: HttpRequest, public_id) -> HttpResponse:
    product = get_for_org(request, Product.objects.select_related("vendor"), public_id=public_id)
    return _form_page(
        request,
        ProductForm(request.POST or None, instance=Product.objects.get(pk=product.pk)),
        lambda data: services.product_update(product=product, **data),
        {
            "title": f"Edit {product}",
            "vendor": product.vendor,
            "success_url": product.vendor.get_absolute_url(),
        },
    )


@member_required(Perm.MANAGE_VENDORS)
def contact_create(request: HttpRequest, public_id) -> HttpResponse:
    vendor = get_for_org(request, Vendor, public_id=public_id)
    return _form_page(
        request,
        ContactForm(request.POST or None),
        lambda data: services.contact_create(vendor=vendor, **data),
        {
            "title": f"New contact at {vendor}",
            "vendor": vendor,
            "success_url": vendor.get_absolute_url(),
        },
    )


@member_required(Perm.MANAGE_VENDORS)
def contact_edit(request: HttpRequest, public_id) -> HttpResponse:
    contact = get_for_org(request, Contact.objects.select_related("vendor"), public_id=public_id)
    return _form_page(
        request,
        ContactForm(request.POST or None, instance=Contact.objects.get(pk=contact.pk)),
        lambda data: services.contact_update(contact=contact, **data),
        {
            "title": f"Edit {contact.name}",
            "vendor": contact.vendor,
            "success_url": contact.vendor.get_absolute_url(),
        },
    )
