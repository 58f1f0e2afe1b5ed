"""Evaluations, their invites, review, decision and scoring. Mounted under /evaluations/."""

from __future__ import annotations

from django.urls import path

from procurement.views import (
    bulk,
    evaluations,
    intake,
    invites,
    remediation,
    review,
    scoring,
    template_upgrade,
    workbook,
)

urlpatterns = [
    path("", evaluations.evaluation_list, name="evaluation_list"),
    path("new/", evaluations.evaluation_create, name="evaluation_create"),
    path("bulk/", bulk.evaluation_bulk, name="evaluation_bulk"),
    path("<uuid:public_id>/", evaluations.evaluation_detail, name="evaluation_detail"),
    path(
        "<uuid:public_id>/questions/<int:question_id>/",
        evaluations.evaluation_question,
        name="evaluation_question",
    ),
    path("<uuid:public_id>/timeline/", evaluations.evaluation_timeline, name="evaluation_timeline"),
    path("<uuid:public_id>/move/", evaluations.evaluation_move, name="evaluation_move"),
    path("<uuid:public_id>/intake/", intake.evaluation_intake, name="evaluation_intake"),
    path(
        "<uuid:public_id>/upgrade/<uuid:template_id>/",
        template_upgrade.evaluation_template_upgrade,
        name="evaluation_template_upgrade",
    ),
    path("<uuid:public_id>/due-date/", evaluations.evaluation_due_date, name="evaluation_due_date"),
    path("<uuid:public_id>/reviewers/", evaluations.reviewer_assign, name="reviewer_assign"),
    path("<uuid:public_id>/sign-off/", evaluations.section_sign_off, name="section_sign_off"),
    path("<uuid:public_id>/review/", review.review_workspace_view, name="review_workspace"),
    path("<uuid:public_id>/review/clarification/", review.review_clarification, name="review_clarification"),
    path(
        "<uuid:public_id>/review/questions/<int:question_id>/comments/",
        review.review_comments,
        name="review_comments",
    ),
    path("<uuid:public_id>/decision/", evaluations.decision_record, name="decision_record"),
    path("<uuid:public_id>/conditions/done/", evaluations.condition_complete, name="condition_complete"),
    path("<uuid:public_id>/workbook.xlsx", workbook.evaluation_workbook, name="evaluation_workbook"),
    path("<uuid:public_id>/invites/", invites.evaluation_invites, name="evaluation_invites"),
    path(
        "<uuid:public_id>/invites/<uuid:invite_id>/revoke/",
        invites.invite_revoke_view,
        name="invite_revoke",
    ),
    path(
        "<uuid:public_id>/invites/<uuid:invite_id>/resend/",
        invites.invite_resend_view,
        name="invite_resend",
    ),
    path(
        "<uuid:public_id>/evidence/<uuid:file_id>/",
        invites.evidence_download,
        name="evidence_download",
    ),
    path("<uuid:public_id>/score/", scoring.score_panel, name="score_panel"),
    path("<uuid:public_id>/score/run/", scoring.score_request, name="score_request"),
    path("<uuid:public_id>/score/runs/<uuid:run_id>/retry/", scoring.score_run_retry, name="score_run_retry"),
    path("<uuid:public_id>/score/override/<str:key>/", scoring.score_override, name="score_override"),
    path("<uuid:public_id>/remediation/", remediation.remediation_create, name="remediation_create"),
    path(
        "<uuid:public_id>/remediation/<uuid:item_id>/", remediation.remediation_item, name="remediation_item"
    ),
    path(
        "<uuid:public_id>/remediation/<uuid:item_id>/messages/",
        remediation.remediation_message,
        name="remediation_message",
    ),
    path(
        "<uuid:public_id>/remediation/<uuid:item_id>/status/",
        remediation.remediation_status,
        name="remediation_status",
    ),
    path(
        "<uuid:public_id>/remediation/<uuid:item_id>/files/<uuid:message_id>/",
        remediation.remediation_file,
        name="remediation_file",
    ),
    path("rescore/<uuid:template_id>/", scoring.template_rescore, name="template_rescore"),
]
