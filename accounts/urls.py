"""Signing in, two-factor, the organization switch, members, personal settings and API tokens."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import two_factor
from accounts.views import api_tokens, members, organizations, preferences, sign_in, sso

urlpatterns = [
    path("organization/switch/", organizations.organization_switch, name="organization_switch"),
    path("members/", members.member_list, name="member_list"),
    path("members/<str:username>/role/", members.member_role, name="member_role"),
    path("members/<str:username>/remove/", members.member_remove_view, name="member_remove"),
    path(
        "members/<str:username>/two-factor/reset/",
        members.member_two_factor_reset,
        name="member_two_factor_reset",
    ),
    path("account/settings/", preferences.account_settings, name="account_settings"),
    path("account/api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<uuid:public_id>/revoke/",
        api_tokens.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("accounts/login/", sign_in.SignInView.as_view(), name="login"),
    path("accounts/sso/", sso.sso_begin, name="sso_begin"),
    path("accounts/sso/callback/", sso.sso_callback, name="sso_callback"),
    path("organization/single-sign-on/", sso.sso_settings, name="sso_settings"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password-change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/two-factor/verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "accounts/two-factor/recovery-codes/new/",
        two_factor.two_factor_recovery_codes_regenerate,
        name="two_factor_recovery_codes_regenerate",
    ),
]
