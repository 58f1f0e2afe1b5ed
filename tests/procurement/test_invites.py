from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from procurement.models import AuditEvent, Evaluation, Invite, InviteUse
from procurement.services.invites import (
    MAIL_PENDING_PREFIX,
    invite_delegate,
    invite_email_deliver,
    invite_is_throttled,
    invite_resend,
    invite_resolve,
    invite_revoke,
    invite_send,
)
from tests.factories import ContactFactory, EvaluationFactory, InviteFactory
from tests.procurement.conftest import portal_url
from vendors.models import Contact

pytestmark = pytest.mark.django_db
S = Evaluation.Status


def _token_from_mail(message) -> str:
    line = next(x for x in message.body.splitlines() if "/v/" in x)
    return line.strip().rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def draft(org, officer):
    return EvaluationFactory(organization=org, owner=officer, status=S.DRAFT)


@pytest.fixture
def contact(draft):
    return ContactFactory(vendor=draft.product.vendor, organization=draft.organization)


def test_invite_send_emails_a_personal_link_with_text_and_html(
    draft, contact, officer, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://dd.example.org"
    settings.INVITE_EXPIRY_DAYS = 10
    with django_capture_on_commit_callbacks(execute=True):
        (invite,) = invite_send(evaluation=draft, contacts=[contact], invited_by=officer, message="Hello")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contact.email]
    token = _token_from_mail(message)
    assert f"https://dd.example.org/v/{token}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f"https://dd.example.org/v/{token}/" in html
    # 32 random bytes -> 43 url-safe characters, 256 bits.
    assert len(token) >= 43
    invite.refresh_from_db()
    assert invite.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invite.objects.filter(pk=invite.pk).values().first())
    assert timedelta(days=9, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=10)
    draft.refresh_from_db()
    assert draft.status == S.SENT
    event = AuditEvent.objects.get(evaluation=draft, kind=AuditEvent.Kind.INVITE_SENT)
    assert token not in str(event.data)
    assert token not in event.summary
    assert event.data == {"invite": str(invite.public_id), "contact": contact.email}


def test_tokens_differ_for_every_invite(draft, officer):
    contacts = ContactFactory.create_batch(3, vendor=draft.product.vendor, organization=draft.organization)
    invites = invite_send(evaluation=draft, contacts=contacts, invited_by=officer)
    assert len({i.token_hash for i in invites}) == 3


def test_invite_send_refuses_contacts_of_another_vendor(draft, officer):
    stranger = ContactFactory(organization=draft.organization)
    with pytest.raises(Exception, match="Only contacts of the evaluated product's vendor"):
        invite_send(evaluation=draft, contacts=[stranger], invited_by=officer)
    assert not Invite.objects.exists()
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_invite_send_refuses_a_closed_evaluation(org, officer):
    evaluation = EvaluationFactory(organization=org, status=S.DECIDED)
    contact = ContactFactory(vendor=evaluation.product.vendor, organization=org)
    with pytest.raises(Exception, match="cannot be sent"):
        invite_send(evaluation=evaluation, contacts=[contact], invited_by=officer)


def test_resend_issues_a_new_token_and_the_old_one_stops_working(
    invite, officer, client, django_capture_on_commit_callbacks
):
    old_token = invite.token
    with django_capture_on_commit_callbacks(execute=True):
        invite_resend(invite=invite, user=officer)
    new_token = _token_from_mail(mail.outbox[-1])
    assert new_token != old_token
    assert client.get(f"/v/{old_token}/").status_code == 404
    assert client.get(f"/v/{new_token}/").status_code == 200


def test_a_queued_email_of_a_superseded_send_is_not_sent(invite, officer):
    from procurement.tasks import invite_email_send

    first_send = invite_resend(invite=invite, user=officer).last_sent_at.isoformat()
    invite_resend(invite=invite, user=officer)
    assert invite_email_send(invite.pk, first_send) is False
    assert mail.outbox == []


