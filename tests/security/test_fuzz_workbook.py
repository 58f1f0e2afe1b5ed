"""Hostile workbooks: random bytes and mutated downloads are refused with a message or read cleanly.

Whatever is uploaded, the import either refuses the file as a whole (nothing written) or reports
each answer; it never fails with another error.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procurement.models import Answer, AuditEvent, Evaluation
from procurement.selectors import vendor_snapshot
from procurement.services.workbook import workbook_import
from procurement.workbook import workbook_build
from tests.factories import EvaluationFactory, InviteFactory, build_every_type_template
from tests.procurement.workbook_filling import fill

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REFUSALS = {"not_xlsx", "empty", "too_large", "zip_bomb", "corrupt", "macros", "foreign", "tampered"}


@pytest.fixture
def invite(org, officer):
    template = build_every_type_template(organization=org)
    evaluation = EvaluationFactory(
        organization=org, owner=officer, template=template, status=Evaluation.Status.SENT
    )
    return InviteFactory(evaluation=evaluation)


@pytest.fixture
def filled(invite):
    return fill(
        workbook_build(vendor_snapshot(invite.evaluation), invite=invite),
        {"basics.yes": "Yes", "basics.short": "A short answer", "basics.number": 12},
        tables={"evidence.table": [["Female", 120], ["Male", 98]]},
    )


def _attempt(invite, content: bytes) -> None:
    refusal = None
    with transaction.atomic():
        try:
            outcome = workbook_import(invite=invite, uploaded_file=io.BytesIO(content), size=len(content))
        except ValidationError as exc:
            refusal = exc
            written = Answer.objects.filter(evaluation=invite.evaluation).exists()
            audited = AuditEvent.objects.filter(kind=AuditEvent.Kind.WORKBOOK_IMPORTED).exists()
        transaction.set_rollback(True)
    if refusal is not None:
        assert refusal.code in REFUSALS, refusal
        assert refusal.messages[0]
        assert not written
        assert not audited
    else:
        assert {r.status for r in outcome.results} <= {"saved", "unchanged", "invalid"}
        assert all(r.message for r in outcome.results if r.status == "invalid")


@FUZZ
@given(content=st.binary(max_size=3000))
def test_random_bytes_are_refused(invite, content):
    _attempt(invite, content)


@FUZZ
@given(data=st.data())
def test_a_download_with_bytes_of_its_parts_changed_is_refused_or_read(invite, filled, data):
    with zipfile.ZipFile(io.BytesIO(filled)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    name = data.draw(st.sampled_from(sorted(n for n in parts if n.endswith(".xml"))))
    part = bytearray(parts[name])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(part) - 1))
        part[position] = data.draw(st.sampled_from(list(b"<>&\"'=/ 0123456789abcxyzE\x00")))
    parts[name] = bytes(part)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part_name, content in parts.items():
            archive.writestr(part_name, content)
    _attempt(invite, buffer.getvalue())


@FUZZ
@given(data=st.data())
def test_a_download_with_raw_bytes_changed_is_refused_or_read(invite, filled, data):
    content = bytearray(filled)
    for _ in range(data.draw(st.integers(1, 4))):
        content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    _attempt(invite, bytes(content))
