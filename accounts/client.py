"""What a request says about its client: its address and user agent."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address: throttles, lockouts and audit rows all key on it.

    Behind TRUSTED_PROXY_COUNT proxies, each appends the address it received the request from to
    X-Forwarded-For, so the Nth entry from the right is the one the outermost trusted proxy saw.
    Entries further left are whatever the client chose to send and are never believed. A header
    too short or malformed for the configured count means the request bypassed the proxies:
    REMOTE_ADDR is then the only address known to be true.
    """
    if request is None:
        return None
    remote_addr = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies or not forwarded[-proxies]:
        return remote_addr
    return _valid_ip(forwarded[-proxies]) or remote_addr


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:400]
