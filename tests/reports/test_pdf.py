"""Real WeasyPrint renders, read back with pypdf: content, outline, metadata, and escaping."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from pypdf import PdfReader

from reports.comparison import comparison_context
from reports.context import due_diligence_context
from reports.pdf import render_pdf, render_report_html
from reports.pdf_engine import StaticOnlyURLFetcher
from reports.pdf_resources import RefusedURL
from tests.reports.conftest import build_evaluation

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="http://example.invalid/x.png">',
    "<style>body{display:none}</style>",
    '</p><h1 style="color:red">',
]


def _render(context, kind="due_diligence"):
    fetcher = StaticOnlyURLFetcher()
    pdf = render_pdf(render_report_html(kind, context), fetcher=fetcher)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split()), fetcher


def _outline_titles(outline):
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles.extend(_outline_titles(item))
        else:
            titles.append(item.title)
    return titles


def test_the_report_pdf_has_cover_sections_findings_hashes_outline_and_metadata(evaluation):
    context = due_diligence_context(evaluation)
    reader, text, fetcher = _render(context)

    for fact in (
        "Riverside Health",
        "Acme Clinical AI",
        "SepsisWatch",
        "version 3.2",
        "New purchase",
        "64.5",
    ):
        assert fact in text
    assert "Approved with conditions" in text
    assert "Moderate" in text
    for section in context["sections"]:
        assert section["title"] in text
    assert "No signed business associate agreement" in text
    assert "Decision role conflicts with time-critical use" in text
    assert evaluation.evidence_files.get().sha256 in text.replace(" ", "")
    assert "Internal: check the alerting path." in text
    assert f"Page 1 of {len(reader.pages)}" in text

    outline = _outline_titles(reader.outline)
    for section in context["sections"]:
        assert outline.count(f"{section['number']}. {section['title']}") == 1
    assert "Executive summary" in outline
    assert "Appendix A: audit trail" in outline

    assert reader.metadata.title == "Due-diligence report: Acme Clinical AI, SepsisWatch 3.2"
    assert reader.metadata.author == "Riverside Health"
    assert reader.metadata.subject.startswith("Clinical AI vendor due diligence")
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    assert reader.trailer["/Root"]["/Lang"] == "en"
    # Only the print stylesheet was loaded, from disk.
    assert [url.rsplit("/", 1)[-1] for url in fetcher.requested] == ["print.css"]


def test_vendor_text_is_printed_literally_and_nothing_remote_is_fetched(org):
    evaluation = build_evaluation(org)
    evaluation.answers.filter(question__key="use.intended_use").update(value=" ".join(HOSTILE))
    evaluation.product.vendor.legal_name = HOSTILE[3]
    evaluation.product.vendor.save()
    evaluation.evidence_files.update(original_name=HOSTILE[1])

    _reader, text, fetcher = _render(due_diligence_context(evaluation))

    for hostile in HOSTILE:
        assert hostile in text
    assert not any("example.invalid" in url for url in fetcher.requested)
    assert all(url.endswith("/static/css/print.css") for url in fetcher.requested)


def test_a_comparison_pdf_shows_each_evaluation(org):
    evaluations = [build_evaluation(org, vendor_name=name) for name in ("Alpha Health AI", "Beta Predict")]
    _reader, text, _fetcher = _render(comparison_context(evaluations), kind="comparison")
    assert "Alpha Health AI" in text
    assert "Beta Predict" in text
    assert "Predicts sepsis six hours ahead." in text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid/x.png",
        "https://example.invalid/style.css",
        "https://reports.internal/media/secret.pdf",
        "https://reports.internal/static/../../etc/passwd",
        "file:///etc/passwd",
        "ftp://example.invalid/x",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises((RefusedURL, ValueError)):
        StaticOnlyURLFetcher().fetch(url)


def test_the_fetcher_serves_static_files_and_data_urls():
    fetcher = StaticOnlyURLFetcher()
    css = fetcher.fetch("https://reports.internal/static/css/print.css")
    assert b"@page" in css.read()
    css.close()
    local = fetcher.fetch((settings.BASE_DIR / "static" / "css" / "print.css").as_uri())
    assert b"@page" in local.read()
    local.close()
    data = fetcher.fetch("data:text/plain;base64,aGk=")
    assert data.read() == b"hi"
    data.close()


def test_the_report_shows_inherent_risk_scope_and_residual_risk_side_by_side(evaluation):
    from procurement.services.intake import evaluation_intake_record
    from tests.factories import LOW_RISK_INTAKE, SAMPLE_INTAKE

    evaluation.template.intake = SAMPLE_INTAKE
    evaluation.template.save()
    last = evaluation.template.sections.order_by("order").last()
    last.asked_from = "high"
    last.save()
    assert due_diligence_context(evaluation)["scope"]["inherent_label"] == "Intake not answered"
    evaluation.status = "sent"
    evaluation.save()
    evaluation_intake_record(evaluation=evaluation, answers=LOW_RISK_INTAKE, user=evaluation.owner)
    evaluation.refresh_from_db()
    context = due_diligence_context(evaluation)
    scope = context["scope"]
    assert (scope["inherent_label"], scope["left_out"]) == ("Low", [last.title])
    _, text, _ = _render(context)
    assert "Inherent risk (buyer's intake)" in text
    # Inherent tier, scope, then the residual tier from scoring, in that order.
    assert (
        f"Low {scope['asked_questions']} of {scope['total_questions']} questions; "
        f"not asked for this use: {last.title} Moderate"
    ) in text


def test_a_template_without_intake_shows_no_scope_table(evaluation):
    context = due_diligence_context(evaluation)
    assert context["scope"] is None
    _, text, _ = _render(context)
    assert "Inherent risk (buyer's intake)" not in text
