"""Writes of shared spaces and bookings: keyword-only, atomic, guard first, one event each.

No two bookings that hold a space may overlap. PostgreSQL refuses it itself (the exclusion
constraint of migration 0004); the service also locks the space's row and checks first, so the
caller gets a plain message, and on SQLite (no exclusion constraints) that check inside the
write-locked transaction (transaction_mode IMMEDIATE) is the guarantee."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.models import RoleAssignment
from gongzhi.core.permissions import require
from gongzhi.core.roles import Role

from .errors import error
from .events import event_record
from .models import (
    HOLDING,
    BookerKind,
    Booking,
    BookingSeries,
    BookingStatus,
    Organization,
    OrganizationProfile,
    Space,
    SpaceKind,
)
from .rules import BOOK, MANAGE_SPACES
from .workflow import WORKFLOW

MAX_SERIES_WEEKS = 26


def booker_organization(user) -> Organization | None:
    """The organisation a social-organisation staff member books for (their first assignment)."""
    a = (
        RoleAssignment.objects.filter(
            user=user, active=True, role=Role.SOCIAL_ORG_STAFF, organization__isnull=False
        )
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    return a.organization if a else None


def _booker(by, space) -> tuple[str, Organization | None]:
    if by.has_perm(MANAGE_SPACES, space):
        return BookerKind.STAFF, None
    org = booker_organization(by)
    if org is not None:
        if not space.organizations_may_book:
            raise error("organizations_not_allowed")
        return BookerKind.ORGANIZATION, org
    if not space.residents_may_book:
        raise error("residents_not_allowed")
    return BookerKind.RESIDENT, None


def _check_rules(
    *, space: Space, starts_at, ends_at, attendees: int, kind: str, by, now, window: bool = True
):
    if not space.active:
        raise error("space_inactive")
    if ends_at <= starts_at:
        raise error("time_order")
    local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if local_start.date() != local_end.date() and local_end.time() != dt.time(0):
        raise error("not_same_day")
    if str(local_start.isoweekday()) not in space.open_weekdays:
        raise error("closed_day")
    if local_start.time() < space.opens or (
        local_end.time() > space.closes or local_end.date() != local_start.date()
    ):
        raise error(
            "outside_hours", opens=space.opens.strftime("%H:%M"), closes=space.closes.strftime("%H:%M")
        )
    opens_at = dt.datetime.combine(local_start.date(), space.opens, tzinfo=local_start.tzinfo)
    step = dt.timedelta(minutes=space.slot_minutes)
    if (local_start - opens_at) % step or (local_end - local_start) % step:
        raise error("slot_misaligned", minutes=space.slot_minutes)
    if attendees > space.capacity:
        raise error("too_many_people", capacity=space.capacity)
    if starts_at <= now:
        raise error("in_the_past")
    if kind == BookerKind.STAFF:
        return
    if window and starts_at > now + dt.timedelta(days=space.window_days):
        raise error("beyond_window", days=space.window_days)
    if space.quota_hours_per_week:
        monday = local_start.date() - dt.timedelta(days=local_start.weekday())
        week_start = dt.datetime.combine(monday, dt.time(0), tzinfo=local_start.tzinfo)
        booked = Booking.objects.filter(
            space=space,
            booked_by=by,
            status__in=(BookingStatus.PENDING, *HOLDING),
            starts_at__gte=week_start,
            starts_at__lt=week_start + dt.timedelta(days=7),
        ).values_list("starts_at", "ends_at")
        used = sum(((e - s) for s, e in booked), dt.timedelta())
        if used + (ends_at - starts_at) > dt.timedelta(hours=space.quota_hours_per_week):
            raise error(
                "quota_exceeded",
                used=Decimal(used.total_seconds() / 3600).quantize(Decimal("0.1")),
                quota=space.quota_hours_per_week,
            )


def booking_fee(space: Space, kind: str, starts_at, ends_at) -> Decimal:
    """Hourly price × hours for residents and organisations; staff bookings and blocks are free."""
    if kind not in (BookerKind.RESIDENT, BookerKind.ORGANIZATION) or not space.price_per_hour:
        return Decimal("0")
    hours = Decimal((ends_at - starts_at).total_seconds()) / Decimal(3600)
    return (space.price_per_hour * hours).quantize(Decimal("0.01"))


def _overlaps(space: Space, starts_at, ends_at, exclude_pk=None) -> bool:
    qs = Booking.objects.filter(space=space, status__in=HOLDING, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _locked(space: Space) -> Space:
    """The space's row, locked for the rest of the transaction (serialises bookings of one space)."""
    return Space.objects.select_for_update().get(pk=space.pk)


