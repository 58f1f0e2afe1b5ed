"""The "API tokens" page: a member creates personal tokens (the secret is shown once) and revokes them."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import get_for_org, member_required
from accounts.models import ApiToken
from accounts.roles import Perm
from accounts.services.api_tokens import api_token_create, api_token_revoke, api_tokens_of

EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "One year"), ("", "Never")]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use the token, e.g. “ServiceNow sync”.")
    expires_in_days = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", required=False, label="Expires")


@never_cache
@member_required(Perm.MANAGE_API_TOKENS)
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        expires_at = timezone.now() + datetime.timedelta(days=int(days)) if days else None
        try:
            token, secret = api_token_create(
                user=request.user,
                organization=request.organization,
                name=form.cleaned_data["name"],
                expires_at=expires_at,
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, field_errors in errors.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(
                request, f"Token “{token.name}” created. Copy it now: it will not be shown again."
            )
            form = ApiTokenForm()
    tokens = api_tokens_of(user=request.user, organization=request.organization)
    return render(request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "secret": secret})


@require_POST
@member_required(Perm.MANAGE_API_TOKENS)
def api_token_revoke_view(request: HttpRequest, public_id) -> HttpResponse:
    token = get_for_org(request, ApiToken.objects.filter(user=request.user), public_id=public_id)
    api_token_revoke(token=token, user=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens")
