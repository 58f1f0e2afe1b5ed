from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization, User
from procurement.models import (
    Answer,
    AuditEvent,
    DecisionCondition,
    Evaluation,
    EvidenceFile,
    Finding,
    Invite,
    ScoreRun,
)
from procurement.services.evaluations import evaluation_create
from questionnaires.models import Template
from tests.factories import TemplateFactory, evidence_file_path
from vendors.models import Contact, Product, Vendor

pytestmark = pytest.mark.django_db
S = Evaluation.Status


def _row_counts() -> dict[str, int]:
    models = (Evaluation, Answer, EvidenceFile, ScoreRun, Finding, Invite, DecisionCondition, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    call_command("load_library", stdout=StringIO())
    out = StringIO()
    # Scoring is queued on commit; run it as the embedded mode does.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent_and_skips_evaluations_without_the_library():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert Vendor.objects.count() == 3
    assert Product.objects.count() == 6
    assert Contact.objects.count() == 4
    assert not Evaluation.objects.exists()


def test_seed_demo_brings_each_evaluation_to_its_workflow_state(seeded):
    statuses = {e.product.name: e.status for e in Evaluation.objects.select_related("product")}
    assert statuses == {
        "SepsisSentinel": S.DECIDED,
        "DeteriorationWatch": S.DRAFT,
        "ScribeAssist": S.UNDER_REVIEW,
        "InboxAssist": S.SENT,
        "TriageCT": S.SUBMITTED,
        "EarlyWarn": S.SUBMITTED,
    }
    assert not Invite.objects.filter(evaluation__product__name="DeteriorationWatch").exists()
    assert Invite.objects.filter(evaluation__product__name="InboxAssist").count() == 1
    assert not Answer.objects.filter(evaluation__product__name="InboxAssist").exists()
    decided = Evaluation.objects.get(status=S.DECIDED)
    assert decided.decision == Evaluation.Decision.APPROVED_WITH_CONDITIONS
    assert decided.decision_rationale
    assert decided.conditions.count() == 1
    for line in ("SepsisSentinel", "Decided", "Draft", "Sent to vendor", "Under review"):
        assert line in seeded


def test_submitted_demo_evaluations_are_scored_with_findings_and_evidence(seeded):
    submitted = Evaluation.objects.filter(status__in=[S.SUBMITTED, S.UNDER_REVIEW, S.DECIDED])
    assert submitted.count() >= 2
    for evaluation in submitted:
        run = evaluation.score_runs.get()
        assert run.status == ScoreRun.Status.DONE, run.error
        assert evaluation.risk_tier
        assert evaluation.overall_score is not None
    tiers = {e.product.name: e.risk_tier for e in submitted}
    assert tiers["SepsisSentinel"] in ("low", "moderate")
    assert tiers["TriageCT"] in ("high", "critical")
    findings = Finding.objects.filter(score_run__evaluation__in=submitted)
    assert findings.filter(kind=Finding.Kind.CONSISTENCY, code="cds_analyzes_images_or_signals").exists()
    assert findings.filter(kind=Finding.Kind.CONSISTENCY, code="safe_harbor_full_zip_kept").exists()
    assert findings.filter(kind=Finding.Kind.CRITICAL, code="knockout:baa.subcontractor_flowdown").exists()

    files = EvidenceFile.objects.all()
    assert files.count() >= 3
    for evidence in files:
        assert len(evidence.sha256) == 64
        assert evidence.content_type == "application/pdf"
        assert evidence_file_path(evidence.stored_name).read_bytes().startswith(b"%PDF-1.4")
    assert files.filter(question__key="security.soc2_type2", expires_on__isnull=False).exists()

    # A second run finds everything in place and adds no rows and no files.
    before = _row_counts()
    files_before = set(evidence_file_path("x").parent.iterdir())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert _row_counts() == before
    assert set(evidence_file_path("x").parent.iterdir()) == files_before
    assert "high risk" in out.getvalue()


def test_an_earlier_demo_draft_is_moved_on_to_its_state(django_capture_on_commit_callbacks):
    """Databases seeded when the demo had only drafts catch up on the next run."""
    call_command("seed_demo", stdout=StringIO())
    call_command("load_library", stdout=StringIO())
    officer = User.objects.get(username="officer")
    old = evaluation_create(
        organization=Organization.objects.get(slug="riverside-health"),
        product=Product.objects.get(name="TriageCT"),
        template=Template.objects.library()
        .published()
        .get(slug="clinical-ai-vendor-due-diligence", version=1),
        owner=officer,
        created_by=officer,
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    old.refresh_from_db()
    assert old.status == S.SUBMITTED
    assert old.risk_tier
    assert Evaluation.objects.count() == 6


def test_seed_demo_also_works_with_a_questionnaire_without_questions(django_capture_on_commit_callbacks):
    TemplateFactory(organization=None, slug="clinical-ai-vendor-due-diligence")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert Evaluation.objects.count() == 5
    assert Evaluation.objects.filter(status=S.DECIDED).count() == 1


def test_the_version_2_demo_evaluation_is_clean_and_the_others_stay_on_version_1(seeded):
    versions = {
        e.product.name: e.template.version for e in Evaluation.objects.select_related("product", "template")
    }
    assert versions == {
        "SepsisSentinel": 1,
        "DeteriorationWatch": 1,
        "ScribeAssist": 1,
        "InboxAssist": 1,
        "TriageCT": 1,
        "EarlyWarn": 2,
    }
    early_warn = Evaluation.objects.get(product__name="EarlyWarn")
    run = early_warn.score_runs.get()
    assert run.status == ScoreRun.Status.DONE, run.error
    assert list(Finding.objects.filter(score_run=run).values_list("code", flat=True)) == []
    assert run.not_assessable == []
    assert early_warn.risk_tier == "low"
    # Every demo document says what it is, in the type its question expects where it names one.
    files = early_warn.evidence_files.filter(removed_at__isnull=True).select_related("question")
    assert files
    for f in files:
        expected = (f.question.options or {}).get("document_types") or ["other"]
        assert f.document_type == expected[0], f.question.key
        assert f.effective_on is not None
    # The officer's intake: time-critical, so the inherent tier is high and every section is asked.
    assert early_warn.inherent_tier == "high"
    assert (
        "It is used where minutes matter, so an error or an outage harms quickly."
        in early_warn.inherent_reasons
    )
    assert "EarlyWarn" in seeded


def test_the_approved_demo_product_shows_its_lifecycle(seeded):
    from procurement.models import ModelVersion, RemediationItem

    product = Product.objects.get(name="SepsisSentinel")
    evaluation = Evaluation.objects.get(product=product)
    versions = list(ModelVersion.objects.filter(product=product).order_by("reported_at", "id"))
    assert [(v.version, v.action) for v in versions] == [("4.2", "evaluated"), ("4.3", "recorded")]
    (item,) = RemediationItem.objects.filter(evaluation=evaluation)
    assert (item.source, item.side, item.status, item.blocking) == ("condition", "buyer", "open", True)
    expiring = EvidenceFile.objects.filter(evaluation=evaluation, expires_on__isnull=False)
    assert expiring.exists()
    today = timezone.localdate()
    assert {(f.expires_on - today).days for f in expiring} == {45}
    # A second run adds nothing.
    call_command("seed_demo", stdout=StringIO())
    assert ModelVersion.objects.filter(product=product).count() == 2
    assert RemediationItem.objects.filter(evaluation=evaluation).count() == 1
