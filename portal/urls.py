from __future__ import annotations

from django.urls import path

from portal import views, workbook_views

# Mounted under /v/. The token is the only credential: every view resolves it first.
urlpatterns = [
    path("<str:token>/", views.portal_questionnaire, name="portal_questionnaire"),
    path("<str:token>/q/<str:key>/", views.portal_answer, name="portal_answer"),
    path("<str:token>/q/<str:key>/upload/", views.portal_upload, name="portal_upload"),
    path("<str:token>/q/<str:key>/confirm/", views.portal_confirm, name="portal_confirm"),
    path(
        "<str:token>/sections/<slug:section_key>/confirm/",
        views.portal_section_confirm,
        name="portal_section_confirm",
    ),
    path("<str:token>/model-card/", views.portal_model_card, name="portal_model_card"),
    path("<str:token>/model-version/", views.portal_model_version, name="portal_model_version"),
    path("<str:token>/sections/<slug:section_key>/", views.portal_section_save, name="portal_section_save"),
    path(
        "<str:token>/evidence/<uuid:public_id>/",
        views.portal_evidence_download,
        name="portal_evidence_download",
    ),
    path(
        "<str:token>/evidence/<uuid:public_id>/describe/",
        views.portal_evidence_describe,
        name="portal_evidence_describe",
    ),
    path(
        "<str:token>/evidence/<uuid:public_id>/remove/",
        views.portal_evidence_remove,
        name="portal_evidence_remove",
    ),
    path("<str:token>/delegate/", views.portal_delegate, name="portal_delegate"),
    path(
        "<str:token>/delegate/<uuid:delegation_id>/revoke/",
        views.portal_delegation_revoke,
        name="portal_delegation_revoke",
    ),
    path("<str:token>/workbook/", workbook_views.portal_workbook, name="portal_workbook"),
    path(
        "<str:token>/workbook.xlsx", workbook_views.portal_workbook_download, name="portal_workbook_download"
    ),
    path("<str:token>/remediation/", views.portal_remediation, name="portal_remediation"),
    path(
        "<str:token>/remediation/<uuid:item_id>/reply/",
        views.portal_remediation_reply,
        name="portal_remediation_reply",
    ),
    path(
        "<str:token>/remediation/<uuid:item_id>/files/<uuid:message_id>/",
        views.portal_remediation_file,
        name="portal_remediation_file",
    ),
    path("<str:token>/review/", views.portal_review, name="portal_review"),
    path("<str:token>/submit/", views.portal_submit, name="portal_submit"),
    path("<str:token>/answers.pdf", views.portal_answers_pdf, name="portal_answers_pdf"),
    path("<str:token>/answers-pdf/", views.portal_answers_pdf_status, name="portal_answers_pdf_status"),
]
