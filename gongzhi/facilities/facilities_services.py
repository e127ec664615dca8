"""Writes of the register itself: a community's premises (rooms) and its service facilities —
record, correct, retire. Retiring keeps the record (the ledgers and older figures refer to it)
and leaves it out of compliance, the circle and the figures from then on; nothing is deleted.

Every service checks `facilities.manage` over the record's community (rules.py): community
staff their own community, street staff their communities, district staff all of theirs."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .circle import nearest
from .errors import error
from .geo import out_of_china, to_wgs84
from .models import Facility, FacilityKind, Premises, RoomUse, Tenure

AREA_LIMIT = Decimal("10000")  # no single community room is larger: more is a typing mistake
# A facility the district's households use lies within this of one of its located estates: well
# past the 15-minute circle (800–1,000 m). A point farther from every estate of the district serves
# none of its households on foot; it is a mistyped or swapped coordinate, or another district's.
NEAR_ESTATE_M = 2_000


def _community(code: str) -> Region:
    region = Region.objects.filter(code=code or "", level=5).first()
    if region is None:
        raise error("not_community")
    return region


def _name(value) -> str:
    name = (value or "").strip()
    if not name:
        raise error("name_required")
    return name[:60]


def _area(value) -> Decimal:
    try:
        area = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise error("bad_area") from None
    if not area.is_finite() or area <= 0 or area.quantize(Decimal("0.01")) <= 0:
        raise error("bad_area")
    if area > AREA_LIMIT:
        raise error("area_absurd", area=area.normalize(), limit=AREA_LIMIT)
    return area.quantize(Decimal("0.01"))


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def _premises_fields(name, use, area, tenure, handed_over, accessible) -> dict:
    if not use:
        raise error("use_required")
    if use not in RoomUse.values or (tenure or Tenure.OWNED) not in Tenure.values:
        raise error("bad_choice")
    return {
        "name": _name(name),
        "use": use,
        "area": _area(area),
        "tenure": tenure or Tenure.OWNED,
        "handed_over": _flag(handed_over),
        "accessible": _flag(accessible),
    }


def _save(obj, *, create: bool) -> None:
    try:
        with transaction.atomic():
            if create:
                obj.save(force_insert=True)
            else:
                obj.save()
    except IntegrityError:  # the name of a live record of the same community
        raise error("name_taken") from None


@transaction.atomic
def premises_create(
    *,
    community: str,
    name: str,
    use: str,
    area,
    tenure: str = Tenure.OWNED,
    handed_over=False,
    accessible=False,
    by,
) -> Premises:
    region = _community(community)
    require(by, rules.MANAGE, region)
    room = Premises(community=region, **_premises_fields(name, use, area, tenure, handed_over, accessible))
    _save(room, create=True)
    return room


def _live(model, pk, by, *, retired: str = "retired"):
    """The record locked for a change by someone who may manage it; a retired one is refused
    with the `retired` error (editing it, or retiring it again)."""
    obj = model.objects.select_for_update().filter(pk=pk).first() if pk else None
    if obj is None:
        raise NotFound()
    require(by, rules.MANAGE, obj.community_id, hide=True)
    if obj.retired_on is not None:
        raise error(retired)
    return obj


@transaction.atomic
def premises_update(
    *,
    premises: int,
    name: str,
    use: str,
    area,
    tenure: str = Tenure.OWNED,
    handed_over=False,
    accessible=False,
    by,
) -> Premises:
    """Correct a room: every field but its community."""
    room = _live(Premises, premises, by)
    for k, v in _premises_fields(name, use, area, tenure, handed_over, accessible).items():
        setattr(room, k, v)
    _save(room, create=False)
    return room


def _retire(obj, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise error("reason_required")
    obj.retired_on = timezone.localdate(clock.now())
    obj.retired_reason = reason[:200]


@transaction.atomic
def premises_retire(*, premises: int, reason: str, by) -> Premises:
    """Retire a room: kept, no longer counted; its bookable space is freed for another room."""
    room = _live(Premises, premises, by, retired="already_retired")
    _retire(room, reason)
    room.space = None
    room.save(update_fields=["retired_on", "retired_reason", "space"])
    return room


def _location(region: Region, latitude, longitude, datum: str) -> tuple[float, float]:
    """A point as WGS-84, checked: a number, in range, in China, and within NEAR_ESTATE_M of one
    of the district's located estates when the district has any (not a radius around the
    district's centre, which let a point in the next district through)."""
    try:
        lat, lng = float(str(latitude).strip()), float(str(longitude).strip())
    except (TypeError, ValueError):
        raise error("bad_location") from None
    if not (math.isfinite(lat) and math.isfinite(lng)) or datum not in ("wgs84", "cgcs2000", "gcj02"):
        raise error("bad_location")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise error("bad_location")
    if out_of_china(lat, lng):
        raise error("outside_china")
    lat, lng = to_wgs84(lat, lng, datum)
    from gongzhi.registry.models import Estate

    estates = list(
        Estate.objects.filter(
            community__code__startswith=region.code[:6], latitude__isnull=False, longitude__isnull=False
        ).values_list("latitude", "longitude")
    )
    if estates:
        metres = float(nearest(np.array([[lat, lng]]), np.array(estates, dtype=float))[0])
        if metres > NEAR_ESTATE_M:
            raise error("outside_district", km=f"{metres / 1000:.1f}", limit=NEAR_ESTATE_M // 1000)
    return round(lat, 7), round(lng, 7)


def _operator(region: Region, operator_org, operator: str):
    from .selectors import operator_choices

    text = (operator or "").strip()[:60]
    if operator_org in (None, "", 0):
        return None, text
    if text:
        raise error("operator_both")
    try:
        pk = int(operator_org)
    except (TypeError, ValueError):
        raise error("operator_not_serving") from None
    org = operator_choices(community=region.code).filter(pk=pk).first()
    if org is None:
        raise error("operator_not_serving")
    return org, ""


def _facility_fields(region, kind, name, latitude, longitude, hours, operator_org, operator, datum) -> dict:
    if not kind:
        raise error("kind_required")
    if kind not in FacilityKind.values:
        raise error("bad_choice")
    fields = {"kind": kind, "name": _name(name)}
    fields["latitude"], fields["longitude"] = _location(region, latitude, longitude, datum)
    fields["operator_org"], fields["operator"] = _operator(region, operator_org, operator)
    fields["hours"] = (hours or "").strip()[:40]
    return fields


@transaction.atomic
def facility_create(
    *,
    community: str,
    kind: str,
    name: str,
    latitude,
    longitude,
    hours: str = "",
    operator: str = "",
    operator_org: int | None = None,
    datum: str = "wgs84",
    by,
) -> Facility:
    """A service facility at a point; a point read from a consumer map in GCJ-02 (`datum="gcj02"`)
    is stored as WGS-84, the platform's datum (Tianditu's tiles draw it without a shift). The
    operator is an organisation serving the community, or a name for one not in the register."""
    region = _community(community)
    require(by, rules.MANAGE, region)
    f = Facility(
        community=region,
        **_facility_fields(region, kind, name, latitude, longitude, hours, operator_org, operator, datum),
    )
    _save(f, create=True)
    return f


@transaction.atomic
def facility_update(
    *,
    facility: int,
    kind: str,
    name: str,
    latitude,
    longitude,
    hours: str = "",
    operator: str = "",
    operator_org: int | None = None,
    datum: str = "wgs84",
    by,
) -> Facility:
    f = _live(Facility, facility, by)
    region = Region.objects.get(code=f.community_id)
    fields = _facility_fields(region, kind, name, latitude, longitude, hours, operator_org, operator, datum)
    for k, v in fields.items():
        setattr(f, k, v)
    _save(f, create=False)
    return f


@transaction.atomic
def facility_retire(*, facility: int, reason: str, by) -> Facility:
    f = _live(Facility, facility, by, retired="already_retired")
    _retire(f, reason)
    f.save(update_fields=["retired_on", "retired_reason"])
    return f
