from __future__ import annotations

from django.urls import path

from reports import views

urlpatterns = [
    path("evaluations/<uuid:public_id>/panel/", views.report_panel, name="report_panel"),
    path("evaluations/<uuid:public_id>/generate/", views.report_generate, name="report_generate"),
    path("evaluations/<uuid:public_id>/changes/", views.reassessment_changes, name="reassessment_changes"),
    path("evaluations/<uuid:public_id>/answers.csv", views.answers_csv, name="answers_csv"),
    path("evaluations/<uuid:public_id>/answers.xlsx", views.answers_xlsx, name="answers_xlsx"),
    path("evaluations/<uuid:public_id>/audit-trail.csv", views.audit_trail_csv, name="audit_trail_csv"),
    path("evaluations/export/", views.evaluations_export, name="evaluations_export"),
    path(
        "evaluations/<uuid:public_id>/model-card.xml",
        views.evaluation_model_card,
        name="evaluation_model_card",
    ),
    path("compare/", views.comparison, name="comparison"),
    path("compare/generate/", views.comparison_generate, name="comparison_generate"),
    path("<uuid:public_id>/status/", views.report_status, name="report_status"),
    path("<uuid:public_id>/download/", views.report_download, name="report_download"),
]