def test_a_duplicate_email_task_sends_nothing_more(invite, officer, django_capture_on_commit_callbacks):
    from procurement.tasks import invite_email_send

    with django_capture_on_commit_callbacks(execute=True):
        invite_resend(invite=invite, user=officer)
    invite.refresh_from_db()
    assert invite_email_send(invite.pk, invite.last_sent_at.isoformat()) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_voids_its_link_and_the_retry_mails_a_new_one_that_works(
    invite, officer, client, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    from procurement.tasks import invite_email_send

    sent_at = invite_resend(invite=invite, user=officer).last_sent_at.isoformat()
    real_send = EmailMultiAlternatives.send
    attempts = []

    def send_then_fail_once(message, *args, **kwargs):
        # The mail server accepted the message, then the connection broke before it said so.
        result = real_send(message, *args, **kwargs)
        attempts.append(message)
        if len(attempts) == 1:
            raise ConnectionResetError("connection reset by the mail server")
        return result

    monkeypatch.setattr(EmailMultiAlternatives, "send", send_then_fail_once)
    with pytest.raises(ConnectionResetError):
        invite_email_deliver(invite_id=invite.pk, sent_at=sent_at)
    invite.refresh_from_db()
    assert invite.token_hash.startswith(MAIL_PENDING_PREFIX)
    assert invite_email_send(invite.pk, sent_at) is True  # the retry
    first, second = (_token_from_mail(m) for m in mail.outbox)
    assert first != second
    assert client.get(f"/v/{first}/").status_code == 404
    assert client.get(f"/v/{second}/").status_code == 200


def test_a_revoked_invite_gets_no_email_from_a_queued_task(invite, officer):
    from procurement.tasks import invite_email_send

    invite_resend(invite=invite, user=officer)
    invite.refresh_from_db()
    invite_revoke(invite=invite, user=officer)
    assert invite_email_send(invite.pk, invite.last_sent_at.isoformat()) is False
    assert mail.outbox == []


def test_revoked_expired_and_unknown_links_get_the_same_404_page(invite, evaluation, client, officer, caplog):
    revoked = InviteFactory(evaluation=evaluation)
    invite_revoke(invite=revoked, user=officer)
    expired = InviteFactory(evaluation=evaluation, expires_at=timezone.now() - timedelta(minutes=1))
    with caplog.at_level(logging.DEBUG):
        pages = [client.get(f"/v/{t}/") for t in (revoked.token, expired.token, "x" * 43)]
    assert {p.status_code for p in pages} == {404}
    # The pages differ only by their per-request CSRF token.
    bodies = {re.sub(r'"X-CSRFToken": "[^"]*"', "", p.content.decode()) for p in pages}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "ask them to send you a new link" in body
    assert "Traceback" not in body
    assert not any(t in caplog.text for t in (revoked.token, expired.token))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITE_REVOKED, evaluation=evaluation).count() == 1


def test_an_archived_evaluation_closes_its_links(invite, evaluation, client):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=S.ARCHIVED)
    assert client.get(portal_url(invite)).status_code == 404


def test_every_use_is_counted_on_one_row_per_hour_and_audited_at_most_hourly(invite, client):
    client.get(portal_url(invite), HTTP_USER_AGENT="Browser/1.0", REMOTE_ADDR="203.0.113.9")
    client.get(portal_url(invite, "review/"), HTTP_USER_AGENT="Browser/1.0", REMOTE_ADDR="203.0.113.9")
    use = InviteUse.objects.get(invite=invite)
    assert (use.ip_address, use.user_agent, use.path) == ("203.0.113.9", "Browser/1.0", "/v/<token>/")
    # The second view wrote nothing: its use is counted in the cache until the next write.
    assert use.use_count == 1
    cache.delete(f"invite-use-written:{invite.pk}:203.0.113.9")  # the write interval has passed
    client.get(portal_url(invite, "review/"), HTTP_USER_AGENT="Browser/1.0", REMOTE_ADDR="203.0.113.9")
    use.refresh_from_db()
    assert use.use_count == 3
    assert invite.token not in use.path
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.INVITE_USED, evaluation=invite.evaluation)
    assert events.count() == 1
    assert invite.token not in str(events.get().data)
    invite.refresh_from_db()
    assert invite.last_used_at == use.last_used_at


