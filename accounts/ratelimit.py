"""Fixed-window rate limits kept in the cache (Redis in production, shared by all web processes).

The limits fail open: while the cache is unreachable every request is let through uncounted and a
warning is logged. A limiter that is down must not take the vendor portal and the API down with it;
the data behind them lives in the database, not in the cache.
"""

from __future__ import annotations

import hashlib
import logging
from functools import wraps
from typing import TYPE_CHECKING, TypeVar

from django.core.cache import cache

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - a deployment without Redis uses another cache
    RedisError = OSError

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)
T = TypeVar("T")

# What a cache back-end raises when its server is away (refused, reset, timed out).
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)


def log_cache_unavailable(what: str, exc: BaseException) -> None:
    logger.warning("Rate limit cache unavailable; %s goes on without it: %s", what, exc)


def fail_open(default: T) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Runs a cache-backed check, answering `default` (and logging) when the cache is unreachable."""

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        @wraps(function)
        def wrapped(*args, **kwargs) -> T:
            try:
                return function(*args, **kwargs)
            except CACHE_ERRORS as exc:
                log_cache_unavailable(function.__name__, exc)
                return default

        return wrapped

    return decorate


def _key(scope: str, identity: str, window: int) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{window}:{digest}"


@fail_open(False)
def is_limited(*, scope: str, identity: str, limit: int, window: int) -> bool:
    """True once `identity` has been counted more than `limit` times in the current window."""
    return (cache.get(_key(scope, identity, window)) or 0) >= limit


@fail_open(0)
def count(*, scope: str, identity: str, window: int) -> int:
    """Counts one event for `identity`; returns the count in the current window (0: not counted)."""
    key = _key(scope, identity, window)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1
