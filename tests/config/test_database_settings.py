"""The embedded SQLite default is set up for concurrent writers; a PostgreSQL URL is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_DATABASE = (
    "import json; from config.settings import base; "
    "print(json.dumps(base.DATABASES['default'].get('OPTIONS', {})))"
)


def _options(database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASE],
        env=env,
        cwd=str(settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_sqlite_default_waits_for_the_write_lock_and_uses_wal():
    assert _options(None) == {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }


def test_postgresql_gets_no_sqlite_options():
    assert _options("postgres://app@db.internal:5432/app") == {}
