"""Scores and findings of an evaluation: read the latest run, ask for a new one, override a question."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_for_org, has_perm
from accounts.roles import Perm
from api.fields import StrictCharField
from api.serializers import ScoreRunSerializer
from api.views.base import OrgApiMixin, get_or_404
from procurement.models import Evaluation, ScoreOverride, ScoreRun
from procurement.services.overrides import score_override_clear, score_override_set
from procurement.services.scoring import scoring_request
from questionnaires.models import Question


class ScoreOverrideInSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    justification = StrictCharField(max_length=5000)


class ScoreOverrideSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question.key")
    score = serializers.FloatField()
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = ScoreOverride
        fields = ["question", "score", "justification", "created_by", "created_at"]


class EvaluationScoreView(OrgApiMixin, APIView):
    # Asking for a scoring: reviewers or those who run evaluations, as on the evaluation page.
    required_perms = {"get": Perm.VIEW, "post": Perm.VIEW}

    @extend_schema(
        summary="The latest scoring run: status, overall score, tier, section scores and findings",
        responses=ScoreRunSerializer,
    )
    def get(self, request, id):
        evaluation = get_for_org(request, Evaluation, public_id=id)
        run = (
            ScoreRun.objects.for_org(request.organization)
            .filter(evaluation=evaluation)
            .prefetch_related("findings")
            .order_by("-created_at", "-id")
            .first()
        )
        if run is None:
            raise NotFound("This evaluation has not been scored yet.", code="not_scored")
        return Response(ScoreRunSerializer(run).data)

    @extend_schema(
        summary="Score the current answers again (queued; poll GET until done)",
        request=None,
        responses={202: ScoreRunSerializer},
    )
    def post(self, request, id):
        evaluation = get_for_org(request, Evaluation, public_id=id)
        if not (has_perm(request, Perm.REVIEW) or has_perm(request, Perm.RUN_EVALUATIONS)):
            raise PermissionDenied("Your role does not allow this.")
        run = scoring_request(evaluation=evaluation, user=request.user)
        run.refresh_from_db()
        return Response(ScoreRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ScoreOverrideView(OrgApiMixin, APIView):
    required_perms = {"put": Perm.OVERRIDE_SCORES, "delete": Perm.OVERRIDE_SCORES}

    def _target(self, request, id, key):
        evaluation = get_for_org(request, Evaluation, public_id=id)
        return evaluation, get_or_404(Question.objects.filter(template_id=evaluation.template_id), key=key)

    @extend_schema(
        summary="Override a question's computed score (justification required; rescored afterwards)",
        request=ScoreOverrideInSerializer,
        responses=ScoreOverrideSerializer,
    )
    def put(self, request, id, key: str):
        evaluation, question = self._target(request, id, key)
        serializer = ScoreOverrideInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        override = score_override_set(
            evaluation=evaluation,
            question=question,
            score=serializer.validated_data["score"],
            justification=serializer.validated_data["justification"],
            user=request.user,
            request=request,
        )
        return Response(ScoreOverrideSerializer(override).data)

    @extend_schema(summary="Remove the override (the computed score applies again)", responses={204: None})
    def delete(self, request, id, key: str):
        evaluation, question = self._target(request, id, key)
        score_override_clear(evaluation=evaluation, question=question, user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