def _insert(booking: Booking, code: str = "slot_taken", **params) -> Booking:
    if booking.status in HOLDING and _overlaps(booking.space, booking.starts_at, booking.ends_at):
        raise error(code, **params)
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:  # PostgreSQL's exclusion constraint: someone else got there first
        raise error(code, **params) from None
    return booking


@transaction.atomic
def booking_create(
    *, by, space: Space, starts_at: dt.datetime, ends_at: dt.datetime, purpose: str, attendees: int = 1
) -> Booking:
    """Book a space; confirmed at once unless the space needs approval (staff bookings never do)."""
    require(by, BOOK)
    require(by, BOOK, space, hide=True)
    space = _locked(space)
    purpose = (purpose or "").strip()
    if not purpose:
        raise error("purpose_required")
    kind, org = _booker(by, space)
    now = clock.now()
    _check_rules(
        space=space, starts_at=starts_at, ends_at=ends_at, attendees=attendees, kind=kind, by=by, now=now
    )
    pending = space.approval_required and kind != BookerKind.STAFF
    booking = _insert(
        Booking(
            community_id=space.community_id,
            space=space,
            status=BookingStatus.PENDING if pending else BookingStatus.CONFIRMED,
            booker_kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            booked_by=by,
            organization=org,
            purpose=purpose[:120],
            attendees=attendees,
            fee=booking_fee(space, kind, starts_at, ends_at),
            created_by=by,
        )
    )
    event_record("booking_created", booking, by=by, status=booking.status, space=space.pk)
    return booking


@transaction.atomic
def series_book(
    *,
    by,
    space: Space,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    weeks: int,
    purpose: str,
    attendees: int = 1,
) -> BookingSeries:
    """Book the same slot every week for `weeks` weeks, all or nothing."""
    require(by, BOOK)
    require(by, BOOK, space, hide=True)
    space = _locked(space)
    purpose = (purpose or "").strip()
    if not purpose:
        raise error("purpose_required")
    if not 2 <= weeks <= MAX_SERIES_WEEKS:
        raise error("series_weeks")
    kind, org = _booker(by, space)
    now = clock.now()
    pending = space.approval_required and kind != BookerKind.STAFF
    series = BookingSeries.objects.create(
        community_id=space.community_id,
        space=space,
        booked_by=by,
        weeks=weeks,
        purpose=purpose[:120],
        created_by=by,
    )
    for week in range(weeks):
        s, e = starts_at + dt.timedelta(weeks=week), ends_at + dt.timedelta(weeks=week)
        # The booking window applies to the first occurrence: a series is booked a season ahead.
        _check_rules(
            space=space,
            starts_at=s,
            ends_at=e,
            attendees=attendees,
            kind=kind,
            by=by,
            now=now,
            window=week == 0,
        )
        _insert(
            Booking(
                community_id=space.community_id,
                space=space,
                status=BookingStatus.PENDING if pending else BookingStatus.CONFIRMED,
                booker_kind=kind,
                starts_at=s,
                ends_at=e,
                booked_by=by,
                organization=org,
                series=series,
                purpose=purpose[:120],
                attendees=attendees,
                fee=booking_fee(space, kind, s, e),
                created_by=by,
            ),
            "series_slot_taken",
            date=timezone.localtime(s).date().isoformat(),
        )
    event_record("series_booked", series, by=by, weeks=weeks, space=space.pk)
    return series


