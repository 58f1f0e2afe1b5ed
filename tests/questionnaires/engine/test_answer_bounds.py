"""A vendor may enter exactly the smallest and the largest number a question allows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from questionnaires.engine.answers import clean_value

QUESTION = SimpleNamespace(type="number", options={"min": 0, "max": 100, "unit": "%"})


@pytest.mark.parametrize(("typed", "stored"), [("0", 0), ("100", 100), ("99.5", 99.5), ("0.0", 0)])
def test_the_bounds_themselves_are_accepted(typed, stored):
    assert clean_value(QUESTION, typed) == stored


@pytest.mark.parametrize(("typed", "code"), [("-0.01", "min"), ("100.01", "max"), ("101", "max")])
def test_just_outside_the_bounds_is_refused_with_the_bound(typed, code):
    with pytest.raises(ValidationError) as refused:
        clean_value(QUESTION, typed)
    assert refused.value.code == code
