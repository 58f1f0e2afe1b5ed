"""An evaluation with a scored finding and a vendor link, for the remediation tests."""

from __future__ import annotations

from types import SimpleNamespace

from procurement.models import Evaluation
from tests.factories import EvaluationFactory, FindingFactory, InviteFactory, ScoreRunFactory


def remediation_setup(
    org, officer, *, status=Evaluation.Status.UNDER_REVIEW, **evaluation
) -> SimpleNamespace:
    evaluation = EvaluationFactory(organization=org, owner=officer, status=status, **evaluation)
    run = ScoreRunFactory(evaluation=evaluation)
    finding = FindingFactory(
        score_run=run,
        code="bias.no_subgroup_metrics",
        title="No subgroup performance reported",
        detail="The vendor reports no performance by age, sex or ethnicity.",
        ask="Provide sensitivity and specificity by subgroup.",
        citations=[{"citation": "ONC HTI-1 decision support interventions", "standing": "law"}],
    )
    invite = InviteFactory(
        evaluation=evaluation, contact__email="vendor@acme.example", contact__name="Vera Vendor"
    )
    return SimpleNamespace(evaluation=evaluation, run=run, finding=finding, invite=invite)
