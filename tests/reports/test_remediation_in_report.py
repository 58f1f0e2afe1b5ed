"""The due-diligence report lists the remediation items still open."""

from __future__ import annotations

from django.template.loader import render_to_string

from procurement.models import RemediationItem
from procurement.services import remediation as services
from reports.context import due_diligence_context
from tests.procurement.remediation_setup import remediation_setup


def test_the_report_lists_open_items_and_counts_closed_ones(org, officer):
    setup = remediation_setup(org, officer)
    [item] = services.remediation_from_findings(
        evaluation=setup.evaluation, findings=[setup.finding], user=officer
    )
    done = RemediationItem.objects.create(
        organization=org,
        evaluation=setup.evaluation,
        product=setup.evaluation.product,
        source="condition",
        title="Sign the BAA",
        side="buyer",
        status="accepted",
    )
    summary = due_diligence_context(setup.evaluation)["summary"]["remediation"]
    assert summary["closed"] == 1
    assert [(i["title"], i["source"], i["side"], i["status"], i["blocking"]) for i in summary["open"]] == [
        ("No subgroup performance reported", "bias.no_subgroup_metrics", "Vendor", "Open", True)
    ]
    html = render_to_string(
        "reports/pdf/due_diligence.html", {"report": due_diligence_context(setup.evaluation)}
    )
    assert "Open remediation items" in html
    assert "No subgroup performance reported (blocking)" in html
    assert done.title not in html
    assert "1 item accepted or waived." in html
    assert item.pk
