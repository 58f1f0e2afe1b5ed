"""Invite links point at the configured site address, or at the port the development server uses."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

PRINT_LINK = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.local'; django.setup(); "
    "from procurement.services.invites import invite_link; print(invite_link('TOKEN'))"
)


def _link(**env_vars: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DEV_SERVER_ADDRESS")}
    env.update(env_vars)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_LINK],
        env=env,
        cwd=str(settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_links_default_to_the_development_servers_default_address():
    assert _link() == "http://127.0.0.1:8000/v/TOKEN/"


def test_links_follow_the_address_the_development_server_runs_on():
    assert _link(DEV_SERVER_ADDRESS="127.0.0.1:8123") == "http://127.0.0.1:8123/v/TOKEN/"


def test_a_configured_site_address_wins():
    link = _link(SITE_URL="https://dd.hospital.example/", DEV_SERVER_ADDRESS="127.0.0.1:8123")
    assert link == "https://dd.hospital.example/v/TOKEN/"


def test_make_run_serves_and_seeds_on_the_address_it_is_given():
    result = subprocess.run(
        ["make", "-n", "run", "demo", "ADDRESS=127.0.0.1:8123"],
        cwd=str(settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    )
    commands = result.stdout.splitlines()
    assert "DEV_SERVER_ADDRESS=127.0.0.1:8123 .venv/bin/python manage.py runserver 127.0.0.1:8123" in commands
    assert "DEV_SERVER_ADDRESS=127.0.0.1:8123 .venv/bin/python manage.py seed_demo" in commands
