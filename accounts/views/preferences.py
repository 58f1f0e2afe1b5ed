"""The signed-in person's own settings: how notifications reach them by e-mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from accounts.forms import NotificationSettingsForm
from accounts.services.preferences import user_email_notifications_set

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(
        request.POST or None, initial={"email_notifications": request.user.email_notifications}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_email_notifications_set(
                user=request.user, email_notifications=form.cleaned_data["email_notifications"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("account_settings")
    return render(request, "accounts/account_settings.html", {"form": form})
