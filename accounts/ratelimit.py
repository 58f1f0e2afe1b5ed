"""Fixed-window rate limits kept in the cache (Redis in production, shared by all web processes)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, identity: str, window: int) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{window}:{digest}"


def is_limited(*, scope: str, identity: str, limit: int, window: int) -> bool:
    """True once `identity` has been counted more than `limit` times in the current window."""
    return (cache.get(_key(scope, identity, window)) or 0) >= limit


def count(*, scope: str, identity: str, window: int) -> int:
    """Counts one event for `identity`; returns the count in the current window."""
    key = _key(scope, identity, window)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1
