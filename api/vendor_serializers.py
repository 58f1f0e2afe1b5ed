"""Shapes of the vendor API (invite-token endpoints). No reviewer guidance, scoring or internal notes."""

from __future__ import annotations

from rest_framework import serializers

from procurement.models import Answer, EvidenceFile
from procurement.services.evidence import evidence_metadata_errors
from questionnaires.models import Question


class AnswerOutSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question.key")
    not_applicable = serializers.BooleanField(source="is_not_applicable")
    value = serializers.JSONField(allow_null=True)

    class Meta:
        model = Answer
        fields = ["question", "value", "not_applicable", "version", "updated_at"]


class AnswerPutSerializer(serializers.Serializer):
    value = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="The answer in the format of its question type; null clears it.",
    )
    not_applicable = serializers.BooleanField(default=False)
    version = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, help_text="The version you last saw (0 for a first answer)."
    )


class ConflictResponseSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.DictField())
    answer = AnswerOutSerializer(
        allow_null=True,
        help_text=(
            "The answer as stored now; re-send with its version to replace it. null: the question has "
            "no answer (any more), so send version 0."
        ),
    )


class EvidenceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(source="original_name")

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "sha256",
            "expires_on",
            "uploaded_at",
            "document_type",
            "issuer",
            "period_start",
            "period_end",
            "model_version",
            "effective_on",
        ]


class EvidenceDescriptionSerializer(serializers.Serializer):
    """What the document is; checked like the portal form (period in order, expiry after effect)."""

    document_type = serializers.ChoiceField(
        choices=EvidenceFile.DocumentType.choices, required=False, allow_blank=True
    )
    issuer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    model_version = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="The model version it describes."
    )
    period_start = serializers.DateField(
        required=False, allow_null=True, help_text="Period covered: first day."
    )
    period_end = serializers.DateField(required=False, allow_null=True, help_text="Period covered: last day.")
    effective_on = serializers.DateField(required=False, allow_null=True, help_text="The day it took effect.")
    expires_on = serializers.DateField(
        required=False, allow_null=True, help_text="Kept only where the question asks for an expiry."
    )

    def validate(self, attrs):
        merged = {**getattr(self, "current", {}), **attrs}
        if errors := evidence_metadata_errors(merged):
            raise serializers.ValidationError(errors)
        return attrs


class EvidenceUploadSerializer(EvidenceDescriptionSerializer):
    file = serializers.FileField(allow_empty_file=True)


class PrefillSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=[("carried", "Carried forward"), ("model_card", "From the model card")],
        help_text="Where the prefilled answer came from.",
    )
    state = serializers.ChoiceField(
        choices=[("pending", "To be confirmed"), ("confirmed", "Confirmed"), ("changed", "Changed")],
        help_text="pending: not counted as answered until confirmed (or changed).",
    )
    from_evaluation_submitted_at = serializers.DateTimeField(
        allow_null=True, help_text="For a carried answer: when the earlier evaluation was submitted."
    )
    prefilled_at = serializers.DateTimeField()
    prefilled_value = serializers.JSONField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)


class VendorQuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    prompt = serializers.CharField()
    help_text = serializers.CharField()
    type = serializers.ChoiceField(choices=Question.Type.choices)
    required = serializers.BooleanField()
    allows_na = serializers.BooleanField()
    options = serializers.DictField()
    condition = serializers.DictField(allow_null=True)
    requires_evidence = serializers.BooleanField()
    evidence_hint = serializers.CharField()
    visible = serializers.BooleanField(
        help_text="False while its condition is not met: not counted, not scored."
    )
    editable = serializers.BooleanField()
    answered = serializers.BooleanField()
    value = serializers.JSONField(allow_null=True)
    not_applicable = serializers.BooleanField()
    version = serializers.IntegerField(help_text="Send this back with the next save of this answer.")
    files = EvidenceSerializer(many=True)
    clarifications = serializers.ListField(child=serializers.CharField(), help_text="What reviewers asked.")
    comments = serializers.ListField(child=serializers.CharField(), help_text="Reviewer comments for you.")
    prefill = PrefillSerializer(allow_null=True, help_text="Set when the answer was prefilled.")


class VendorSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    questions = VendorQuestionSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    answered = serializers.IntegerField()
    required = serializers.IntegerField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of required questions to answer."
    )


class VendorEvaluationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.CharField()
    vendor = serializers.CharField()
    product = serializers.CharField()
    template = serializers.CharField()
    status = serializers.CharField()
    is_editable = serializers.BooleanField()
    due_date = serializers.DateField(allow_null=True)


class QuestionnaireSerializer(serializers.Serializer):
    evaluation = VendorEvaluationSerializer()
    progress = ProgressSerializer()
    sections = VendorSectionSerializer(many=True)


class SubmittedSerializer(serializers.Serializer):
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class ConfirmedSerializer(serializers.Serializer):
    confirmed = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the answers confirmed."
    )


class ModelCardUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="A CHAI Applied Model Card, XML, schema v0.2 (at most 1 MB by default).",
    )


class CardFilledSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question's key.")
    element = serializers.CharField(help_text="The card element it was read from.")
    value = serializers.JSONField(help_text="The prefilled answer, to be confirmed.")
    version = serializers.IntegerField()


class SkippedSerializer(serializers.Serializer):
    question = serializers.CharField()
    reason = serializers.CharField()


class ModelCardImportSerializer(serializers.Serializer):
    filled = CardFilledSerializer(many=True)
    skipped = SkippedSerializer(many=True)
    hti_attributes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=31),
        help_text="The ONC HTI-1 source attributes (1-31) the card answered.",
    )