def test_another_address_gets_its_own_row(invite, client):
    client.get(portal_url(invite), REMOTE_ADDR="203.0.113.9")
    client.get(portal_url(invite), REMOTE_ADDR="198.51.100.4")
    rows = InviteUse.objects.filter(invite=invite).order_by("used_at")
    assert [(u.ip_address, u.use_count) for u in rows] == [("203.0.113.9", 1), ("198.51.100.4", 1)]


def test_a_page_view_within_the_minute_writes_nothing(invite, client):
    from django.db import connection

    client.get(portal_url(invite))
    statements: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, *args, seen=statements: seen.append(sql) or execute(sql, *args)
    ):
        assert client.get(portal_url(invite)).status_code == 200
    writes = [s for s in statements if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


def test_without_the_cache_every_use_is_written_at_once(invite, client, monkeypatch, caplog):
    from procurement.services import invites

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("cache down")

    monkeypatch.setattr(invites.cache, "add", unreachable)
    client.get(portal_url(invite))
    client.get(portal_url(invite))
    assert InviteUse.objects.get(invite=invite).use_count == 2
    assert "Rate limit cache unavailable; invite use counting" in caplog.text


def test_resolve_rejects_a_token_that_only_resembles_a_valid_one(invite, rf):
    request = rf.get("/v/x/")
    assert invite_resolve(invite.token, request=request) == invite
    assert invite_resolve(invite.token[:-1], request=request) is None
    assert invite_resolve(invite.token_hash, request=request) is None


def test_guessing_from_one_address_is_throttled(invite, rf):
    request = rf.get("/v/x/", REMOTE_ADDR="198.51.100.7")
    for i in range(30):
        assert invite_resolve(f"guess-{i}", request=request) is None
    assert invite_is_throttled(request)
    assert not invite_is_throttled(rf.get("/v/x/", REMOTE_ADDR="198.51.100.8"))
    # A real link still opens from that address: it is often one that a whole vendor shares.
    assert invite_resolve(invite.token, request=request) == invite


def test_delegation_creates_a_colleague_and_emails_them(invite, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            portal_url(invite, "delegate/"),
            {"name": "Sam Security", "email": "sam@vendor.example.com", "role": "CISO"},
        )
    assert response.status_code == 302
    colleague = Contact.objects.get(email="sam@vendor.example.com")
    assert colleague.vendor == invite.contact.vendor
    delegated = Invite.objects.get(contact=colleague)
    assert delegated.delegated_from == invite
    assert delegated.evaluation == invite.evaluation
    assert mail.outbox[-1].to == ["sam@vendor.example.com"]
    token = _token_from_mail(mail.outbox[-1])
    assert client.get(f"/v/{token}/").status_code == 200
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.INVITE_DELEGATED)
    assert event.actor_contact == invite.contact


def test_delegation_reuses_an_existing_contact_and_refuses_oneself(invite):
    existing = ContactFactory(
        vendor=invite.contact.vendor, organization=invite.organization, email="a@v.example"
    )
    delegated = invite_delegate(invite=invite, name="Other name", email="A@v.example", role="", request=None)
    assert delegated.contact == existing
    with pytest.raises(Exception, match="your own address"):
        invite_delegate(invite=invite, name="Me", email=invite.contact.email, role="", request=None)
    with pytest.raises(Exception, match="already has a working link"):
        invite_delegate(invite=invite, name="Again", email="a@v.example", role="", request=None)