@transaction.atomic
def series_cancel(*, by, series: BookingSeries) -> int:
    """Cancel every occurrence of a series that has not started yet; returns how many."""
    now = clock.now()
    open_ = list(
        Booking.objects.select_for_update()
        .filter(series=series, status__in=(BookingStatus.PENDING, BookingStatus.CONFIRMED), starts_at__gt=now)
        .order_by("starts_at")
    )
    if not open_:
        WORKFLOW.require("cancel", series.bookings.order_by("-starts_at").first(), by)
    for b in open_:
        WORKFLOW.require("cancel", b, by, now)
    Booking.objects.filter(pk__in=[b.pk for b in open_]).update(status=BookingStatus.CANCELLED)
    series.cancelled = True
    series.save(update_fields=["cancelled", "updated_at"])
    event_record("series_cancelled", series, by=by, cancelled=len(open_))
    return len(open_)


@transaction.atomic
def booking_act(*, by, booking: Booking, action: str) -> Booking:
    """Take a workflow step (approve, reject, cancel, check_in, no_show) on a booking."""
    if action not in WORKFLOW.steps:
        raise error("wrong_status", status=booking.get_status_display())
    space = _locked(booking.space)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    now = clock.now()
    WORKFLOW.require(action, booking, by, now)
    step = WORKFLOW.steps[action]
    if action == "approve" and _overlaps(space, booking.starts_at, booking.ends_at, exclude_pk=booking.pk):
        raise error("slot_taken")
    assert step.target is not None  # every booking step moves the status
    booking.status = step.target
    fields = ["status", "updated_at"]
    if action in ("approve", "reject"):
        booking.decided_by = by
        fields.append("decided_by")
    if action == "check_in":
        booking.checked_in_at = now
        fields.append("checked_in_at")
    try:
        with transaction.atomic():
            booking.save(update_fields=fields)
    except IntegrityError:
        raise error("slot_taken") from None
    event_record(f"booking_{action}", booking, by=by)
    return booking


@transaction.atomic
def block_create(*, by, space: Space, starts_at: dt.datetime, ends_at: dt.datetime, reason: str) -> Booking:
    """Block a period (maintenance, the community's own use): overlapping bookings are cancelled."""
    require(by, MANAGE_SPACES)
    require(by, MANAGE_SPACES, space, hide=True)
    space = _locked(space)
    if ends_at <= starts_at:
        raise error("time_order")
    reason = (reason or "").strip()
    if not reason:
        raise error("purpose_required")
    overlapping = Booking.objects.filter(
        Q(status__in=(BookingStatus.PENDING, *HOLDING)) & ~Q(status=BookingStatus.NO_SHOW),
        space=space,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
        starts_at__gt=clock.now(),
    )
    cancelled = [b.pk for b in overlapping]
    Booking.objects.filter(pk__in=cancelled).update(status=BookingStatus.CANCELLED)
    block = _insert(
        Booking(
            community_id=space.community_id,
            space=space,
            status=BookingStatus.CONFIRMED,
            booker_kind=BookerKind.BLOCK,
            starts_at=starts_at,
            ends_at=ends_at,
            booked_by=by,
            purpose=reason[:120],
            attendees=0,
            created_by=by,
        )
    )
    event_record("space_blocked", block, by=by, cancelled=cancelled)
    return block


SPACE_FIELDS = (
    "name",
    "kind",
    "place",
    "capacity",
    "area",
    "opens",
    "closes",
    "open_weekdays",
    "residents_may_book",
    "organizations_may_book",
    "approval_required",
    "price_per_hour",
    "quota_hours_per_week",
    "window_days",
    "slot_minutes",
    "active",
)


def _decimal(value, code: str, *, positive: bool = False) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise error(code) from None
    if not d.is_finite() or d < 0 or (positive and d == 0):
        raise error(code)
    return d


