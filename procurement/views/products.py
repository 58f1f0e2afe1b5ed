"""A product's life after the decision: its page (review date, model versions) and the review policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import get_for_org, has_perm, member_required
from accounts.roles import Perm
from procurement.forms import ModelVersionForm, ReviewPolicyForm
from procurement.selectors import product_lifecycle
from procurement.services.reassessment import model_version_report, review_policy_for, review_policy_update
from vendors.models import Product

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _product_page(request: HttpRequest, product: Product, form: ModelVersionForm | None = None, status=200):
    context = {
        **product_lifecycle(product),
        "version_form": form or ModelVersionForm(),
        "may_record_version": has_perm(request, Perm.RUN_EVALUATIONS),
    }
    return render(request, "procurement/product_detail.html", context, status=status)


def _product(request: HttpRequest, public_id) -> Product:
    return get_for_org(request, Product.objects.select_related("vendor"), public_id=public_id)


@member_required(Perm.VIEW)
def product_detail(request: HttpRequest, public_id) -> HttpResponse:
    return _product_page(request, _product(request, public_id))


@require_POST
@member_required(Perm.RUN_EVALUATIONS)
def product_version_record(request: HttpRequest, public_id) -> HttpResponse:
    """An officer records a model version the vendor announced outside the portal."""
    product = _product(request, public_id)
    form = ModelVersionForm(request.POST)
    if form.is_valid():
        try:
            report = model_version_report(
                product=product, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, f"Version {report.version} recorded: {report.get_action_display().lower()}."
            )
            return redirect("product_detail", public_id=product.public_id)
    return _product_page(request, product, form)


@require_http_methods(["GET", "POST"])
@member_required(Perm.MANAGE_MEMBERS)
def review_policy(request: HttpRequest) -> HttpResponse:
    """Administrators only: how often approved products are re-assessed, by risk tier."""
    policy = review_policy_for(request.organization)
    initial = {name: getattr(policy, name) for name in ReviewPolicyForm.base_fields}
    form = ReviewPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review_policy_update(
                organization=request.organization, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Review policy saved; the review dates not yet reached follow it.")
            return redirect("review_policy")
    return render(request, "procurement/review_policy.html", {"form": form, "policy": policy})
