"""Every write to demands: the lifecycle steps. Each validates, checks the state machine and
the permission, changes rows in one transaction (the demand row locked) and records a
DemandEvent. A refused step raises ApplicationError and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.idnumber import normalise_phone
from gongzhi.core.models import Region, RegionLevel
from gongzhi.core.permissions import require
from gongzhi.core.text import clean_text

from . import calendar
from .errors import error
from .events import demand_event_record
from .models import (
    Assignment,
    Category,
    Channel,
    Demand,
    DemandPhoto,
    DemandState,
    EventKind,
    ExtensionRequest,
    HandlingUnit,
    RequestState,
    ResolutionKind,
    ReturnRequest,
    Satisfaction,
    TimeLimitClass,
)
from .rates_rollup import rates_demand_stale, rates_months_stale
from .rules import INTAKE
from .workflow import STEPS, WORKFLOW, check_state

SELF_SERVICE_CHANNELS = {Channel.WEB, Channel.APP, Channel.OPEN311}
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")

# Called with each new demand (the classifier registers one to fill the suggestions).
SUGGESTERS: list[Callable[[Demand], None]] = []


def _text(value, field: str, label, limit: int, *, required_code: str = "", too_long_code: str = "") -> str:
    """One free-text field of a demand, through core.text.clean_text, with the demand's own
    messages for the title and body."""
    try:
        return clean_text(value, field=field, label=label, max_length=limit, required=bool(required_code))
    except ApplicationError as exc:
        if exc.code == "required" and required_code:
            raise error(required_code) from None
        if exc.code == "too_long" and too_long_code:
            raise error(too_long_code) from None
        raise


def _note(text: str) -> str:
    text = (text or "").strip()
    if len(text) > 1000:
        raise error("note_too_long")
    return text


def _lock(demand: Demand) -> Demand:
    """Re-read the demand under a row lock, so that concurrent steps queue up."""
    return (
        Demand.objects.select_for_update(of=("self",)).select_related("unit", "community").get(pk=demand.pk)
    )


def _step(demand: Demand, by, action: str) -> None:
    """Out of view: 404. Then the step's one guard (workflow.py): the state (a clear message),
    the permission, and the step's conditions (windows, pending requests, limits)."""
    if not by.has_perm("demands.view", demand) and not by.has_perm(STEPS[action].perm, demand):
        raise NotFound()
    WORKFLOW.require(action, demand, by, clock.now())


def _save(demand: Demand, *fields: str) -> None:
    demand.save(update_fields=[*fields, "updated_at"])


# --------------------------------------------------------------------------- create


def _clean_photo(f) -> None:
    name = (getattr(f, "name", "") or "").lower()
    if not name.endswith((".jpg", ".jpeg", ".png", ".webp")) or f.size > MAX_PHOTO_BYTES:
        raise error("bad_photo")
    head = f.read(12)
    f.seek(0)
    if not head.startswith(_PHOTO_MAGIC):
        raise error("bad_photo")


