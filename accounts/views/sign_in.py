"""The sign-in page: Django's login view, paused per address after too many failures across usernames."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.forms import SignInForm
from accounts.services.sign_in import sign_in_address_is_paused, sign_in_failure_record


class SignInView(auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Refused before the password is checked: a paused address learns nothing, right or wrong.
        if sign_in_address_is_paused(request=request):
            return render(request, "registration/locked_out.html", {"by_address": True}, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        # The right password of a member whose organization requires single sign-on is no failure.
        sso_required = any(e.code == "sso_required" for e in form.errors.as_data().get("__all__", []))
        if form.data.get("username") and form.data.get("password") and not sso_required:
            sign_in_failure_record(request=self.request)
        return super().form_invalid(form)