def test_delegation_form_shows_errors(invite, client):
    response = client.post(portal_url(invite, "delegate/"), {"name": "", "email": "not-an-email"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invite.objects.filter(delegated_from=invite).exists()


# --- officer pages --------------------------------------------------------------------------


def test_officer_invites_contacts_from_the_panel(
    draft, contact, officer_client, django_capture_on_commit_callbacks
):
    url = f"/evaluations/{draft.public_id}/invites/"
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(url, {"contacts": [contact.pk], "message": "Due in May"})
    assert response.status_code == 302
    invite = Invite.objects.get(evaluation=draft)
    assert invite.contact == contact
    assert invite.message == "Due in May"
    assert len(mail.outbox) == 1
    page = officer_client.get(url)
    assert page.status_code == 200
    assert contact.name in page.content.decode()
    assert "Active" in page.content.decode()


def test_the_panel_refuses_a_contact_of_another_vendor(draft, contact, officer_client):
    stranger = ContactFactory(organization=draft.organization)
    response = officer_client.post(f"/evaluations/{draft.public_id}/invites/", {"contacts": [stranger.pk]})
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert not Invite.objects.exists()


def test_the_panel_answers_htmx_with_the_fragment(invite, officer_client):
    response = officer_client.get(
        f"/evaluations/{invite.evaluation.public_id}/invites/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith("<section")


def test_revoke_and_resend_from_the_panel(invite, officer_client):
    base = f"/evaluations/{invite.evaluation.public_id}/invites/{invite.public_id}"
    old_hash = invite.token_hash
    assert officer_client.post(f"{base}/resend/").status_code == 302
    invite.refresh_from_db()
    assert invite.token_hash != old_hash
    assert officer_client.post(f"{base}/revoke/").status_code == 302
    invite.refresh_from_db()
    assert invite.revoked_at is not None


def test_invite_actions_refuse_get(invite, officer_client):
    base = f"/evaluations/{invite.evaluation.public_id}/invites/{invite.public_id}"
    assert officer_client.get(f"{base}/revoke/").status_code == 405
    assert officer_client.get(f"{base}/resend/").status_code == 405


def test_invite_pages_redirect_anonymous_visitors(invite, client):
    response = client.get(f"/evaluations/{invite.evaluation.public_id}/invites/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_invite_pages_are_404_for_another_organization(invite, outsider_client):
    base = f"/evaluations/{invite.evaluation.public_id}/invites/"
    assert outsider_client.get(base).status_code == 404
    assert outsider_client.post(f"{base}{invite.public_id}/revoke/").status_code == 404
    invite.refresh_from_db()
    assert invite.revoked_at is None


def test_reviewers_see_the_panel_but_may_not_invite_or_revoke(invite, reviewer_client):
    base = f"/evaluations/{invite.evaluation.public_id}/invites/"
    page = reviewer_client.get(base)
    assert page.status_code == 200
    assert "Revoke" not in page.content.decode()
    assert reviewer_client.post(base, {"contacts": [invite.contact.pk]}).status_code == 403
    assert reviewer_client.post(f"{base}{invite.public_id}/revoke/").status_code == 403


def _status_part(html: str) -> str:
    start = html.index('id="evaluation-status"')
    return html[start : html.index("</section>", start)]


def test_sending_the_first_invites_shows_the_new_status_at_once_with_htmx(draft, contact, officer_client):
    response = officer_client.post(
        f"/evaluations/{draft.public_id}/invites/", {"contacts": [contact.pk]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="invites-panel"' in html
    status = _status_part(html)
    opening = html[html.index('<section id="evaluation-status"') :].split(">", 1)[0]
    assert 'hx-swap-oob="true"' in opening
    assert "Status: Sent to vendor" in status
    assert "Send to vendor" not in status
    assert "Archive" in status
    page = officer_client.get(f"/evaluations/{draft.public_id}/").content.decode()
    assert "Status: Sent to vendor" in _status_part(page)
    assert "Send to vendor" not in page


def test_sending_the_first_invites_without_htmx_lands_on_the_new_status(draft, contact, officer_client):
    response = officer_client.post(
        f"/evaluations/{draft.public_id}/invites/", {"contacts": [contact.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Sent to vendor" in html
    assert "Draft" not in html
    assert "Send to vendor" not in html
