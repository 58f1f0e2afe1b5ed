"""Small published questionnaires and files for the browser stories."""

from __future__ import annotations

import re

from django.utils import timezone

from questionnaires.models import Template
from tests.factories import QuestionFactory, SectionFactory, TemplateFactory

PRODUCT_SECTION = "Product and data"
EVIDENCE_SECTION = "Evidence"

BAA_CHOICES = {
    "choices": [
        {"value": "customer_baa", "label": "We sign the customer's BAA"},
        {"value": "vendor_baa", "label": "We offer our own BAA"},
        {"value": "will_not_sign", "label": "We will not sign a BAA"},
    ]
}


def build_compact_template(*, organization) -> Template:
    """Two sections: a yes/no that shows a conditional question, text, a number, a table and a file."""
    template = TemplateFactory(
        organization=organization,
        status=Template.Status.PUBLISHED,
        published_at=timezone.now(),
        slug="compact-due-diligence",
        name="Compact due diligence",
        description="A short questionnaire for the browser tests.",
        risk_thresholds={"low": 80, "moderate": 60, "high": 40},
    )
    first = SectionFactory(template=template, key="product", title=PRODUCT_SECTION, order=0, weight="1.00")
    second = SectionFactory(template=template, key="evidence", title=EVIDENCE_SECTION, order=1, weight="1.00")
    specs = [
        (
            first,
            "use.intended_use",
            "long_text",
            "Describe the intended use of the product.",
            {},
            None,
            {"min_length": 10},
        ),
        (first, "use.processes_phi", "yes_no", "Does the product process our patients' PHI?", {}, None, None),
        (
            first,
            "baa.will_sign",
            "single_choice",
            "Will you sign a business associate agreement?",
            BAA_CHOICES,
            {"question": "use.processes_phi", "operator": "equals", "value": "yes"},
            {
                "points": {"customer_baa": 100, "vendor_baa": 70, "will_not_sign": 0},
                "critical": {
                    "operator": "equals",
                    "value": "will_not_sign",
                    "reason": "A vendor handling PHI must sign a BAA.",
                    "cap_tier": "critical",
                },
            },
        ),
        (
            first,
            "baa.breach_notice_days",
            "number",
            "How many days after discovery do you notify a breach?",
            {"unit": "days", "min": 0, "max": 365},
            None,
            {"bands": [{"min": None, "max": 30, "points": 100}, {"min": 31, "max": None, "points": 20}]},
        ),
        (
            second,
            "bias.subgroup_table",
            "table",
            "Performance by subgroup",
            {
                "columns": [
                    {"key": "subgroup", "label": "Subgroup", "type": "text"},
                    {"key": "n", "label": "Patients", "type": "number"},
                ]
            },
            None,
            {"min_rows": 1, "require_all_rows": False},
        ),
        (
            second,
            "security.soc2_type2",
            "file",
            "Attach your latest SOC 2 Type II report.",
            {},
            None,
            {"require_unexpired": False, "max_age_days": None},
        ),
    ]
    for order, (section, key, qtype, prompt, options, condition, scoring) in enumerate(specs):
        QuestionFactory(
            section=section,
            key=key,
            type=qtype,
            order=order,
            prompt=prompt,
            help_text="Answer for the product version under evaluation.",
            guidance=f"Reviewer guidance for {key}.",
            is_required=True,
            weight="1.00",
            options=options,
            condition=condition,
            scoring=scoring,
            references=[{"citation": "45 CFR 164.504(e)", "url": "https://www.ecfr.gov/", "standing": "law"}],
            requires_evidence=qtype == "file",
        )
    return template


def minimal_pdf(text: str = "SOC 2 Type II report") -> bytes:
    """A small valid one-page PDF, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def invite_path(body: str) -> str:
    """The portal path of the link in an invite e-mail (the site URL differs from the live server's)."""
    match = re.search(r"https?://[^/\s]+(/v/[^\s/]+/)", body)
    assert match, f"No invite link in the e-mail:\n{body}"
    return match.group(1)


def build_small_template(*, organization) -> Template:
    """One section: text, yes/no, single choice, number and a table, all required."""
    template = TemplateFactory(
        organization=organization,
        status=Template.Status.PUBLISHED,
        published_at=timezone.now(),
        slug="small-questionnaire",
        name="Small questionnaire",
    )
    section = SectionFactory(template=template, key="basics", title="Basics", order=0)
    specs = [
        ("basics.name", "short_text", "Name of the product as marketed", {}),
        ("basics.phi", "yes_no", "Does the product process PHI?", {}),
        ("basics.baa", "single_choice", "Who provides the BAA?", BAA_CHOICES),
        ("basics.notice_days", "number", "Breach notice period", {"unit": "days", "min": 0, "max": 365}),
        (
            "basics.subgroups",
            "table",
            "Performance by subgroup",
            {
                "columns": [
                    {"key": "subgroup", "label": "Subgroup", "type": "text"},
                    {"key": "n", "label": "Patients", "type": "number"},
                ]
            },
        ),
    ]
    for order, (key, qtype, prompt, options) in enumerate(specs):
        QuestionFactory(
            section=section,
            key=key,
            type=qtype,
            order=order,
            prompt=prompt,
            is_required=True,
            options=options,
        )
    return template
