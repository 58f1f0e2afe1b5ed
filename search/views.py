"""The search results page behind the navigation bar's search box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.shortcuts import render

from accounts.access import member_required
from accounts.roles import Perm
from search.forms import SearchForm
from search.selectors import search

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@member_required(Perm.VIEW)
def search_results(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET if "q" in request.GET else None)
    hits = search(organization=request.organization, query=form.cleaned_data["q"]) if form.is_valid() else []
    context = {"form": form, "hits": hits, "query": form.data.get("q", "")}
    return render(request, "search/search_results.html", context)
