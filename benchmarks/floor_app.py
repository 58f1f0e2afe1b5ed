"""The floor the portal's figures are measured against: the least a request can cost on this server.

A bare WSGI application, served by the same gunicorn configuration as the product
(`gunicorn -c gunicorn.conf.py benchmarks.floor_app:application`), with the production settings
and the same database:

- `GET /bytes/<n>` answers n prebuilt bytes (the size of the page it stands for);
- `POST /update?pk=<answer id>` runs one ORM UPDATE of that answer's version, as a save must at least;
- `GET /healthz` answers 200, so the benchmark can wait for it like for the product.

`benchmarks/portal_floor.py` starts it; nothing in the product imports it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django

django.setup()

from django.db.models import F  # noqa: E402

from procurement.models import Answer  # noqa: E402

_bodies: dict[int, bytes] = {}


def _body(size: int) -> bytes:
    if size not in _bodies:
        _bodies[size] = (b"<!doctype html>" + b"x" * size)[:size]
    return _bodies[size]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path.startswith("/bytes/"):
        body = _body(min(int(path.rsplit("/", 1)[1] or 0), 10_000_000))
    elif path == "/update":
        pk = int(parse_qs(environ.get("QUERY_STRING", "")).get("pk", ["0"])[0])
        Answer.objects.filter(pk=pk).update(version=F("version") + 1)
        body = b"ok"
    elif path == "/healthz":
        body = b"ok"
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    start_response(
        "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
