"""Events of the registers, lists and bookings: one append-only row per change."""

from __future__ import annotations

from .models import OrganizationEvent


def event_record(kind: str, obj, /, *, by=None, community=None, **data) -> OrganizationEvent:
    if community is None:
        community_id = getattr(obj, "community_id", None)
    else:
        community_id = getattr(community, "code", community)
    return OrganizationEvent.objects.create(
        kind=kind,
        subject=f"{obj._meta.model_name}:{obj.pk}",
        community_id=community_id,
        by=by,
        data=data,
    )
