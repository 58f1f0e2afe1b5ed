"""Report contexts: complete, exact, plain data, and built in a fixed number of queries."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from procurement.models import AuditEvent, Evaluation
from reports.comparison import comparison_context
from reports.context import answers_table, due_diligence_context, vendor_answers_context
from tests.factories import EvaluationFactory, ScoreRunFactory
from tests.reports.conftest import build_evaluation

pytestmark = pytest.mark.django_db


def _question(context, key):
    return next(q for s in context["sections"] for q in s["questions"] if q["key"] == key)


def test_the_cover_carries_every_fact(evaluation):
    cover = due_diligence_context(evaluation)["cover"]
    assert cover["organization"] == "Riverside Health"
    assert cover["vendor"] == "Acme Clinical AI"
    assert (cover["product"], cover["product_version"]) == ("SepsisWatch", "3.2")
    assert cover["purpose"] == "New purchase"
    assert (cover["template_name"], cover["template_version"]) == ("Clinical AI Vendor Due Diligence", 1)
    assert cover["sent_at"]
    assert cover["submitted_at"]
    assert cover["decided_at"]
    assert cover["overall_score"] == "64.5"
    assert cover["risk_tier"] == "Moderate"
    assert cover["decision"] == "Approved with conditions"
    assert cover["confidentiality"].startswith("Confidential")


def test_the_summary_lists_critical_findings_before_consistency_findings(evaluation):
    summary = due_diligence_context(evaluation)["summary"]
    assert [f["kind"] for f in summary["findings"]] == ["critical", "consistency"]
    assert summary["findings"][0]["title"] == "No signed business associate agreement"
    assert summary["findings"][0]["caps_tier_at"] == "High"
    assert summary["decision_rationale"] == "Acceptable once the BAA is signed."
    assert [c["description"] for c in summary["conditions"]] == ["Sign the BAA before go-live."]


def test_every_section_appears_with_its_score_and_weight(evaluation):
    sections = due_diligence_context(evaluation)["sections"]
    assert [(s["title"], s["score_display"], s["weight"]) for s in sections] == [
        ("Product and intended use", "55", "2"),
        ("Privacy and de-identification", "70", "1"),
        ("Security evidence", "90", "1"),
    ]


def test_answers_are_formatted_by_type(evaluation):
    context = due_diligence_context(evaluation)
    assert _question(context, "use.data_modalities")["answer"]["items"] == [
        "Structured EHR data",
        "Clinical notes",
    ]
    assert _question(context, "deid.method_training")["answer"]["text"] == "Expert Determination"
    assert _question(context, "baa.breach_notice_days")["answer"]["text"] == "30 days"
    assert _question(context, "fda.pccp")["answer"]["kind"] == "na"
    assert _question(context, "change.review_date")["answer"]["text"] == "1 March 2025"
    table = _question(context, "bias.subgroup_table")["answer"]
    assert table["columns"] == ["Subgroup", "N", "AUROC"]
    assert table["rows"] == [["Female", "1,200", "0.81"], ["Male", "1,100", "0.79"]]


def test_hidden_questions_are_left_out(evaluation):
    keys = {q["key"] for s in due_diligence_context(evaluation)["sections"] for q in s["questions"]}
    assert "deid.safe_harbor.full_zip" not in keys  # shown only for Safe Harbor
    assert "use.time_critical" in keys


def test_scores_overrides_comments_and_evidence_hashes_are_included(evaluation):
    context = due_diligence_context(evaluation)
    assert _question(context, "use.time_critical")["score_display"] == "0"
    assert (
        _question(context, "use.time_critical")["comments"][0]["body"] == "Internal: check the alerting path."
    )
    override = _question(context, "deid.method_training")["override"]
    assert override["score_display"] == "60"
    assert override["justification"] == "The determination is four years old."
    evidence = _question(context, "security.soc2_type2")["evidence"]
    file = evaluation.evidence_files.get()
    assert evidence == [
        {
            "name": "soc2-report-0.pdf",
            "size": 123456,
            "size_display": "120.6 KB",
            "uploaded_at": evidence[0]["uploaded_at"],
            "expires_on": "",
            "sha256": file.sha256,
            "document_type": "",
            "issuer": "",
            "model_version": "",
            "period": "",
            "effective_on": "",
        }
    ]


def test_the_report_states_what_each_document_is(evaluation):
    evaluation.evidence_files.update(
        document_type="soc2",
        issuer="Example Audit LLP",
        model_version="4.2",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        effective_on=datetime.date(2026, 2, 1),
    )
    [evidence] = _question(due_diligence_context(evaluation), "security.soc2_type2")["evidence"]
    assert {
        k: evidence[k] for k in ("document_type", "issuer", "model_version", "period", "effective_on")
    } == {
        "document_type": "SOC 2 report",
        "issuer": "Example Audit LLP",
        "model_version": "4.2",
        "period": "2025-01-01 to 2025-12-31",
        "effective_on": "2026-02-01",
    }


def test_the_appendix_has_the_timeline_without_downloads_and_the_scoring_method(evaluation, org):
    AuditEvent.objects.create(
        organization=org,
        evaluation=evaluation,
        kind=AuditEvent.Kind.REPORT_DOWNLOADED,
        actor_label="X",
        summary="dl",
    )
    appendix = due_diligence_context(evaluation)["appendix"]
    assert [e["summary"] for e in appendix["timeline"]] == ["Sent to vendor"]
    method = appendix["method"]
    assert method["rules_version"] == "rules-2025.2"
    assert method["thresholds"][0] == {"tier": "Low", "minimum": "80"}
    assert [w["weight"] for w in method["section_weights"]] == ["2", "1", "1"]


def test_the_latest_finished_score_run_is_used(evaluation):
    ScoreRunFactory(evaluation=evaluation, status="failed", overall_score=10, risk_tier="critical")
    assert due_diligence_context(evaluation)["summary"]["score_display"] == "64.5"


def test_the_context_is_plain_json(evaluation):
    json.dumps(due_diligence_context(evaluation))


def test_query_count_does_not_grow_with_the_questionnaire(org, django_assert_num_queries):
    small = build_evaluation(org, extra_questions=2, files=1, vendor_name="Small")
    large = build_evaluation(org, extra_questions=60, files=15, vendor_name="Large")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        due_diligence_context(small)
    with django_assert_num_queries(len(small_queries)):
        due_diligence_context(large)
    assert len(small_queries) <= 15


def test_the_vendor_copy_has_no_internal_content(evaluation):
    context = vendor_answers_context(evaluation)
    text = json.dumps(context)
    assert "Internal: check the alerting path." not in text
    assert "No signed business associate agreement" not in text
    assert "four years old" not in text
    assert "score" not in {k for s in context["sections"] for q in s["questions"] for k in q}
    assert _question(context, "use.intended_use")["answer"]["text"] == "Predicts sepsis six hours ahead."


def test_the_vendor_copy_needs_submitted_answers(org):
    with pytest.raises(ValidationError, match="not been submitted"):
        vendor_answers_context(EvaluationFactory(organization=org))


@pytest.mark.parametrize("count", [2, 5])
def test_comparison_puts_two_to_five_evaluations_side_by_side(org, count):
    evaluations = [build_evaluation(org, vendor_name=f"Vendor {n}") for n in range(count)]
    context = comparison_context(evaluations)
    assert len(context["evaluations"]) == count
    assert [r["title"] for r in context["section_rows"]] == [
        "Product and intended use",
        "Privacy and de-identification",
        "Security evidence",
    ]
    assert context["section_rows"][0]["scores"] == ["55"] * count
    assert all(len(e["findings"]) == 2 for e in context["evaluations"])
    row = next(r for r in context["answer_rows"] if r["key"] == "use.intended_use")
    assert row["answers"] == ["Predicts sepsis six hours ahead."] * count
    assert row["differs"] is False


def test_comparison_matches_questions_by_key_across_templates(org):
    first, second = build_evaluation(org, vendor_name="First"), build_evaluation(org, vendor_name="Second")
    answer = second.answers.get(question__key="use.intended_use")
    answer.value = "Flags deterioration"
    answer.save()
    row = next(
        r for r in comparison_context([first, second])["answer_rows"] if r["key"] == "use.intended_use"
    )
    assert row["answers"] == ["Predicts sepsis six hours ahead.", "Flags deterioration"]
    assert row["differs"] is True
    assert first.template_id != second.template_id


@pytest.mark.parametrize("count", [1, 6])
def test_comparison_refuses_fewer_than_two_or_more_than_five(org, count):
    evaluations = [EvaluationFactory(organization=org) for _ in range(count)]
    with pytest.raises(ValidationError, match="between 2 and 5"):
        comparison_context(evaluations)


def test_comparison_refuses_evaluations_of_two_organizations(org, other_org):
    with pytest.raises(ValidationError, match="one organization"):
        comparison_context([EvaluationFactory(organization=org), EvaluationFactory(organization=other_org)])


def test_a_reassessment_shows_answers_added_changed_and_removed(org):
    previous = build_evaluation(org)
    current = build_evaluation(
        org, previous=previous, product=previous.product, purpose=Evaluation.Purpose.REASSESSMENT
    )
    current.answers.filter(question__key="use.intended_use").update(value="Now also for children.")
    current.answers.filter(question__key="baa.breach_notice_days").delete()
    previous.answers.filter(question__key="change.review_date").delete()
    current.score_runs.update(overall_score=80, risk_tier="low")

    changes = due_diligence_context(current)["changes"]
    # The SOC 2 report is a different file (another SHA-256) even under the same name.
    assert [c["key"] for c in changes["changed"]] == ["use.intended_use", "security.soc2_type2"]
    assert changes["changed"][0]["before"]["text"] == "Predicts sepsis six hours ahead."
    assert changes["changed"][0]["after"]["text"] == "Now also for children."
    assert [c["key"] for c in changes["added"]] == ["change.review_date"]
    assert [c["key"] for c in changes["removed"]] == ["baa.breach_notice_days"]
    assert (changes["score_before"], changes["score_after"]) == ("64.5", "80")
    assert (changes["tier_before"], changes["tier_after"]) == ("Moderate", "Low")


def test_a_first_evaluation_has_no_changes_section(evaluation):
    assert due_diligence_context(evaluation)["changes"] is None


def test_the_export_table_has_one_row_per_visible_question(evaluation):
    rows = answers_table(evaluation)
    assert rows[0][:4] == ["Section", "Key", "Question", "Answer"]
    keys = [r[1] for r in rows[1:]]
    assert len(keys) == 9
    assert "deid.safe_harbor.full_zip" not in keys
    pccp = next(r for r in rows if r[1] == "fda.pccp")
    assert pccp[4] == "Yes"
    soc2 = next(r for r in rows if r[1] == "security.soc2_type2")
    assert soc2[7] == "soc2-report-0.pdf"
