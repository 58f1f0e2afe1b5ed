"""The due-diligence report keeps the answers a template upgrade archived."""

import json

import pytest

from procurement.services.template_upgrade import evaluation_template_upgrade_apply
from reports.context import due_diligence_context
from reports.pdf import render_report_html
from tests.procurement.upgrade_setup import evaluation_on_v1

pytestmark = pytest.mark.django_db


def test_report_lists_archived_answers_by_old_version(org, officer):
    q = evaluation_on_v1(org, officer)
    evaluation_template_upgrade_apply(evaluation=q.evaluation, target=q.v2, actor=officer)
    context = due_diligence_context(q.evaluation)
    json.dumps(context)
    (group,) = context["archived"]
    assert group["version"] == 1
    assert [(a["key"], a["answer"], a["reason"]) for a in group["answers"]] == [
        ("sec.hosting", "Option B", "No longer an option: b. The vendor answers it again."),
        ("sec.staff", "about twelve", "The question changed from short_text to number."),
        ("sec.fax", "+1 555 0100", "The question is no longer asked."),
    ]
    # Not among the current questionnaire's answers, and the upgrade is in the audit trail.
    keys = {item["key"] for s in context["sections"] for item in s["questions"]}
    assert "sec.fax" not in keys
    assert any(e["kind"] == "Template upgraded" for e in context["appendix"]["timeline"])

    html = render_report_html("due_diligence", context)
    assert "Archived answers from template v1" in html
    assert "+1 555 0100" in html
    assert 'href="#archived-v1"' in html


def test_report_without_upgrade_has_no_archived_section(org, officer):
    q = evaluation_on_v1(org, officer)
    context = due_diligence_context(q.evaluation)
    assert context["archived"] == []
    assert "Archived answers" not in render_report_html("due_diligence", context)
