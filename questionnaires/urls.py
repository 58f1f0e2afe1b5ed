from __future__ import annotations

from django.urls import path

from questionnaires import views

# Sections and questions are addressed by their keys, which are unique within a template.
urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("new/", views.template_create, name="template_create"),
    path("import/", views.template_import, name="template_import"),
    path("<uuid:public_id>/", views.template_detail, name="template_detail"),
    path("<uuid:public_id>/edit/", views.template_edit, name="template_edit"),
    path("<uuid:public_id>/preview/", views.template_preview, name="template_preview"),
    path("<uuid:public_id>/publish/", views.template_publish, name="template_publish"),
    path("<uuid:public_id>/new-version/", views.template_new_version, name="template_new_version"),
    path("<uuid:public_id>/retire/", views.template_retire, name="template_retire"),
    path("<uuid:public_id>/delete/", views.template_delete, name="template_delete"),
    path("<uuid:public_id>/clone/", views.template_clone, name="template_clone"),
    path("<uuid:public_id>/export/", views.template_export, name="template_export"),
    path("<uuid:public_id>/sections/new/", views.section_create, name="section_create"),
    path("<uuid:public_id>/sections/<slug:key>/edit/", views.section_edit, name="section_edit"),
    path("<uuid:public_id>/sections/<slug:key>/delete/", views.section_delete, name="section_delete"),
    path("<uuid:public_id>/sections/<slug:key>/move/", views.section_move, name="section_move"),
    path(
        "<uuid:public_id>/sections/<slug:key>/questions/new/", views.question_create, name="question_create"
    ),
    path("<uuid:public_id>/questions/<str:key>/edit/", views.question_edit, name="question_edit"),
    path("<uuid:public_id>/questions/<str:key>/delete/", views.question_delete, name="question_delete"),
    path("<uuid:public_id>/questions/<str:key>/move/", views.question_move, name="question_move"),
]
