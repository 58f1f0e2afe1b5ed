"""Encryption at rest of secrets the application must read back (identity providers' client secrets).

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`. The key is derived from
SSO_ENCRYPTION_KEY, or from SECRET_KEY when that is unset, so no deployment needs a second default
secret; setting SSO_ENCRYPTION_KEY lets SECRET_KEY rotate without losing the stored secrets.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_PURPOSE = b"clinical-ai-due-diligence/identity-provider-client-secret/v1:"


def _fernet() -> Fernet:
    material = (settings.SSO_ENCRYPTION_KEY or settings.SECRET_KEY).encode("utf-8")
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(_PURPOSE + material).digest()))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str | None:
    """The plaintext, or None when the key changed since it was stored (or the value was altered)."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None
