"""Edit history: record what changed on a record."""

from __future__ import annotations

from typing import Any

from .models import ChangeRecord


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def change_record(*, obj, by, action: str, changes: dict | None = None, note: str = "") -> ChangeRecord:
    return ChangeRecord.objects.create(
        by=by if by is not None and getattr(by, "is_authenticated", False) else None,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        community_code=getattr(obj, "community_id", "") or "",
        action=action,
        changes=changes or {},
        note=note,
    )


def history_for(obj):
    return ChangeRecord.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("by")
