"""Shapes of the organization API. Serializers validate and present; the services do the work."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from api.fields import ApiModelSerializer, StrictCharField, StrictURLField
from procurement.findings import cited_sources
from procurement.models import AuditEvent, DecisionCondition, Evaluation, Finding, Invite, ScoreRun
from questionnaires.models import Question, Template
from vendors.models import Contact, Product, Vendor


class ErrorSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text="Where in the request: 'sections[0].questions[2].prompt'; '' = all."
    )
    message = serializers.CharField()
    code = serializers.CharField()


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


def member_name(user: User | None) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


class OrgSlugRelatedField(serializers.SlugRelatedField):
    """An object of the caller's organization, named by public id; others simply do not exist."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("slug_field", "public_id")
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        organization = getattr(request, "organization", None)
        if organization is None:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(organization=organization)

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(**{self.slug_field: str(data)})
        except (ObjectDoesNotExist, DjangoValidationError, ValueError, TypeError) as exc:
            # A malformed id is "not found" too, never a server error.
            raise serializers.ValidationError(
                "Not found in your organization.", code="does_not_exist"
            ) from exc


@extend_schema_field({"type": "string", "minLength": 1})
class MemberField(serializers.SlugRelatedField):
    """A member of the caller's organization, named by username."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        organization = getattr(self.context.get("request"), "organization", None)
        return (
            User.objects.filter(memberships__organization=organization)
            if organization
            else User.objects.none()
        )

    def to_representation(self, obj) -> str:
        return obj.get_username()

    def to_internal_value(self, data):
        # PostgreSQL refuses NUL characters in a query, so such a name is refused before the lookup.
        if not isinstance(data, str) or "\x00" in data:
            raise serializers.ValidationError("Give the member's username.", code="invalid")
        user = self.get_queryset().filter(username=data).first()
        if user is None:
            raise serializers.ValidationError(
                "No member of your organization has this username.", code="does_not_exist"
            )
        return user


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------


class TemplateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    is_library = serializers.BooleanField(read_only=True)

    class Meta:
        model = Template
        fields = [
            "id",
            "slug",
            "name",
            "version",
            "status",
            "description",
            "is_library",
            "risk_thresholds",
            "created_at",
            "published_at",
            "retired_at",
        ]
        read_only_fields = fields


class QuestionOutSerializer(serializers.Serializer):
    """A question as in the template exchange format."""

    key = serializers.CharField()
    prompt = serializers.CharField()
    help_text = serializers.CharField()
    guidance = serializers.CharField()
    type = serializers.ChoiceField(choices=Question.Type.choices)
    required = serializers.BooleanField()
    allows_na = serializers.BooleanField()
    weight = serializers.FloatField()
    options = serializers.DictField()
    condition = serializers.DictField(allow_null=True)
    references = serializers.ListField(child=serializers.DictField())
    requires_evidence = serializers.BooleanField()
    evidence_hint = serializers.CharField()
    scoring = serializers.DictField(allow_null=True)
    fact = serializers.CharField(
        allow_blank=True, help_text="The canonical fact the question records, or empty."
    )


class SectionOutSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.FloatField()
    questions = QuestionOutSerializer(many=True)


class TemplateDetailSerializer(TemplateSerializer):
    sections = serializers.SerializerMethodField()

    class Meta(TemplateSerializer.Meta):
        fields = [*TemplateSerializer.Meta.fields, "sections"]
        read_only_fields = fields

    @extend_schema_field(SectionOutSerializer(many=True))
    def get_sections(self, template: Template) -> list:
        return self.context["export"]["sections"]


# ---------------------------------------------------------------------------------------------
# Vendor directory
# ---------------------------------------------------------------------------------------------


# Django's URL check is narrower than OpenAPI's "uri" (a dotted host name, a top-level domain of
# letters): the pattern tells clients what will be accepted.
@extend_schema_field(
    {
        "type": "string",
        "maxLength": 200,
        "pattern": r"^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(:[0-9]{1,5})?(/[!-~]*)?$",
    }
)
class WebsiteField(StrictURLField):
    pass


class VendorSerializer(ApiModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    website = WebsiteField(required=False, allow_blank=True, max_length=200)

    class Meta:
        model = Vendor
        fields = ["id", "legal_name", "website", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]


class ProductSerializer(ApiModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    vendor = OrgSlugRelatedField(Vendor, help_text="The vendor's id. Fixed once the product exists.")

    class Meta:
        model = Product
        fields = ["id", "vendor", "name", "version", "intended_use", "deployment", "created_at"]
        read_only_fields = ["id", "created_at"]


class ProductFindingSerializer(serializers.Serializer):
    """A finding on an approved product after the decision (e.g. an expired evidence document)."""

    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    severity = serializers.CharField()
    title = serializers.CharField()
    evaluation = serializers.UUIDField(source="evaluation.public_id")
    evidence = serializers.UUIDField(source="evidence.public_id", help_text="The expired evidence file.")
    raised_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.UUIDField(
        source="resolved_by.public_id", allow_null=True, help_text="The newer file that replaced it."
    )


class ContactSerializer(ApiModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    vendor = OrgSlugRelatedField(Vendor, help_text="The vendor's id. Fixed once the contact exists.")

    class Meta:
        model = Contact
        fields = ["id", "vendor", "name", "email", "role", "created_at"]
        read_only_fields = ["id", "created_at"]


# ---------------------------------------------------------------------------------------------
# Evaluations
# ---------------------------------------------------------------------------------------------


class ProductRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    version = serializers.CharField()


class VendorRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    legal_name = serializers.CharField()


class TemplateRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    slug = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()


class ConditionSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = DecisionCondition
        fields = ["description", "owner", "due_date", "completed_at", "is_done"]

    def get_owner(self, condition: DecisionCondition) -> str | None:
        return condition.owner.get_username() if condition.owner_id else None


class EvaluationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    product = ProductRefSerializer(read_only=True)
    vendor = VendorRefSerializer(source="product.vendor", read_only=True)
    template = TemplateRefSerializer(read_only=True)
    owner = serializers.SerializerMethodField()
    overall_score = serializers.FloatField(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    # Blank until decided / scored: declared so that the schema allows the empty string.
    decision = serializers.ChoiceField(choices=Evaluation.Decision.choices, allow_blank=True, read_only=True)
    risk_tier = serializers.ChoiceField(choices=Evaluation.RiskTier.choices, allow_blank=True, read_only=True)
    inherent_tier = serializers.ChoiceField(
        choices=Evaluation.RiskTier.choices,
        allow_blank=True,
        read_only=True,
        help_text="Set by the buyer's intake; blank while it is not answered (every question is asked).",
    )
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "status",
            "purpose",
            "product",
            "vendor",
            "template",
            "owner",
            "due_date",
            "is_overdue",
            "decision",
            "decision_rationale",
            "decided_at",
            "overall_score",
            "risk_tier",
            "inherent_tier",
            "sent_at",
            "submitted_at",
            "created_at",
            "updated_at",
            "allowed_transitions",
        ]
        read_only_fields = fields

    def get_owner(self, evaluation: Evaluation) -> str:
        return evaluation.owner.get_username()

    def get_allowed_transitions(self, evaluation: Evaluation) -> list[str]:
        return sorted(evaluation.allowed_transitions())


class EvaluationDetailSerializer(EvaluationSerializer):
    conditions = ConditionSerializer(many=True, read_only=True)

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "conditions"]
        read_only_fields = fields


class EvaluationCreateSerializer(serializers.Serializer):
    product = OrgSlugRelatedField(Product, help_text="The product's id.")
    template = serializers.UUIDField(help_text="The id of a published template version (own or library).")
    owner = MemberField(required=False, help_text="Username of the owner; default: you.")
    purpose = serializers.ChoiceField(
        choices=Evaluation.Purpose.choices, default=Evaluation.Purpose.NEW_PURCHASE
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    reviewers = serializers.ListField(child=MemberField(), required=False, max_length=50)
    previous = OrgSlugRelatedField(
        Evaluation, required=False, allow_null=True, help_text="For a re-assessment: the earlier evaluation."
    )
    carry_forward = serializers.BooleanField(
        default=False,
        help_text=(
            "Start from the product's last submitted answers and evidence (for a re-assessment, those "
            "of `previous`); each carried answer waits for the vendor's confirmation."
        ),
    )

    def validate_template(self, value):
        organization = self.context["request"].organization
        template = Template.objects.visible_to(organization).filter(public_id=value).first()
        if template is None:
            raise serializers.ValidationError("Not found.", code="does_not_exist")
        return template


class CarryForwardSerializer(serializers.Serializer):
    from_evaluation = OrgSlugRelatedField(
        Evaluation,
        required=False,
        allow_null=True,
        help_text="The submitted evaluation of the same product to carry from; default: the latest one.",
    )


class CarryForwardResultSerializer(serializers.Serializer):
    from_evaluation = serializers.UUIDField()
    answers = serializers.ListField(child=serializers.CharField(), help_text="Keys of the answers carried.")
    files = serializers.IntegerField(help_text="Evidence files carried (copies with the same SHA-256).")
    skipped = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Evaluation.Status.choices)


class InviteCreateSerializer(serializers.Serializer):
    contacts = serializers.ListField(child=OrgSlugRelatedField(Contact), min_length=1, max_length=50)
    message = StrictCharField(required=False, allow_blank=True, default="", max_length=5000)


class InviteSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Invite
        fields = ["id", "contact", "created_at", "expires_at", "last_sent_at"]

    def get_contact(self, invite: Invite) -> dict[str, str]:
        return {
            "id": str(invite.contact.public_id),
            "name": invite.contact.name,
            "email": invite.contact.email,
        }


class ClarificationCreateSerializer(serializers.Serializer):
    questions = serializers.ListField(
        child=StrictCharField(max_length=100), min_length=1, max_length=500, help_text="Question keys."
    )
    message = StrictCharField(max_length=5000)


class ClarificationSerializer(serializers.Serializer):
    question = serializers.CharField(source="question.key")
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class ConditionInSerializer(serializers.Serializer):
    description = StrictCharField(max_length=2000)
    owner = MemberField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Evaluation.Decision.choices)
    rationale = StrictCharField(max_length=20000)
    conditions = ConditionInSerializer(many=True, required=False)


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["created_at", "kind", "actor_label", "summary", "ip_address", "data"]


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------


class FindingCitationSerializer(serializers.Serializer):
    citation = serializers.CharField()
    standing = serializers.ChoiceField(
        choices=[*Question.Standing.choices, ("", "Not stated")], allow_blank=True
    )


class FindingFactSerializer(serializers.Serializer):
    fact = serializers.CharField()
    question_key = serializers.CharField()


class FindingSerializer(serializers.ModelSerializer):
    caps_tier_at = serializers.ChoiceField(
        choices=Evaluation.RiskTier.choices,
        allow_blank=True,
        help_text="The tier this finding raises the risk tier to at least (a floor, never a ceiling).",
    )
    citations = serializers.SerializerMethodField(help_text="Each citation with its standing.")
    facts = FindingFactSerializer(many=True, help_text="The facts the check read and the question of each.")

    class Meta:
        model = Finding
        fields = [
            "kind",
            "code",
            "title",
            "detail",
            "ask",
            "citation",
            "citations",
            "facts",
            "question_keys",
            "caps_tier_at",
        ]

    @extend_schema_field(FindingCitationSerializer(many=True))
    def get_citations(self, finding: Finding) -> list[dict[str, str]]:
        # Rows stored before findings kept the standing: each part's standing from its source.
        return [{"citation": c.citation, "standing": c.standing} for c in cited_sources(finding)]


class SectionScoreSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField(allow_null=True)


class ScoreRunSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    overall_score = serializers.FloatField(allow_null=True)
    risk_tier = serializers.ChoiceField(choices=Evaluation.RiskTier.choices, allow_blank=True)
    section_scores = serializers.SerializerMethodField()
    question_scores = serializers.DictField(child=serializers.FloatField(allow_null=True))
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = ScoreRun
        fields = [
            "id",
            "status",
            "rules_version",
            "overall_score",
            "risk_tier",
            "section_scores",
            "question_scores",
            "findings",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field(SectionScoreSerializer(many=True))
    def get_section_scores(self, run: ScoreRun) -> list[dict]:
        # Stored as {section id or key: {...}}; presented as a list in questionnaire order.
        rows = []
        for key, row in (run.section_scores or {}).items():
            row = row if isinstance(row, dict) else {"score": row}
            rows.append(
                {
                    "key": str(row.get("key", key)),
                    "title": str(row.get("title", "")),
                    "score": _number(row.get("score")),
                    "weight": _number(row.get("weight")),
                }
            )
        return rows


def _number(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


class IntakeItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    prompt = serializers.CharField()
    type = serializers.CharField(help_text="yes_no or single_choice.")
    choices = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), required=False
    )


class IntakeSerializer(serializers.Serializer):
    """The intake of an evaluation: its items, the buyer's answers, the tier and the scope they set."""

    items = IntakeItemSerializer(many=True)
    answers = serializers.DictField(help_text="Item key -> answer (true/false, or a choice's value).")
    inherent_tier = serializers.ChoiceField(choices=Evaluation.RiskTier.choices, allow_blank=True)
    reasons = serializers.ListField(child=serializers.CharField())
    asked_sections = serializers.ListField(child=serializers.CharField(), help_text="Section keys asked.")
    left_out_sections = serializers.ListField(
        child=serializers.CharField(), help_text="Section keys not asked."
    )
    asked_questions = serializers.IntegerField()
    total_questions = serializers.IntegerField()


class IntakeUpdateSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(), help_text="Every item's answer: true/false, or a choice's value."
    )


# Template upgrade


def _visible_template(serializer: serializers.Serializer, value):
    organization = serializer.context["request"].organization
    template = Template.objects.visible_to(organization).filter(public_id=value).first()
    if template is None:
        raise serializers.ValidationError("Not found.", code="does_not_exist")
    return template


class TemplateUpgradeQuerySerializer(serializers.Serializer):
    target = serializers.UUIDField(
        required=False, help_text="The newer template version's id; default: the latest published one."
    )

    def validate_target(self, value):
        return _visible_template(self, value)


class TemplateUpgradeApplySerializer(TemplateUpgradeQuerySerializer):
    expected_counts = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text=(
            "The plan's `counts` as you read them; when the answers changed since, nothing is applied "
            "(400, code stale_plan)."
        ),
    )


class TemplateUpgradeItemSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The question's key in the new version (the old one if removed).")
    old_key = serializers.CharField(allow_blank=True)
    new_key = serializers.CharField(allow_blank=True)
    change = serializers.ChoiceField(choices=["unchanged", "changed", "retyped", "removed", "new"])
    action = serializers.ChoiceField(
        choices=["keep", "confirm", "archive", "choice_removed", "empty"],
        help_text=(
            "keep: carried as is; confirm: carried, counts as unanswered until the vendor confirms it; "
            "archive / choice_removed: archived (kept for the record, not scored); empty: nothing to carry."
        ),
    )
    reason = serializers.CharField(allow_blank=True)
    answer = serializers.CharField(allow_blank=True, help_text="The current answer in words ('' if none).")


class TemplateUpgradeCountsSerializer(serializers.Serializer):
    keep = serializers.IntegerField()
    confirm = serializers.IntegerField()
    archive = serializers.IntegerField()
    choice_removed = serializers.IntegerField()
    empty = serializers.IntegerField()
    new = serializers.IntegerField()


class TemplateUpgradePlanSerializer(serializers.Serializer):
    from_template = TemplateRefSerializer()
    to_template = TemplateRefSerializer()
    applied = serializers.BooleanField()
    counts = TemplateUpgradeCountsSerializer()
    items = TemplateUpgradeItemSerializer(many=True)
