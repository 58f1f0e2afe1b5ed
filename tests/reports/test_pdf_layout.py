"""How the PDFs are laid out: page numbers in the contents, fixed table columns, two font faces.

The speed these buy is measured in benchmarks/report_render.py and benchmarks/comparison_render.py;
these tests keep the layout that makes it possible, and what the reader sees of it.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from reports.comparison import comparison_context
from reports.context import due_diligence_context, vendor_answers_context
from reports.pdf import render_pdf, render_report_html
from reports.pdf_engine import layout_pdf
from tests.reports.conftest import build_evaluation, laid_out_tables

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> list[list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [[line.strip() for line in page.extract_text().splitlines()] for page in reader.pages]


def _first_page_after(pages: list[list[str]], start: int, heading: str) -> int:
    return next(number for number, lines in enumerate(pages, 1) if number > start and heading in lines)


def test_the_contents_give_the_page_each_part_starts_on(org):
    # Enough questions that the sections spread over several pages.
    evaluation = build_evaluation(org, extra_questions=60, files=3)
    context = due_diligence_context(evaluation)
    pages = _pages(render_pdf(render_report_html("due_diligence", context)))
    contents = next(number for number, lines in enumerate(pages, 1) if "Contents" in lines)

    titles = [
        "Executive summary",
        "Section scores",
        *(f"{s['number']}. {s['title']}" for s in context["sections"]),
        "Appendix A: audit trail",
        "Appendix B: scoring method",
    ]
    entries = pages[contents - 1]
    for title in titles:
        page = _first_page_after(pages, contents, title)
        # Title and number read together, in that order, as a reader copying the line gets them.
        assert f"{title} {page}" in entries
    assert len({_first_page_after(pages, contents, t) for t in titles}) > 3


def test_the_vendor_copy_lists_its_sections_with_their_pages(org):
    evaluation = build_evaluation(org, extra_questions=60)
    context = vendor_answers_context(evaluation)
    pages = _pages(render_pdf(render_report_html("vendor_answers", context)))
    contents = next(number for number, lines in enumerate(pages, 1) if "Contents" in lines)
    for section in context["sections"]:
        title = f"{section['number']}. {section['title']}"
        assert f"{title} {_first_page_after(pages, contents, title)}" in pages[contents - 1]


def test_every_table_in_every_pdf_has_fixed_columns(org):
    # With automatic layout WeasyPrint measures every cell letter by letter: a comparison of two
    # full evaluations took over a minute that way.
    first = build_evaluation(org, files=3)
    second = build_evaluation(org, vendor_name="Beta Predict")
    documents = {
        "due_diligence": due_diligence_context(first),
        "vendor_answers": vendor_answers_context(first),
        "comparison": comparison_context([first, second]),
    }
    for kind, context in documents.items():
        tables = laid_out_tables(layout_pdf(render_report_html(kind, context)))
        assert tables, kind
        assert {table.style["table_layout"] for table in tables} == {"fixed"}, kind


def test_the_evidence_table_gives_the_hash_the_widest_column(evaluation):
    document = layout_pdf(render_report_html("due_diligence", due_diligence_context(evaluation)))
    evidence = next(t for t in laid_out_tables(document) if "evidence" in (t.element.get("class") or ""))
    _name, size, uploaded, sha256 = evidence.column_widths
    assert sha256 > uploaded > size
    assert sum(evidence.column_widths) <= evidence.width + 0.01


def test_a_report_embeds_only_the_regular_and_bold_faces(evaluation):
    # Each further face (italic, monospace) is one more font file parsed and subset on every render.
    pdf = render_pdf(render_report_html("due_diligence", due_diligence_context(evaluation)))
    reader = PdfReader(io.BytesIO(pdf))
    faces = {
        font.get_object()["/BaseFont"].split("+", 1)[-1]
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert faces == {"DejaVu-Sans", "DejaVu-Sans-Bold"}
