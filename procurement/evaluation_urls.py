from __future__ import annotations

from django.urls import path

from procurement import evaluation_views as views

urlpatterns = [
    path("", views.evaluation_list, name="evaluation_list"),
    path("new/", views.evaluation_create, name="evaluation_create"),
    path("<uuid:public_id>/", views.evaluation_detail, name="evaluation_detail"),
    path("<uuid:public_id>/move/", views.evaluation_move, name="evaluation_move"),
    path("<uuid:public_id>/reviewers/", views.reviewer_assign, name="reviewer_assign"),
    path("<uuid:public_id>/sign-off/", views.section_sign_off, name="section_sign_off"),
    path("<uuid:public_id>/comments/", views.comment_add, name="comment_add"),
    path("<uuid:public_id>/clarification/", views.clarification_request, name="clarification_request"),
    path("<uuid:public_id>/decision/", views.decision_record, name="decision_record"),
    path("<uuid:public_id>/conditions/done/", views.condition_complete, name="condition_complete"),
]
