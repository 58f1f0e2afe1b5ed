"""Scores and findings of an evaluation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.access import get_for_org
from procurement.api.serializers import ScoreRunSerializer
from procurement.api.views.base import OrgApiMixin
from procurement.models import Evaluation, ScoreRun
from procurement.roles import Perm


class EvaluationScoreView(OrgApiMixin, APIView):
    required_perms = {"get": Perm.VIEW}

    @extend_schema(
        summary="The latest scoring run: overall score, tier, section scores and findings",
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
