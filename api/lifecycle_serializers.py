"""Shapes of the re-assessment API: model versions, a product's next review, the review policy."""

from __future__ import annotations

from rest_framework import serializers

from api.fields import StrictCharField
from procurement.models import ModelVersion


class ModelVersionInSerializer(serializers.Serializer):
    version = StrictCharField(max_length=50, help_text="The new version number, as the vendor names it.")
    release_notes = StrictCharField(required=False, allow_blank=True, default="", max_length=20000)
    within_pccp = serializers.ChoiceField(
        choices=ModelVersion.Pccp.choices,
        help_text="Whether the change falls within the Predetermined Change Control Plan the FDA authorized.",
    )
    changes_intended_use = serializers.BooleanField(
        default=False, help_text="The change affects the intended use or indications."
    )


class EvaluationLinkSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    purpose = serializers.CharField()
    status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)


class ModelVersionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    reported_by = serializers.CharField(source="reported_by_label")
    covered_by = EvaluationLinkSerializer(
        allow_null=True, help_text="The evaluation that assessed this version; null until one does."
    )

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "version",
            "release_notes",
            "within_pccp",
            "changes_intended_use",
            "reported_at",
            "reported_by",
            "action",
            "covered_by",
        ]


class VendorModelVersionSerializer(serializers.ModelSerializer):
    """What the vendor sees of its report: no internal evaluation ids."""

    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "version",
            "release_notes",
            "within_pccp",
            "changes_intended_use",
            "reported_at",
            "action",
        ]


class NextReviewSerializer(serializers.Serializer):
    review_on = serializers.DateField()
    opens_on = serializers.DateField()
    risk_tier = serializers.CharField()
    approved_evaluation = serializers.UUIDField(source="approved_evaluation.public_id")
    reassessment = EvaluationLinkSerializer(allow_null=True)


class ProductVersionsSerializer(serializers.Serializer):
    product = serializers.UUIDField()
    current_version = serializers.CharField()
    next_review = NextReviewSerializer(allow_null=True)
    versions = ModelVersionSerializer(many=True)


class ReviewPolicySerializer(serializers.Serializer):
    critical_months = serializers.IntegerField(min_value=1, max_value=60)
    high_months = serializers.IntegerField(min_value=1, max_value=60)
    moderate_months = serializers.IntegerField(min_value=1, max_value=60)
    low_months = serializers.IntegerField(min_value=1, max_value=60)
    lead_days = serializers.IntegerField(
        min_value=0, max_value=180, help_text="Days before the review date on which the re-assessment opens."
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
