from __future__ import annotations

from django.core.cache import cache

from accounts.ratelimit import count, is_limited


def test_an_identity_is_limited_after_the_allowed_number_of_events():
    cache.clear()
    for _ in range(3):
        assert not is_limited(scope="t", identity="10.0.0.1", limit=3, window=60)
        count(scope="t", identity="10.0.0.1", window=60)
    assert is_limited(scope="t", identity="10.0.0.1", limit=3, window=60)
    assert not is_limited(scope="t", identity="10.0.0.2", limit=3, window=60)
    assert not is_limited(scope="other", identity="10.0.0.1", limit=3, window=60)
