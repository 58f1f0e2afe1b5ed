from __future__ import annotations

from django import forms

from search.selectors import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH, normalize_query


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        max_length=MAX_QUERY_LENGTH,
        error_messages={"required": "Type what you are looking for."},
    )

    def clean_q(self) -> str:
        q = normalize_query(self.cleaned_data["q"])
        if len(q) < MIN_QUERY_LENGTH:
            raise forms.ValidationError(f"Type at least {MIN_QUERY_LENGTH} characters.")
        return q
