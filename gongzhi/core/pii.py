"""Personal data protection: encryption at rest, keyed hashes for lookup, masking.

Identity numbers and phones are stored as AES-GCM ciphertext (random nonce) and as an
HMAC-SHA256 keyed hash, so that equal values can be found and matched without being
readable. Both keys derive from GONGZHI_FIELD_KEY with HKDF, each for its own purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = "v1:"


@lru_cache(maxsize=4)
def _derived(master: str, purpose: bytes) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(master)
    except Exception as exc:  # pragma: no cover - configuration error
        raise ImproperlyConfigured("GONGZHI_FIELD_KEY must be urlsafe base64 of 32 bytes") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("GONGZHI_FIELD_KEY must be urlsafe base64 of 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gongzhi", info=purpose).derive(raw)


def _master() -> str:
    key = settings.GONGZHI_FIELD_KEY
    if not key:
        raise ImproperlyConfigured("GONGZHI_FIELD_KEY is not set")
    return key


@lru_cache(maxsize=4)
def _aead(master: str) -> AESGCM:
    return AESGCM(_derived(master, b"field-encryption"))


def encrypt(value: str | None) -> str:
    if not value:
        return ""
    nonce = os.urandom(12)
    blob = nonce + _aead(_master()).encrypt(nonce, value.encode(), None)
    return _VERSION + base64.urlsafe_b64encode(blob).decode()


def decrypt(token: str | None) -> str:
    if not token:
        return ""
    if not token.startswith(_VERSION):
        raise ValueError("unknown ciphertext version")
    blob = base64.urlsafe_b64decode(token[len(_VERSION) :])
    return _aead(_master()).decrypt(blob[:12], blob[12:], None).decode()


def keyed_hash(value: str | None, *, purpose: str = "lookup") -> str:
    """A stable keyed hash (hex) of a normalised value; empty for no value."""
    if not value:
        return ""
    key = _derived(_master(), b"hash-" + purpose.encode())
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str | None) -> str:
    """3501**********001X: region prefix and the last four stay, the birth date is hidden."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def birth_year(birth) -> int | None:
    """What a masked surface shows of a birth date: the year only.

    Beside a masked identity number (`3501**********001X`), a full birth date leaves one
    candidate number for most people (county code x 1 date x 1/11 check character), and a
    year and month leaves about three. The year leaves about 365/11 = 33 candidates even when
    the county is known. An age in whole years would leave as many, but it changes on the
    birthday, so a page read day after day would give the date away; a year does not."""
    return birth.year if birth else None


def age_this_year(birth, today=None) -> int | None:
    """The age a person reaches this calendar year (this year - birth year): the age shown
    beside a masked identity number. Unlike the age on the day it never changes on the
    birthday, so watching it reveals nothing more than the birth year."""
    if not birth:
        return None
    from django.utils import timezone

    return (today or timezone.localdate()).year - birth.year


# Three-digit area codes (北京 010, 上海 021, …); every other area code has four digits (0591).
_SHORT_AREA_CODES = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029")


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; 0591-****5678 for landlines (the area code and the last four
    stay, as on a hotline ticket); any other number keeps its last four."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area = digits[:3] if digits.startswith(_SHORT_AREA_CODES) else digits[:4]
        return f"{area}-****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "****" + digits[-4:]


def mask_name(value: str | None) -> str:
    """林*华: the first and last characters stay (林* for two), the rest is hidden."""
    value = (value or "").strip()
    if len(value) <= 1:
        return "*" if value else ""
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


class EncryptedIdentityMixin:
    """`id_number` and `phone` of a model that stores them as `id_number_encrypted` and
    `phone_encrypted`: decrypted only through these properties, masked by default."""

    id_number_encrypted: str
    phone_encrypted: str

    @property
    def id_number(self) -> str:
        return decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return decrypt(self.phone_encrypted)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number) if self.id_number_encrypted else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone_encrypted else ""
