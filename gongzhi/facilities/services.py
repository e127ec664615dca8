"""Writes of the facilities register: premises, facilities, versions of standards."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from gongzhi.core.models import Region
from gongzhi.core.permissions import require

from . import rules
from .compliance import missing_parameters
from .errors import error
from .models import Facility, FacilityKind, Premises, RoomUse, RuleKind, Standard, Tenure


def _community(code: str) -> Region:
    region = Region.objects.filter(code=code, level=5).first()
    if region is None:
        raise error("not_community")
    return region


def _area(value) -> Decimal:
    try:
        area = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise error("bad_area") from None
    if not area.is_finite() or area <= 0 or area >= Decimal("1000000"):
        raise error("bad_area")
    return area.quantize(Decimal("0.01"))


@transaction.atomic
def premises_create(
    *,
    community: str,
    name: str,
    use: str,
    area,
    tenure: str = Tenure.OWNED,
    handed_over: bool = False,
    accessible: bool = False,
    by,
) -> Premises:
    region = _community(community)
    require(by, rules.MANAGE, region)
    name = (name or "").strip()
    if not name:
        raise error("name_required")
    if use not in RoomUse.values or tenure not in Tenure.values:
        raise error("bad_choice")
    if Premises.objects.filter(community=region, name=name).exists():
        raise error("name_taken")
    return Premises.objects.create(
        community=region,
        name=name[:60],
        use=use,
        area=_area(area),
        tenure=tenure,
        handed_over=bool(handed_over),
        accessible=bool(accessible),
    )


@transaction.atomic
def facility_create(
    *, community: str, kind: str, name: str, latitude, longitude, hours: str = "", operator: str = "", by
) -> Facility:
    region = _community(community)
    require(by, rules.MANAGE, region)
    name = (name or "").strip()
    if not name:
        raise error("name_required")
    if kind not in FacilityKind.values:
        raise error("bad_choice")
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise error("bad_location") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise error("bad_location")
    try:
        with transaction.atomic():
            return Facility.objects.create(
                community=region,
                kind=kind,
                name=name[:60],
                latitude=lat,
                longitude=lng,
                hours=hours[:40],
                operator=operator[:60],
            )
    except IntegrityError:
        raise error("name_taken") from None


@transaction.atomic
def standard_add(
    *, code: str, title: str, source: str, kind: str, parameters: dict, scope: str = "", unit_price=0, by
) -> Standard:
    """A new version of a standard (versions are kept; compliance uses the newest)."""
    require(by, rules.STANDARDS, Region(code=scope, level=1) if scope else None)
    if kind not in RuleKind.values:
        raise error("bad_choice")
    if missing := missing_parameters(kind, parameters):
        raise error("bad_parameters", missing="、".join(missing))
    # Lock the code's versions, then read the newest again: a version added by whoever held the
    # lock before is seen by this second statement (READ COMMITTED).
    list(Standard.objects.select_for_update().filter(code=code).values_list("pk", flat=True))
    last = Standard.objects.filter(code=code).order_by("-version").first()
    try:
        with transaction.atomic():
            return Standard.objects.create(
                code=code,
                version=(last.version + 1) if last else 1,
                title=title,
                source=source,
                kind=kind,
                parameters=parameters,
                scope=scope,
                unit_price=Decimal(str(unit_price)),
            )
    except IntegrityError:  # another version of a new code was added at the same moment
        raise error("standard_changed") from None
