"""Query-string filters that refuse what they cannot read instead of quietly listing everything."""

from __future__ import annotations

import re

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class StrictFilterBackend(DjangoFilterBackend):
    """A filter given in the query string must be readable; an unreadable one answers 400 with its name.

    django-filter treats an empty value as "no filter" and a boolean it cannot read as "unknown", so
    `?vendor=` or `?overdue=maybe` would list everything: a client that made a typo would never know.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        unreadable = {}
        for name in filterset.filters:
            if name not in request.query_params:
                continue
            raw = request.query_params.get(name, "")
            if isinstance(filterset.filters[name], django_filters.CharFilter):
                continue  # any text is a search term, the empty one included
            if isinstance(filterset.filters[name], django_filters.BooleanFilter):
                # Django's select widget reads "2" as true and anything else unknown as "no filter".
                if raw not in ("true", "false"):
                    unreadable[name] = ["Give true or false."]
            elif not raw.strip():
                unreadable[name] = ["Give a value, or leave the parameter out."]
            elif filterset.form.cleaned_data.get(name) in (None, ""):
                unreadable[name] = [f"'{raw}' is not a valid value."]
        if unreadable:
            raise ValidationError(unreadable)
        return filterset.qs


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=a,-b` by sortable fields only; anything else is refused, not silently dropped."""

    def _pattern(self, view, request) -> str:
        names = sorted(name for name, _ in self.get_valid_fields(None, view, {"request": request}))
        field = "-?(" + "|".join(re.escape(name) for name in names) + ")"
        return f"^({field}(,{field})*)?$"

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is not None and not re.fullmatch(self._pattern(view, request), raw):
            allowed = ", ".join(
                sorted(name for name, _ in self.get_valid_fields(queryset, view, {"request": request}))
            )
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Sort by a comma-separated list of: {allowed} (- first: descending)."
                    ]
                }
            )
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["pattern"] = self._pattern(view, None)
        return parameters
