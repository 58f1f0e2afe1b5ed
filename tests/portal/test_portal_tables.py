"""A half-filled table saves its complete rows and keeps the rest on the page, as typed."""

from __future__ import annotations

import pytest

from procurement.models import Answer
from questionnaires.models import Question
from tests.factories import QuestionFactory
from tests.procurement.conftest import answer_post, portal_url

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def subgroups(questions):
    return QuestionFactory(
        section=questions.second,
        key="bias.subgroups_labelled",
        type=Question.Type.TABLE,
        order=9,
        options={
            "columns": [
                {"key": "subgroup", "label": "Subgroup"},
                {"key": "n", "label": "N", "type": "number"},
            ],
            "row_key": "subgroup",
            "required_rows": ["Female", "Male", "Age 65+"],
        },
    )


def _rows(q, *rows, version=0):
    data = answer_post(q, version=version, **{f"q{q.pk}-rows": str(len(rows))})
    for i, (subgroup, n) in enumerate(rows):
        data[f"q{q.pk}-value-{i}-subgroup"] = subgroup
        data[f"q{q.pk}-value-{i}-n"] = n
    return data


def test_autosave_stores_complete_rows_and_keeps_the_partly_filled_one(invite, subgroups, client):
    data = _rows(subgroups, ("Female", "1200"), ("Male", ""), ("Age 65+", ""), ("Under 18", ""))
    response = client.post(portal_url(invite, f"q/{subgroups.key}/"), data, **HTMX)
    assert response.status_code == 200
    answer = Answer.objects.get(question=subgroups)
    assert answer.value == [{"subgroup": "Female", "n": 1200}]
    body = response.content.decode()
    # The pre-labelled rows do not block the save; the typed row says what it needs.
    assert "Row 4: fill in every column to save this row (missing: N)." in body
    assert "Row 2:" not in body
    assert "Row 3:" not in body
    assert 'value="Under 18"' in body
    assert 'value="1200"' in body
    # The next autosave carries on from the stored version without a conflict.
    data = _rows(
        subgroups,
        ("Female", "1200"),
        ("Male", "950"),
        ("Age 65+", ""),
        ("Under 18", "80"),
        version=answer.version,
    )
    client.post(portal_url(invite, f"q/{subgroups.key}/"), data, **HTMX)
    assert Answer.objects.get(question=subgroups).value == [
        {"subgroup": "Female", "n": 1200},
        {"subgroup": "Male", "n": 950},
        {"subgroup": "Under 18", "n": 80},
    ]


def test_only_prefilled_labels_save_nothing_and_show_no_error(invite, subgroups, client):
    data = _rows(subgroups, ("Female", ""), ("Male", ""), ("Age 65+", ""))
    body = client.post(portal_url(invite, f"q/{subgroups.key}/"), data, **HTMX).content.decode()
    assert "Row " not in body
    assert not Answer.objects.filter(question=subgroups).exclude(value=None).exists()


def test_the_page_keeps_the_labels_of_required_rows_not_yet_answered(invite, subgroups, client):
    client.post(portal_url(invite, f"q/{subgroups.key}/"), _rows(subgroups, ("Male", "950")), **HTMX)
    body = client.get(portal_url(invite) + "?section=evidence").content.decode()
    assert 'value="950"' in body
    assert 'value="Female"' in body
    assert 'value="Age 65+"' in body


def test_section_save_stores_complete_rows_and_shows_the_held_row(invite, subgroups, client):
    data = _rows(subgroups, ("Female", "1200"), ("Male", ""), ("Under 18", ""))
    response = client.post(portal_url(invite, "sections/evidence/"), data)
    assert response.status_code == 200
    assert Answer.objects.get(question=subgroups).value == [{"subgroup": "Female", "n": 1200}]
    body = response.content.decode()
    assert "Row 3: fill in every column to save this row (missing: N)." in body
    assert 'value="Under 18"' in body
