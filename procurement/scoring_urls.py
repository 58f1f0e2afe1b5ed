"""Scoring: the score panel of an evaluation, overrides, retries and template-wide rescoring."""

from __future__ import annotations

from django.urls import path

from . import scoring_views as views

urlpatterns = [
    path("<uuid:public_id>/score/", views.score_panel, name="score_panel"),
    path("<uuid:public_id>/score/run/", views.score_request, name="score_request"),
    path("<uuid:public_id>/score/runs/<uuid:run_id>/retry/", views.score_run_retry, name="score_run_retry"),
    path("<uuid:public_id>/score/override/<str:key>/", views.score_override, name="score_override"),
    path("rescore/<uuid:template_id>/", views.template_rescore, name="template_rescore"),
]
