"""The demand timeline: every step records an event (who, when, what, from which state to which)."""

from __future__ import annotations

from gongzhi.core import clock

from .models import Demand, DemandEvent, EventKind, HandlingUnit

# Steps the resident does not see on the tracking page (internal supervision).
INTERNAL_KINDS = {EventKind.REMINDED, EventKind.SUPERVISED, EventKind.CLASSIFIED}
# Steps whose note is written for the resident: the channel it came in by and the answer.
# Every other note (dispatch instructions, return and extension reasons, decisions, call-back
# records, reopening and closing notes) is internal, even when the step itself is public.
PUBLIC_NOTE_KINDS = {EventKind.CREATED, EventKind.REPLIED}


def demand_event_record(
    *,
    demand: Demand,
    kind: str,
    by=None,
    from_state: str = "",
    to_state: str = "",
    unit: HandlingUnit | None = None,
    note: str = "",
    at=None,
) -> DemandEvent:
    public = kind not in INTERNAL_KINDS
    event = DemandEvent.objects.create(
        community_id=demand.community_id,
        demand=demand,
        at=at or clock.now(),
        by=by if by is not None and getattr(by, "is_authenticated", False) else None,
        kind=kind,
        from_state=from_state,
        to_state=to_state or from_state,
        unit=unit if unit is not None else demand.unit,
        note=note,
        public=public,
        note_public=public and kind in PUBLIC_NOTE_KINDS,
    )
    from .notifications import notify_event

    notify_event(event)
    return event
