"""Handing chosen sections to a colleague: what their link may change, submit, and taking it back."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from procurement.models import AuditEvent, Evaluation, Invite
from procurement.services.answers import answer_save
from procurement.services.invites import invite_delegate, invite_delegation_revoke, invite_resolve
from procurement.services.submission import evaluation_submit
from tests.factories import InviteFactory
from tests.procurement.conftest import answer_post, portal_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(invite, questions):
    """A colleague's link for the evidence section only, with a token the test knows."""
    delegated = invite_delegate(
        invite=invite, name="Sam", email="sam@vendor.example.com", sections=["evidence"], request=None
    )
    # The clear token of a hand-off goes out by e-mail only; give the test a link it can open.
    known = InviteFactory(
        evaluation=invite.evaluation,
        contact=delegated.contact,
        sections=delegated.sections,
        delegated_from=invite,
    )
    delegated.delete()
    return known


def test_the_hand_off_records_the_sections_in_questionnaire_order_and_is_audited(invite):
    delegated = invite_delegate(
        invite=invite,
        name="Sam",
        email="sam@vendor.example.com",
        sections=["evidence", "intended-use", "evidence"],
        request=None,
    )
    assert delegated.sections == ["intended-use", "evidence"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.INVITE_DELEGATED)
    assert event.summary == "Contact handed 2 sections to Sam <sam@vendor.example.com>".replace(
        "Contact", invite.contact.name
    )
    assert event.data["sections"] == ["intended-use", "evidence"]


def test_a_section_that_does_not_exist_is_refused(invite):
    with pytest.raises(ValidationError) as caught:
        invite_delegate(
            invite=invite, name="Sam", email="sam@vendor.example.com", sections=["x"], request=None
        )
    assert caught.value.message_dict == {"sections": ["Choose among the sections you can answer yourself."]}
    assert not Invite.objects.filter(delegated_from=invite).exists()


def test_a_limited_link_hands_over_only_its_own_sections(colleague):
    with pytest.raises(ValidationError):
        invite_delegate(
            invite=colleague,
            name="Kim",
            email="kim@vendor.example.com",
            sections=["intended-use"],
            request=None,
        )
    passed_on = invite_delegate(invite=colleague, name="Kim", email="kim@vendor.example.com", request=None)
    assert passed_on.sections == ["evidence"]


def test_the_colleague_changes_only_the_handed_sections(colleague, questions, client):
    evaluation = colleague.evaluation
    answer_save(
        evaluation=evaluation,
        question=questions.site,
        value="https://vendor.example.com",
        expected_version=0,
        contact=colleague.contact,
        invite=colleague,
    )
    with pytest.raises(ValidationError) as caught:
        answer_save(
            evaluation=evaluation,
            question=questions.phi,
            value="yes",
            expected_version=0,
            contact=colleague.contact,
            invite=colleague,
        )
    assert caught.value.code == "not_delegated"
    # Through the portal: the answer is refused with the reason beside the question.
    response = client.post(
        portal_url(colleague, f"q/{questions.phi.key}/"), answer_post(questions.phi, "yes")
    )
    assert "answered by your colleague" in response.content.decode()
    assert set(evaluation.answers.values_list("question__key", flat=True)) == {"security.site"}


def test_the_colleagues_page_says_what_they_may_change_and_offers_no_submit(colleague, questions, client):
    page = client.get(portal_url(colleague)).content.decode()
    assert "A colleague handed you these sections: Evidence." in page
    first = client.get(portal_url(colleague) + "?section=intended-use").content.decode()
    assert "Save this section" not in first
    evidence = client.get(portal_url(colleague) + "?section=evidence").content.decode()
    assert "Save this section" in evidence
    with pytest.raises(ValidationError) as caught:
        evaluation_submit(evaluation=colleague.evaluation, contact=colleague.contact, invite=colleague)
    assert caught.value.code == "not_delegated"
    client.post(portal_url(colleague, "submit/"))
    colleague.evaluation.refresh_from_db()
    assert colleague.evaluation.status == Evaluation.Status.SENT


def test_the_delegating_contact_takes_the_link_back(colleague, invite, client):
    page = client.get(portal_url(invite, "delegate/")).content.decode()
    assert "sections: Evidence" in page
    response = client.post(portal_url(invite, f"delegate/{colleague.public_id}/revoke/"), follow=True)
    assert "Sam&#x27;s link no longer works." in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.revoked_at is not None
    assert invite_resolve(colleague.token, request=None) is None
    assert (
        AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITE_REVOKED, actor_contact=invite.contact).count()
        == 1
    )


def test_nobody_else_can_take_a_hand_off_back(colleague, invite, client):
    other = InviteFactory(evaluation=invite.evaluation)
    response = client.post(portal_url(other, f"delegate/{colleague.public_id}/revoke/"))
    assert response.status_code == 404
    with pytest.raises(ValidationError):
        invite_delegation_revoke(invite=colleague, delegation_id=colleague.public_id, request=None)
    colleague.refresh_from_db()
    assert colleague.revoked_at is None


def test_the_hand_off_form_offers_the_sections_and_saves_the_ticked_ones(invite, questions, client):
    page = client.get(portal_url(invite, "delegate/")).content.decode()
    assert 'value="intended-use"' in page
    assert 'value="evidence"' in page
    client.post(
        portal_url(invite, "delegate/"),
        {"name": "Sam", "email": "sam@vendor.example.com", "sections": ["evidence"]},
    )
    assert Invite.objects.get(delegated_from=invite).sections == ["evidence"]