def _int_in(value, low: int, high: int, code: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise error(code) from None
    if not low <= n <= high:
        raise error(code)
    return n


def _clean_space(*, community, owner: Organization | None, values: dict) -> dict:
    """The checked fields of a space (raises the first problem, in the form's order)."""
    v = {k: values[k] for k in SPACE_FIELDS if k in values}
    v["name"] = (v.get("name") or "").strip()[:80]
    if not v["name"]:
        raise error("name_required")
    if v.get("kind") not in SpaceKind.values:
        raise error("choice_invalid", value=v.get("kind", ""), label="场地类型")
    v["place"] = (v.get("place") or "").strip()[:120]
    v["capacity"] = _int_in(v.get("capacity"), 1, 10000, "capacity_invalid")
    if "area" in v:
        area = _decimal(v["area"], "area_invalid", positive=True)
        if area is not None and area >= Decimal("1000000"):
            raise error("area_invalid")
        v["area"] = area
    opens, closes = v.get("opens"), v.get("closes")
    if not isinstance(opens, dt.time) or not isinstance(closes, dt.time):
        raise error("time_invalid")
    if closes <= opens:
        raise error("hours_invalid")
    v["slot_minutes"] = _int_in(v.get("slot_minutes", 60), 15, 480, "slot_invalid")
    open_minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    if open_minutes % v["slot_minutes"] or open_minutes < v["slot_minutes"]:
        raise error("slot_invalid")
    days = "".join(sorted(set(str(v.get("open_weekdays", "1234567"))) & set("1234567")))
    if not days:
        raise error("weekdays_invalid")
    v["open_weekdays"] = days
    price = _decimal(v.get("price_per_hour", 0) or 0, "price_invalid")
    if price is None or price >= Decimal("1000000"):
        raise error("price_invalid")
    v["price_per_hour"] = price.quantize(Decimal("0.01"))
    v["quota_hours_per_week"] = _int_in(v.get("quota_hours_per_week", 0) or 0, 0, 168, "quota_invalid")
    v["window_days"] = _int_in(v.get("window_days", 14), 1, 180, "window_invalid")
    for flag in ("residents_may_book", "organizations_may_book", "approval_required", "active"):
        if flag in v:
            v[flag] = bool(v[flag])
    if owner is not None:
        serves = (
            community.code.startswith(owner.region_id)
            or OrganizationProfile.objects.filter(
                organization=owner, communities_served=community.code
            ).exists()
        )
        if not serves or owner.kind == "owners_committee":
            raise error("owner_not_serving")
    return v


@transaction.atomic
def space_create(*, by, community, owner: Organization | None = None, **fields) -> Space:
    """Open a room or facility of the community (owner None) or of a unit for booking."""
    require(by, MANAGE_SPACES, community, hide=True)
    if getattr(community, "level", 5) != 5:
        raise error("not_community", name=community.name)
    v = _clean_space(community=community, owner=owner, values=fields)
    space = Space(community=community, owner=owner, created_by=by, **v)
    try:
        with transaction.atomic():
            space.save()
    except IntegrityError:
        raise error("space_name_taken") from None
    event_record("space_created", space, by=by)
    return space


@transaction.atomic
def space_update(*, by, space: Space, owner: Organization | None = None, **fields) -> Space:
    """Change a space's rules. Bookings already made keep their times and fees."""
    space = _locked(space)
    require(by, MANAGE_SPACES, space, hide=True)
    # The rules of a space are set by the community's staff, not by a unit contact (who holds
    # MANAGE_SPACES over their unit's spaces, for bookings, but not over the community).
    require(by, MANAGE_SPACES, space.community, hide=True)
    v = _clean_space(community=space.community, owner=owner, values=fields)
    before = {k: str(getattr(space, k)) for k in v if getattr(space, k) != v[k]}
    for k, value in v.items():
        setattr(space, k, value)
    space.owner = owner
    space.updated_by = by
    try:
        with transaction.atomic():
            space.save()
    except IntegrityError:
        raise error("space_name_taken") from None
    event_record("space_updated", space, by=by, before=before)
    return space
