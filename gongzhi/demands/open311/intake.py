"""POST requests: an Open311 service request becomes a demand through the demand create
service (channel Open311), so the timeline and notifications are the same as any other.

Where: the `community` attribute, or `address_id` (a community code, `building:ID` or
`estate:ID`), or lat/long (the nearest estate with coordinates within NEAREST_ESTATE_M),
or an address string naming an estate or community of the jurisdiction.
"""

from __future__ import annotations

import math
import re

from django.utils.translation import gettext as _

from gongzhi.core.models import Region, RegionLevel
from gongzhi.registry.models import Building, Estate

from ..models import Category, Channel, Demand
from ..services import demand_create

NEAREST_ESTATE_M = 1500
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_\-]+)\](\[\])?$")


class Open311Error(Exception):
    """An error in the specification's format: [{"code": status, "description": …}]."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def attributes(data) -> dict[str, str]:
    out = {}
    for key in data:
        m = _ATTRIBUTE.match(key)
        if m:
            out[m.group(1)] = data.get(key, "").strip()
    return out


def _float(data, name: str) -> float | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, _("参数 %(name)s 不是有效的数字。") % {"name": name}) from None
    if not math.isfinite(value):
        raise Open311Error(400, _("参数 %(name)s 不是有效的数字。") % {"name": name})
    return value


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371000 * 2 * math.asin(math.sqrt(a))


def _community(code: str, jurisdiction: str) -> Region:
    region = Region.objects.filter(code=code, level=RegionLevel.COMMUNITY).first()
    if region is None or not code.startswith(jurisdiction):
        raise Open311Error(400, _("社区代码 %(code)s 不在本辖区内。") % {"code": code})
    return region


def resolve_place(data, jurisdiction: str, lat: float | None, lon: float | None):
    """(community, estate, building) for the request, or Open311Error 400."""
    attrs = attributes(data)
    if attrs.get("community"):
        return _community(attrs["community"], jurisdiction), None, None
    address_id = (data.get("address_id") or "").strip()
    if address_id:
        kind, _sep, ident = address_id.partition(":")
        if not ident and address_id.isdigit() and len(address_id) == 12:
            return _community(address_id, jurisdiction), None, None
        if kind == "building" and ident.isdigit():
            building = Building.objects.filter(
                pk=int(ident), community__code__startswith=jurisdiction
            ).first()
            if building is not None:
                return building.community, building.estate, building
        if kind == "estate" and ident.isdigit():
            estate = Estate.objects.filter(pk=int(ident), community__code__startswith=jurisdiction).first()
            if estate is not None:
                return estate.community, estate, None
        raise Open311Error(400, _("无法识别的地址编号 address_id：%(id)s") % {"id": address_id})
    if lat is not None and lon is not None:
        nearest, best = None, float(NEAREST_ESTATE_M)
        estates = Estate.objects.filter(
            community__code__startswith=jurisdiction,
            latitude__range=(lat - 0.02, lat + 0.02),
            longitude__range=(lon - 0.02, lon + 0.02),
        ).select_related("community")
        for estate in estates:
            if estate.latitude is None or estate.longitude is None:
                continue
            d = _distance_m(lat, lon, estate.latitude, estate.longitude)
            if d <= best:
                nearest, best = estate, d
        if nearest is not None:
            return nearest.community, nearest, None
    address = (data.get("address_string") or "").strip()
    if address:
        for estate in Estate.objects.filter(community__code__startswith=jurisdiction).select_related(
            "community"
        ):
            if estate.name and estate.name in address:
                return estate.community, estate, None
        for region in Region.objects.filter(code__startswith=jurisdiction, level=RegionLevel.COMMUNITY):
            if region.name in address or region.short_name in address:
                return region, None, None
    raise Open311Error(
        400,
        _("无法确定诉求所在社区：请提供 attribute[community]、address_id、辖区内的经纬度或可识别的地址。"),
    )


def open311_request_create(*, user, jurisdiction: str, data) -> Demand:
    """Validate an Open311 POST and create the demand (ApplicationError passes through)."""
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("缺少参数 service_code。"))
    category = Category.objects.filter(code=code, active=True, parent__isnull=False).first()
    if category is None:  # a bad parameter of the submission: 400 (GET services/{code} answers 404)
        raise Open311Error(400, _("服务代码 %(code)s 不存在。") % {"code": code})
    lat, lon = _float(data, "lat"), _float(data, "long")
    if (lat is None) != (lon is None):
        raise Open311Error(400, _("经纬度必须同时提供 lat 和 long。"))
    has_place = any((data.get(k) or "").strip() for k in ("address_string", "address_id"))
    if lat is None and not has_place and not attributes(data).get("community"):
        raise Open311Error(400, _("请提供位置：lat/long、address_string 或 address_id。"))
    community, estate, building = resolve_place(data, jurisdiction, lat, lon)
    description = (data.get("description") or "").strip()
    media_url = (data.get("media_url") or "").strip()
    if media_url:
        if not re.match(r"^https?://\S+$", media_url) or len(media_url) > 500:
            raise Open311Error(400, _("media_url 不是有效的网址。"))
        if description:
            description = f"{description}\n" + _("附件：%(url)s") % {"url": media_url}
    title = attributes(data).get("title") or (description.splitlines()[0][:30] if description else "")
    name = " ".join(
        p for p in ((data.get("last_name") or "").strip(), (data.get("first_name") or "").strip()) if p
    )
    return demand_create(
        by=user,
        channel=Channel.OPEN311,
        via_open311=True,
        title=title or category.name,
        body=description,
        community=community,
        category=category,
        estate=estate,
        building=building,
        address=(data.get("address_string") or "").strip(),
        latitude=lat,
        longitude=lon,
        contact_name=name,
        contact_phone=(data.get("phone") or "").strip(),
    )
