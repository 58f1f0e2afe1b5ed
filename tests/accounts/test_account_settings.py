"""A person's own notification settings."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User


def test_the_settings_page_shows_the_current_choice(reviewer_client, reviewer):
    response = reviewer_client.get(reverse("account_settings"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="immediate"' in body
    assert response.context["form"].initial == {"email_notifications": "immediate"}


def test_choosing_the_daily_digest_is_saved(reviewer_client, reviewer):
    response = reviewer_client.post(reverse("account_settings"), {"email_notifications": "daily_digest"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_settings")
    reviewer.refresh_from_db()
    assert reviewer.email_notifications == User.EmailNotifications.DAILY_DIGEST
    page = reviewer_client.get(response["Location"]).content.decode()
    assert "Your notification settings are saved." in page


def test_an_unknown_choice_is_refused_next_to_the_field(reviewer_client, reviewer):
    response = reviewer_client.post(reverse("account_settings"), {"email_notifications": "hourly"})

    assert response.status_code == 200
    assert response.context["form"].errors["email_notifications"] == [
        "Select a valid choice. hourly is not one of the available choices."
    ]
    reviewer.refresh_from_db()
    assert reviewer.email_notifications == User.EmailNotifications.IMMEDIATE


def test_the_user_menu_links_to_the_settings(reviewer_client):
    body = reviewer_client.get(reverse("dashboard")).content.decode()

    assert f'href="{reverse("account_settings")}">Notification settings</a>' in body
    assert f'href="{reverse("my_tasks")}">My tasks</a>' in body


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.post(reverse("account_settings"), {"email_notifications": "off"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
