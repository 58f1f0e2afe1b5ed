"""Text fields that take text only.

DRF's CharField turns 42 or true into "42" and "True"; a client that sent a number where the schema
says string has a bug, and storing its str() would hide it. These refuse anything but a string.
"""

from __future__ import annotations

from django.db import models
from rest_framework import serializers


class StrictStringMixin:
    default_error_messages = {"not_a_string": "Give text (a JSON string), not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string", kind=_json_kind(data))
        return super().to_internal_value(data)


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else "this value"


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictURLField(StrictStringMixin, serializers.URLField):
    pass


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


# No docstring: the schema would show it as every subclass's description.
class ApiModelSerializer(serializers.ModelSerializer):
    # Text columns become strict text fields.

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.URLField: StrictURLField,
        models.SlugField: StrictSlugField,
    }
