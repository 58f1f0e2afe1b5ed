"""Find anything in the organization. Mounted under /search/."""

from __future__ import annotations

from django.urls import path

from search import views

urlpatterns = [path("", views.search_results, name="search_results")]
