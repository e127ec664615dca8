"""The field-encryption key: from the environment, or (locally) a file made on first use."""

from __future__ import annotations

import base64
import os
from pathlib import Path


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def load_or_create_key_file(path: Path) -> str:
    path = Path(path)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


def audit_key() -> bytes:
    """The secret that keys the access-log chain and signs its checkpoints (32 bytes).

    GONGZHI_AUDIT_KEY when it is set (any string of at least 32 characters, e.g. from
    `new_key()`); otherwise derived from GONGZHI_FIELD_KEY with HKDF for this purpose only.
    Either way it lives outside the database, so whoever can write the database cannot
    forge entries or checkpoints."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from . import pii

    own = getattr(settings, "GONGZHI_AUDIT_KEY", "") or ""
    if own:
        if len(own) < 32:
            raise ImproperlyConfigured("GONGZHI_AUDIT_KEY must be at least 32 characters")
        return _audit_from_own(own)
    return pii._derived(pii._master(), b"access-log")


def _audit_from_own(own: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gongzhi", info=b"access-log").derive(
        own.encode()
    )


def audit_key_id(key: bytes | None = None) -> str:
    """A short fingerprint of the audit key, written into each checkpoint, so that verifying
    with another key is named as such rather than as tampering."""
    import hashlib
    import hmac

    return hmac.new(key or audit_key(), b"gongzhi-audit-key-id", hashlib.sha256).hexdigest()[:16]
