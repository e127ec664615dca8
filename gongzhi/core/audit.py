"""The personal-data access log: record every full view and export, verify the chain."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError
from .models import AccessLogEntry, AccessLogHead

GENESIS = "0" * 64


def clean_purpose(purpose: str | None) -> str:
    text = (purpose or "").strip()
    if len(text) < 2:
        raise ApplicationError(
            "purpose_required", _("请说明查看或导出的用途（至少2个字）。"), field="purpose"
        )
    if len(text) > 200:
        raise ApplicationError("purpose_too_long", _("用途说明不能超过200个字。"), field="purpose")
    return text


@transaction.atomic
def access_log_record(
    *,
    user,
    action: str,
    object_type: str,
    purpose: str,
    object_id: str = "",
    community_code: str = "",
    fields: list[str] | None = None,
    count: int = 1,
) -> AccessLogEntry:
    """Append one entry, chained to the previous one. The head row is locked so that
    concurrent writers queue rather than fork the chain."""
    purpose = clean_purpose(purpose)
    head, _created = AccessLogHead.objects.get_or_create(id=1)
    head = AccessLogHead.objects.select_for_update().get(id=1)
    entry = AccessLogEntry(
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        community_code=community_code or "",
        fields=sorted(fields or []),
        count=count,
        purpose=purpose,
        prev_hash=head.last_hash,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    AccessLogHead.objects.filter(id=1).update(last_hash=entry.hash, entries=head.entries + 1)
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def access_log_verify() -> VerifyResult:
    """Walk the chain in order; name the first entry whose content or link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = None
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, entry.id, "link")
        if entry.compute_hash() != entry.hash:
            return VerifyResult(False, checked, entry.id, "content")
        prev = entry.hash
        checked += 1
        last_id = entry.id
    head = AccessLogHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.entries != checked):
        return VerifyResult(False, checked, last_id, "truncated")
    return VerifyResult(True, checked)