@transaction.atomic
def demand_create(
    *,
    by,
    channel: str,
    title: str,
    body: str,
    community: Region | None,
    category: Category | None = None,
    estate=None,
    building=None,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    person=None,
    photos: Iterable = (),
    created_at=None,
    idempotency_key: str | None = None,
    via_open311: bool = False,
) -> Demand:
    """Take in a demand from any channel. Residents (and signed-out callers) use the
    self-service channels; hotline, walk-in and grid-visit intake needs demands.intake.
    The open311 channel is only for the Open311 endpoint (`via_open311=True`).

    With an idempotency key (the API's Idempotency-Key header, a page's one-time form token),
    a repeat by the same account returns the first demand with `replayed = True`; the
    database's unique constraint decides between parallel repeats."""
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise error("bad_idempotency_key")
    if channel not in Channel.values:
        raise error("bad_channel")
    if channel == Channel.OPEN311 and not via_open311:
        raise error("open311_channel")
    # Spaces and zero-width characters alone are no title; over-long text is refused, never cut.
    title = _text(
        title, "title", _("标题"), 100, required_code="title_required", too_long_code="title_too_long"
    )
    body = _text(
        body, "body", _("诉求内容"), 4000, required_code="body_required", too_long_code="body_too_long"
    )
    address = _text(address, "address", _("详细地址"), 200)
    contact_name = _text(contact_name, "contact_name", _("联系人"), 50)
    if building is not None and estate is None:
        estate = building.estate
    if community is None and building is not None:
        community = building.community
    if community is None:
        raise error("community_required")
    if community.level != RegionLevel.COMMUNITY:
        raise error("not_community")
    for place in (estate, building):
        if place is not None and place.community_id != community.code:
            raise error("place_other_community")
    has_point = latitude is not None or longitude is not None
    if has_point and (
        latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise error("bad_location")
    try:  # the one normaliser for phones: ASCII digits only, look-alike digits refused
        contact_phone = normalise_phone(re.sub(r"[()]", "", contact_phone or ""))
    except ApplicationError:
        raise error("bad_phone") from None
    signed_in = by is not None and getattr(by, "is_authenticated", False)
    if channel in SELF_SERVICE_CHANNELS:
        if not signed_in and not contact_phone and channel != Channel.OPEN311:
            raise error("phone_required")
    else:
        require(by, INTAKE, community.code)
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise error("too_many_photos", n=MAX_PHOTOS)
    for f in photos:
        _clean_photo(f)
    creator = by if signed_in else None
    if idempotency_key is not None:
        first = _idempotent_first(creator, idempotency_key, title=title, body=body)
        if first is not None:
            return first

    demand = Demand(
        channel=channel,
        title=title,
        body=body,
        community=community,
        estate=estate,
        building=building,
        address=address,
        latitude=latitude,
        longitude=longitude,
        person=person,
        submitted_by=by if signed_in and channel in SELF_SERVICE_CHANNELS else None,
        created_by=creator,
        created_at=created_at or clock.now(),
        idempotency_key=idempotency_key,
    )
    if signed_in and not contact_name and channel in SELF_SERVICE_CHANNELS:
        contact_name = by.display_name or ""
    demand.set_contact(name=contact_name[:50], phone=contact_phone)
    if category is not None:
        demand.category = category
        demand.time_limit = category.time_limit
    if idempotency_key is None:
        demand.save()
    else:
        try:
            with transaction.atomic():
                demand.save()
        except IntegrityError:
            # A parallel request with the same key committed first (the constraint waited for it).
            first = _idempotent_first(creator, idempotency_key, title=title, body=body)
            if first is None:
                raise
            return first
    demand.replayed = False
    for f in photos:
        DemandPhoto.objects.create(community=community, demand=demand, file=f)
    event = demand_event_record(
        demand=demand,
        kind=EventKind.CREATED,
        by=by,
        to_state=DemandState.SUBMITTED,
        note=str(Channel(channel).label),
        at=demand.created_at,
    )
    # The whole timeline of the new demand, so that a caller can answer without reading it back.
    demand.new_events = [event]  # type: ignore[attr-defined]  # handed to the API on this object only
    for suggest in SUGGESTERS:
        suggest(demand)
    return demand


def _idempotent_first(creator, key: str, *, title: str, body: str) -> Demand | None:
    first = Demand.objects.filter(created_by=creator, idempotency_key=key).first()
    if first is None:
        return None
    if (first.title, first.body) != (title, body):
        raise error("idempotency_key_reused")
    first.replayed = True
    return first


def demand_suggest(
    *,
    demand: Demand,
    category: Category | None,
    unit: HandlingUnit | None,
    score: float | None,
    unit_score: float | None = None,
    prefill_category: bool = False,
    prefill_unit: bool = False,
) -> Demand:
    """Store the classifier's suggestion (no event: it is advice to the dispatcher). It is
    shown with its confidence; the dispatch form is pre-filled with it only when the model's
    calibrated threshold says so (classifier.calibrated_threshold)."""
    values = {
        "suggested_category": category,
        "suggested_unit": unit,
        "suggestion_score": score,
        "suggested_unit_score": unit_score,
        "prefill_category": bool(prefill_category and category is not None),
        "prefill_unit": bool(prefill_unit and unit is not None),
    }
    Demand.objects.filter(pk=demand.pk).update(**values)
    for name, value in values.items():
        setattr(demand, name, value)
    return demand


# --------------------------------------------------------------------------- dispatcher


def _classify(demand: Demand, category: Category, time_limit: str | None) -> None:
    if category.parent_id is None or not category.active:
        raise error("category_not_leaf")
    demand.category = category
    demand.time_limit = time_limit if time_limit in TimeLimitClass.values else category.time_limit


@transaction.atomic
def demand_classify(*, demand: Demand, category: Category, by, time_limit: str | None = None) -> Demand:
    demand = _lock(demand)
    _step(demand, by, "classify")
    _classify(demand, category, time_limit)
    _save(demand, "category", "time_limit")
    demand_event_record(
        demand=demand, kind=EventKind.CLASSIFIED, by=by, from_state=demand.state, note=str(category)
    )
    return demand


def _unit_serves(unit: HandlingUnit, community_code: str) -> bool:
    return community_code.startswith(unit.region_id)


@transaction.atomic
def demand_dispatch(
    *,
    demand: Demand,
    unit: HandlingUnit,
    by,
    note: str = "",
    category: Category | None = None,
    time_limit: str | None = None,
) -> Demand:
    """Send a demand to a unit: the sign-for limit, the return window and the handling
    deadline start now (deadlines in working time, see calendar.py)."""
    demand = _lock(demand)
    _step(demand, by, "dispatch")
    note = _note(note)
    if category is not None:
        _classify(demand, category, time_limit)
    if demand.category_id is None:
        raise error("category_required")
    if not unit.active:
        raise error("unit_inactive")
    if not _unit_serves(unit, demand.community_id):
        raise error("unit_out_of_area")
    now = clock.now()
    limit = demand.time_limit or TimeLimitClass.ORDINARY
    demand.time_limit = limit
    demand.unit = unit
    demand.state = DemandState.DISPATCHED
    demand.dispatched_at = now
    demand.sign_deadline = calendar.sign_deadline(now, limit)
    demand.return_deadline = calendar.return_deadline(now, limit)
    demand.due_at = calendar.due_at(now, limit)
    demand.signed_at = None
    demand.extended = False
    _save(
        demand,
        "category",
        "time_limit",
        "unit",
        "state",
        "dispatched_at",
        "sign_deadline",
        "return_deadline",
        "due_at",
        "signed_at",
        "extended",
    )
    Assignment.objects.create(
        community_id=demand.community_id,
        demand=demand,
        unit=unit,
        dispatched_at=now,
        dispatched_by=by,
        sign_deadline=demand.sign_deadline,
    )
    rates_months_stale([now])  # a new dispatch in the month of `now` (response rate)
    demand_event_record(
        demand=demand,
        kind=EventKind.DISPATCHED,
        by=by,
        from_state=DemandState.SUBMITTED,
        to_state=DemandState.DISPATCHED,
        unit=unit,
        note=note,
        at=now,
    )
    return demand


# --------------------------------------------------------------------------- handling unit


@transaction.atomic
def demand_sign(*, demand: Demand, by) -> Demand:
    """Sign for a dispatched demand. Two handlers at the same moment: exactly one succeeds
    (the row lock queues the second, and the conditional UPDATE refuses it)."""
    demand = _lock(demand)
    if demand.state == DemandState.HANDLING and by.has_perm("demands.handle", demand):
        raise error("already_signed")
    _step(demand, by, "sign")
    now = clock.now()
    updated = Demand.objects.filter(
        pk=demand.pk, state=DemandState.DISPATCHED, unit_id=demand.unit_id
    ).update(state=DemandState.HANDLING, signed_at=now, updated_at=now)
    if updated != 1:
        raise error("already_signed")
    signing = Assignment.objects.filter(
        demand=demand, outcome=Assignment.Outcome.ACTIVE, signed_at__isnull=True
    )
    rates_months_stale(list(signing.values_list("dispatched_at", flat=True)))  # their response
    signing.update(signed_at=now, signed_by=by)
    demand.state, demand.signed_at = DemandState.HANDLING, now
    demand_event_record(
        demand=demand,
        kind=EventKind.SIGNED,
        by=by,
        from_state=DemandState.DISPATCHED,
        to_state=DemandState.HANDLING,
        at=now,
    )
    return demand


@transaction.atomic
def demand_return(
    *, demand: Demand, by, reason: str, suggested_unit: HandlingUnit | None = None
) -> ReturnRequest:
    """Return (退单) a demand as not this unit's business, within the return window after
    dispatch. The unit one level up decides (return_decide)."""
    demand = _lock(demand)
    _step(demand, by, "return")
    reason = _note(reason)
    if not reason:
        raise error("return_reason_required")
    assert demand.unit is not None  # the guard: only a dispatched or handled demand is returned
    now = clock.now()
    request = ReturnRequest.objects.create(
        community_id=demand.community_id,
        demand=demand,
        unit=demand.unit,
        reason=reason,
        suggested_unit=suggested_unit,
        requested_by=by,
        requested_at=now,
        from_state=demand.state,
    )
    from_state = demand.state
    demand.state = DemandState.RETURN_PENDING
    _save(demand, "state")
    demand_event_record(
        demand=demand,
        kind=EventKind.RETURNED,
        by=by,
        from_state=from_state,
        to_state=demand.state,
        note=reason,
        at=now,
    )
    return request


@transaction.atomic
def return_decide(*, demand: Demand, by, accept: bool, note: str = "") -> Demand:
    """Decide a disputed return, one level up: accepted → back to the dispatcher's queue;
    refused → back to the unit, in the state it was in, deadlines unchanged."""
    demand = _lock(demand)
    _step(demand, by, "decide_return")
    note = _note(note)
    request = (
        ReturnRequest.objects.select_for_update().filter(demand=demand, state=RequestState.PENDING).first()
    )
    if request is None:
        raise error("no_pending_return")
    now = clock.now()
    request.state = RequestState.APPROVED if accept else RequestState.REFUSED
    request.decided_by, request.decided_at, request.decision_note = by, now, note
    request.save()
    unit = demand.unit
    if accept:
        Assignment.objects.filter(demand=demand, outcome=Assignment.Outcome.ACTIVE).update(
            outcome=Assignment.Outcome.RETURNED
        )
        demand.state = DemandState.SUBMITTED
        demand.unit = None
        demand.dispatched_at = demand.sign_deadline = demand.return_deadline = demand.due_at = None
        demand.signed_at = None
    else:
        demand.state = request.from_state
    _save(demand, "state", "unit", "dispatched_at", "sign_deadline", "return_deadline", "due_at", "signed_at")
    rates_demand_stale(demand, dispatches=True)
    demand_event_record(
        demand=demand,
        kind=EventKind.RETURN_ACCEPTED if accept else EventKind.RETURN_REFUSED,
        by=by,
        from_state=DemandState.RETURN_PENDING,
        to_state=demand.state,
        unit=unit,
        note=note,
        at=now,
    )
    return demand


@transaction.atomic
def extension_request(*, demand: Demand, by, reason: str, working_days: int) -> ExtensionRequest:
    """Ask for more time, before the deadline only; at most MAX_EXTENSIONS per demand."""
    demand = _lock(demand)
    _step(demand, by, "request_extension")
    reason = _note(reason)
    if not reason:
        raise error("extension_reason_required")
    if not isinstance(working_days, int) or not 1 <= working_days <= 30:
        raise error("extension_days_range")
    assert demand.unit is not None  # the guard: only a demand being handled
    now = clock.now()
    request = ExtensionRequest.objects.create(
        community_id=demand.community_id,
        demand=demand,
        unit=demand.unit,
        reason=reason,
        working_days=working_days,
        requested_by=by,
        requested_at=now,
    )
    demand_event_record(
        demand=demand,
        kind=EventKind.EXTENSION_REQUESTED,
        by=by,
        from_state=demand.state,
        note=f"{working_days}个工作日：{reason}",
        at=now,
    )
    return request


@transaction.atomic
def extension_decide(*, demand: Demand, by, approve: bool, note: str = "") -> ExtensionRequest:
    """Approve (the deadline moves by the working days asked, counted from the current
    deadline) or refuse a pending extension. The request was made before the deadline; the
    decision may come after it."""
    demand = _lock(demand)
    _step(demand, by, "decide_extension")
    note = _note(note)
    request = (
        ExtensionRequest.objects.select_for_update().filter(demand=demand, state=RequestState.PENDING).first()
    )
    if request is None:
        raise error("no_pending_extension")
    now = clock.now()
    request.state = RequestState.APPROVED if approve else RequestState.REFUSED
    request.decided_by, request.decided_at, request.decision_note = by, now, note
    if approve:
        assert demand.due_at is not None  # an extension is asked for before a deadline
        request.new_due_at = calendar.add_working_days(demand.due_at, request.working_days)
        demand.due_at = request.new_due_at
        demand.extended = True
        _save(demand, "due_at", "extended")
    request.save()
    demand_event_record(
        demand=demand,
        kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        by=by,
        from_state=demand.state,
        note=note,
        at=now,
    )
    return request


@transaction.atomic
def demand_remind(*, demand: Demand, by, note: str = "") -> Demand:
    """催办: a nudge before the deadline."""
    demand = _lock(demand)
    _step(demand, by, "remind")
    note = _note(note)
    demand.remind_count += 1
    _save(demand, "remind_count")
    demand_event_record(demand=demand, kind=EventKind.REMINDED, by=by, from_state=demand.state, note=note)
    return demand


@transaction.atomic
def demand_supervise(*, demand: Demand, by, note: str = "") -> Demand:
    """督办: supervision once the deadline has passed."""
    demand = _lock(demand)
    _step(demand, by, "supervise")
    note = _note(note)
    demand.supervise_count += 1
    _save(demand, "supervise_count")
    demand_event_record(demand=demand, kind=EventKind.SUPERVISED, by=by, from_state=demand.state, note=note)
    return demand


@transaction.atomic
def demand_reply(*, demand: Demand, by, reply: str, resolution_kind: str) -> Demand:
    """The unit's answer, with how it was resolved (622: deliberation / social org / referral)."""
    demand = _lock(demand)
    _step(demand, by, "reply")
    reply = (reply or "").strip()
    if not reply:
        raise error("reply_required")
    if len(reply) > 4000:
        raise error("body_too_long")
    if resolution_kind not in ResolutionKind.values:
        raise error("resolution_kind_required")
    now = clock.now()
    demand.reply, demand.resolution_kind, demand.replied_at = reply, resolution_kind, now
    demand.state = DemandState.REPLIED
    _save(demand, "reply", "resolution_kind", "replied_at", "state")
    rates_demand_stale(demand)  # the 622 kind of its closing month, if it was ever closed
    Assignment.objects.filter(demand=demand, outcome=Assignment.Outcome.ACTIVE).update(
        outcome=Assignment.Outcome.DONE
    )
    demand_event_record(
        demand=demand,
        kind=EventKind.REPLIED,
        by=by,
        from_state=DemandState.HANDLING,
        to_state=DemandState.REPLIED,
        note=reply,
        at=now,
    )
    return demand


# --------------------------------------------------------------------------- call-back, rating, closing


def _record_callback(demand: Demand, by, satisfaction: str, resolved, note: str) -> Demand:
    if satisfaction not in Satisfaction.values:
        raise error("satisfaction_required")
    if resolved not in (True, False):
        raise error("resolved_required")
    now = clock.now()
    demand.satisfaction, demand.resolved, demand.called_back_at = satisfaction, resolved, now
    demand.state = DemandState.CALLED_BACK
    _save(demand, "satisfaction", "resolved", "called_back_at", "state")
    rates_demand_stale(demand)  # resolution and satisfaction of its closing month, if any
    label = f"{Satisfaction(satisfaction).label}，{'已解决' if resolved else '未解决'}"
    demand_event_record(
        demand=demand,
        kind=EventKind.CALLED_BACK,
        by=by,
        from_state=DemandState.REPLIED,
        to_state=DemandState.CALLED_BACK,
        note=f"{label}。{note}" if note else label,
        at=now,
    )
    return demand


@transaction.atomic
def demand_callback(
    *, demand: Demand, by, satisfaction: str, resolved: bool | None, note: str = ""
) -> Demand:
    """回访: the operator calls the resident and records the rating."""
    demand = _lock(demand)
    _step(demand, by, "callback")
    return _record_callback(demand, by, satisfaction, resolved, _note(note))


@transaction.atomic
def demand_contact_reveal(*, demand: Demand, by) -> str:
    """The resident's full phone number, to call them: for the call-back (purpose 诉求回访)
    or, while handling, for the current unit (办理诉求). Every reveal is in the access log."""
    from gongzhi.core.audit import access_log_record
    from gongzhi.core.purposes import Purpose

    from .rules import CALLBACK, HANDLE

    if not by.has_perm("demands.view", demand):
        raise NotFound()
    if demand.state == DemandState.REPLIED and by.has_perm(CALLBACK, demand):
        purpose = Purpose.CALLBACK
    elif demand.state in (DemandState.DISPATCHED, DemandState.HANDLING) and by.has_perm(HANDLE, demand):
        purpose = Purpose.HANDLE_DEMAND
    else:
        raise error("contact_not_allowed")
    phone = demand.contact_phone
    if not phone:
        raise error("no_contact_phone")
    access_log_record(
        user=by,
        action="reveal",
        object_type="demand",
        object_id=str(demand.pk),
        community_code=demand.community_id,
        fields=["phone"],
        purpose=purpose,
    )
    return phone


@transaction.atomic
def demand_rate(
    *, demand: Demand, by, satisfaction: str, resolved: bool, note: str = "", phone: str = ""
) -> Demand:
    """The resident rates the answer: signed in as the submitter, or (signed out) by giving
    the phone number left with the demand."""
    demand = _lock(demand)
    signed_in = by is not None and getattr(by, "is_authenticated", False)
    if signed_in and demand.submitted_by_id == by.id:
        WORKFLOW.require("rate", demand, by, clock.now())  # the submitter: the one guard
    elif demand.submitted_by_id is None and demand.contact_phone_hash:
        check_state(demand, "rate")  # signed out: the phone left with the demand stands for the account
        from gongzhi.core import pii

        phone = re.sub(r"[\s()-]", "", phone or "")
        if not phone or pii.keyed_hash(phone, purpose="phone") != demand.contact_phone_hash:
            raise error("phone_mismatch")
    else:
        raise error("not_owner")
    return _record_callback(demand, by if signed_in else None, satisfaction, resolved, _note(note))


@transaction.atomic
def demand_reopen(*, demand: Demand, by, note: str = "") -> Demand:
    """Back to the same unit for handling again when the resident was unsatisfied or the
    problem is not solved; a new deadline from now."""
    demand = _lock(demand)
    _step(demand, by, "reopen")
    note = _note(note)
    now = clock.now()
    demand.state = DemandState.HANDLING
    demand.reopen_count += 1
    demand.due_at = calendar.due_at(now, demand.time_limit)
    demand.satisfaction, demand.resolved, demand.called_back_at = "", None, None
    demand.replied_at = None
    _save(
        demand, "state", "reopen_count", "due_at", "satisfaction", "resolved", "called_back_at", "replied_at"
    )
    Assignment.objects.filter(demand=demand, unit=demand.unit, outcome=Assignment.Outcome.DONE).update(
        outcome=Assignment.Outcome.ACTIVE
    )
    rates_demand_stale(demand)  # the rating it had no longer counts
    demand_event_record(
        demand=demand,
        kind=EventKind.REOPENED,
        by=by,
        from_state=DemandState.CALLED_BACK,
        to_state=DemandState.HANDLING,
        note=note,
        at=now,
    )
    return demand


@transaction.atomic
def demand_close(*, demand: Demand, by, note: str = "", force: bool = False) -> Demand:
    """办结 after the call-back. An unsatisfied or unsolved demand is reopened instead,
    unless a reviewer (one level up) closes it with force=True and a note."""
    demand = _lock(demand)
    _step(demand, by, "close")
    note = _note(note)
    if (demand.satisfaction == Satisfaction.UNSATISFIED or not demand.resolved) and not (
        force and note and by.has_perm("demands.review", demand)
    ):
        raise error("close_unsatisfied")
    now = clock.now()
    before = demand.closed_at
    demand.state, demand.closed_at = DemandState.CLOSED, now
    _save(demand, "state", "closed_at")
    rates_months_stale([before, now])  # the month it now counts in (and any it counted in before)
    demand_event_record(
        demand=demand,
        kind=EventKind.CLOSED,
        by=by,
        from_state=DemandState.CALLED_BACK,
        to_state=DemandState.CLOSED,
        note=note,
        at=now,
    )
    return demand


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    from .models import Notification

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    return qs.update(read_at=clock.now())
