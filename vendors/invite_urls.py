from __future__ import annotations

from django.urls import path

from . import invite_views as views

# Mounted under /evaluations/.
urlpatterns = [
    path("<uuid:public_id>/invites/", views.evaluation_invites, name="evaluation_invites"),
    path(
        "<uuid:public_id>/invites/<uuid:invite_id>/revoke/",
        views.invite_revoke_view,
        name="invite_revoke",
    ),
    path(
        "<uuid:public_id>/invites/<uuid:invite_id>/resend/",
        views.invite_resend_view,
        name="invite_resend",
    ),
    path(
        "<uuid:public_id>/evidence/<uuid:file_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
]
