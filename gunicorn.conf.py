"""Gunicorn settings for the web process (Dockerfile, docker-compose.yml, the load benchmark).

    gunicorn -c gunicorn.conf.py config.wsgi:application

Sized from the environment: WEB_CONCURRENCY worker processes with GUNICORN_THREADS threads each,
listening on PORT. FORWARDED_ALLOW_IPS lists the proxies whose X-Forwarded-* headers gunicorn
believes (for the scheme); the client address itself is read by accounts.client.client_ip.
"""

from __future__ import annotations

import gc
import os

from gunicorn.glogging import Logger

from config.log_filters import redact_portal_tokens

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 10
keepalive = 5
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"


class RedactingLogger(Logger):
    """The access log names every URL requested, and /v/<token>/ URLs carry a vendor's credential.

    Every atom (request line, path, query, referer, headers) goes through the same redaction as the
    Django log filter, so the two logs can never disagree about what counts as a token.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact_portal_tokens(v) if isinstance(v, str) else v for key, v in atoms.items()}


logger_class = RedactingLogger


def post_worker_init(worker) -> None:
    """Moves everything loaded at start (Django, the apps, the URLconf) out of the collector's reach.

    Those objects live as long as the worker, yet every full collection walked them all again:
    under load that cost every request a share of its time. Garbage left from start goes first.
    """
    gc.collect()
    gc.freeze()
